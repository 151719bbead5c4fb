"""Small networks shared across the package: classifiers for the 8×8 digits; seeded initialisation."""

from saddle.models.classifiers import DigitsCNN, DigitsMLP, make_classifier
from saddle.models.seeded_init import build_seeded, reinitialize_

__all__ = ["DigitsCNN", "DigitsMLP", "build_seeded", "make_classifier", "reinitialize_"]
