"""Shuffled minibatches of tensors, reproducible and resumable, optionally sharded across processes.

Each epoch draws one permutation from the batch source's own generator (like DistributedSampler with a
shared seed): every process draws the same permutation and takes its slice of each global batch. An optional
augmentation (`saddle.data.RandomCropFlip`) of the first tensor draws from the same generator, for the whole
global batch, so that processes stay in step and a resumed run replays the same crops and flips.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
from torch import Tensor

from saddle.data.augment import RandomCropFlip
from saddle.validation import as_generator, check_int

__all__ = ["ShuffledBatches"]


class ShuffledBatches:
    """Calling `batches(epoch)` yields tuples (t[idx] for t in tensors) over one shuffled pass.

    `batch_size` is the global batch; with `world_size` W > 1, process `rank` gets rows rank, rank + W, ...
    of each global batch (B must be divisible by W). `state_dict` stores the generator state at the start
    of an unfinished epoch (a run resumed mid-epoch replays the same permutation and skips what it used),
    or the current state between epochs. `augment` (e.g. `RandomCropFlip()`) transforms the first tensor of
    every batch with draws from the same generator.
    Defaults: batch_size 64, drop_last False, generator seeded 0, no augmentation.
    """

    def __init__(
        self,
        *tensors: Tensor,
        batch_size: int = 64,
        generator: torch.Generator | int | None = None,
        shuffle: bool = True,
        drop_last: bool = False,
        rank: int = 0,
        world_size: int = 1,
        augment: RandomCropFlip | None = None,
    ) -> None:
        if not tensors:
            raise ValueError("ShuffledBatches needs at least one tensor")
        n = len(tensors[0])
        for t in tensors:
            if len(t) != n:
                raise ValueError(f"tensors have different lengths: {[len(t) for t in tensors]}")
        self.batch_size = check_int("batch_size", batch_size)
        self.world_size = check_int("world_size", world_size)
        check_int("rank", rank, low=0, high=self.world_size - 1)
        if batch_size % world_size:
            raise ValueError(f"batch_size {batch_size} must be divisible by world_size {world_size}")
        self.tensors, self.n, self.rank = tensors, n, rank
        self.generator = as_generator(generator, default_seed=0)
        self.shuffle, self.drop_last = shuffle, drop_last
        if augment is not None and not isinstance(augment, RandomCropFlip):
            raise ValueError(f"augment must be a saddle.data.RandomCropFlip or None, got {augment!r}")
        self.augment = augment
        self._epoch_start = self.generator.get_state()
        self._used = 0

    def __len__(self) -> int:
        return self.n // self.batch_size if self.drop_last else -(-self.n // self.batch_size)

    def __call__(self, epoch: int) -> Iterator[tuple[Tensor, ...]]:
        self._epoch_start = self.generator.get_state()
        self._used = 0
        perm = torch.randperm(self.n, generator=self.generator) if self.shuffle else torch.arange(self.n)
        return self._iterate(perm)

    def _iterate(self, perm: Tensor) -> Iterator[tuple[Tensor, ...]]:
        for b in range(len(self)):
            glob = perm[b * self.batch_size : (b + 1) * self.batch_size]
            idx = glob[self.rank :: self.world_size]
            self._used = b + 1
            batch = [t[idx.to(t.device)] for t in self.tensors]
            if self.augment is not None:  # drawn for the global batch: every process draws the same numbers
                params = self.augment.sample(len(glob), self.generator)[self.rank :: self.world_size]
                batch[0] = self.augment.apply(batch[0], params)
            yield tuple(batch)

    def state_dict(self) -> dict[str, Any]:
        mid_epoch = 0 < self._used < len(self)
        return {"generator": self._epoch_start if mid_epoch else self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])
        self._epoch_start, self._used = self.generator.get_state(), 0
