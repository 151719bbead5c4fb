"""THE training loop (`train_loop`; `fit` for supervised objectives) and one file per training objective.

Every objective has one signature, `objective(model, x, y) -> loss | (loss, extras)`; those that own the
update (SAM, ε-stability, DDi) add `train_step(model, optimizer, x, y)`. Inner maximisers are the attacks
of `saddle.attacks`. Scale-out: `saddle.train.distributed` (torchrun + DistributedDataParallel).
"""

from saddle.train.adversarial import AdversarialCrossEntropy
from saddle.train.batches import ShuffledBatches
from saddle.train.beta_at import BETAAdversarialTraining
from saddle.train.cfol import ClassFocusedOnlineLearning
from saddle.train.checkpoint import load_checkpoint, rng_state, save_checkpoint, set_rng_state
from saddle.train.ddi import DDiAdversarialTraining, min_norm_weights
from saddle.train.ema import ema_model, ema_multi_avg_fn
from saddle.train.erm import ERM, train_classifier
from saddle.train.fgsm_at import FGSMAdversarialTraining
from saddle.train.fit import Objective, fit, optimizer_step, split_loss
from saddle.train.logs import JsonLinesLog
from saddle.train.loop import LoopSettings, NonFiniteError, TrainResult, train_loop
from saddle.train.mart import MART
from saddle.train.pgd_at import PGDAdversarialTraining
from saddle.train.rs_fgsm import RSFGSMAdversarialTraining
from saddle.train.sam import SharpnessAwareMinimisation
from saddle.train.trades import TRADES
from saddle.train.weight_stability import EpsilonStabilityTraining

__all__ = [
    "ERM",
    "MART",
    "TRADES",
    "AdversarialCrossEntropy",
    "BETAAdversarialTraining",
    "ClassFocusedOnlineLearning",
    "DDiAdversarialTraining",
    "EpsilonStabilityTraining",
    "FGSMAdversarialTraining",
    "JsonLinesLog",
    "LoopSettings",
    "NonFiniteError",
    "Objective",
    "PGDAdversarialTraining",
    "RSFGSMAdversarialTraining",
    "SharpnessAwareMinimisation",
    "ShuffledBatches",
    "TrainResult",
    "ema_model",
    "ema_multi_avg_fn",
    "fit",
    "load_checkpoint",
    "min_norm_weights",
    "optimizer_step",
    "rng_state",
    "save_checkpoint",
    "set_rng_state",
    "split_loss",
    "train_classifier",
    "train_loop",
]
