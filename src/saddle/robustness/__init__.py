"""saddle.robustness"""
