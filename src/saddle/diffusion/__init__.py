"""saddle.diffusion"""
