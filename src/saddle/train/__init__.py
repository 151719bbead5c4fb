"""THE training loop (`train_loop`, and `fit` for supervised objectives) and one file per training objective."""

from saddle.train.batches import ShuffledBatches
from saddle.train.checkpoint import load_checkpoint, rng_state, save_checkpoint, set_rng_state
from saddle.train.erm import ERM, train_classifier
from saddle.train.fit import Objective, fit, optimizer_step, split_loss
from saddle.train.logs import JsonLinesLog
from saddle.train.loop import NonFiniteError, TrainResult, check_finite, train_loop

__all__ = ["train_loop", "fit", "TrainResult", "NonFiniteError", "check_finite", "Objective", "split_loss",
           "optimizer_step", "ShuffledBatches", "JsonLinesLog", "save_checkpoint", "load_checkpoint", "rng_state",
           "set_rng_state", "ERM", "train_classifier"]
