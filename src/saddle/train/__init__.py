"""Training loops: empirical risk minimisation now; adversarial-training objectives later."""

from saddle.train.erm import train_classifier

__all__ = ["train_classifier"]
