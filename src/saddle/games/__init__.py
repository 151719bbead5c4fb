"""saddle.games: the Game protocol and the test games of the notes, one small file per family."""

from saddle.games.base import Game, ZeroSumGame, autograd_field
from saddle.games.bilinear import Bilinear
from saddle.games.dirac_gan import DiracGAN
from saddle.games.linear import bilinear_game, block_game, strongly_monotone_game, weak_mvi_game
from saddle.games.mixed import MixedExtension
from saddle.games.matrix import MatrixGame, NashEquilibrium, random_matrix_game, rock_paper_scissors
from saddle.games.quadratic import QuadraticGame
from saddle.games.saddles import MonkeySaddle, WeirdSaddle
from saddle.games.spurious import AlmostBilinear, Forsaken
from saddle.games.trap import TrapGame

__all__ = [
    "Game", "ZeroSumGame", "autograd_field", "Bilinear", "QuadraticGame", "MonkeySaddle", "WeirdSaddle",
    "AlmostBilinear", "Forsaken", "DiracGAN", "TrapGame", "MatrixGame", "NashEquilibrium", "rock_paper_scissors",
    "random_matrix_game", "MixedExtension", "strongly_monotone_game", "bilinear_game", "weak_mvi_game", "block_game",
]
