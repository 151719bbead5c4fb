"""saddle.robustness: the notes' ReLU network, initialisations, parametrisations and robustness diagnostics."""

from saddle.robustness.init import INIT_NAMES, InitScheme, init_scheme, init_table
from saddle.robustness.network import FullyConnectedReLU

__all__ = ["INIT_NAMES", "InitScheme", "init_scheme", "init_table", "FullyConnectedReLU"]
