"""Small networks shared across the package: classifiers for the 8×8 digits."""

from saddle.models.classifiers import DigitsCNN, DigitsMLP

__all__ = ["DigitsCNN", "DigitsMLP"]
