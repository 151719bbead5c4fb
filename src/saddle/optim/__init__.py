"""saddle.optim"""
