"""saddle.games"""
