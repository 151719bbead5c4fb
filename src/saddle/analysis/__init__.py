"""saddle.analysis"""
