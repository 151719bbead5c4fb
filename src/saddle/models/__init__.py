"""Small networks shared across the package: classifiers for the 8×8 digits; seeded initialisation."""

from saddle.models.classifiers import DigitsCNN, DigitsMLP
from saddle.models.init import make_classifier, seeded_init_
from saddle.models.seeded_init import build_seeded, reinitialize_

__all__ = ["DigitsCNN", "DigitsMLP", "reinitialize_", "build_seeded", "seeded_init_", "make_classifier"]
