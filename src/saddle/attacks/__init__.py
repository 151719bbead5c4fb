"""saddle.attacks"""
