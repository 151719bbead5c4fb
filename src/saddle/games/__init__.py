"""saddle.games: the Game protocol and the test games of the notes, one small file per family."""

from saddle.games.base import Game, ZeroSumGame, autograd_field
from saddle.games.bilinear import Bilinear
from saddle.games.dirac_gan import DiracGAN
from saddle.games.linear import bilinear_game, block_game, strongly_monotone_game, weak_mvi_game
from saddle.games.matrix import MatrixGame, NashEquilibrium, random_matrix_game, rock_paper_scissors
from saddle.games.mixed import MixedExtension
from saddle.games.quadratic import QuadraticGame
from saddle.games.saddles import MonkeySaddle, WeirdSaddle
from saddle.games.spurious import AlmostBilinear, Forsaken
from saddle.games.strict_saddle import StrictSaddle
from saddle.games.trap import TrapGame

__all__ = [
    "AlmostBilinear",
    "Bilinear",
    "DiracGAN",
    "Forsaken",
    "Game",
    "MatrixGame",
    "MixedExtension",
    "MonkeySaddle",
    "NashEquilibrium",
    "QuadraticGame",
    "StrictSaddle",
    "TrapGame",
    "WeirdSaddle",
    "ZeroSumGame",
    "autograd_field",
    "bilinear_game",
    "block_game",
    "random_matrix_game",
    "rock_paper_scissors",
    "strongly_monotone_game",
    "weak_mvi_game",
]
