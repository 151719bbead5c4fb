"""saddle.sampling"""
