"""Scale-out on torch.distributed: process-group set-up from torchrun's environment, DDP wrapping, reductions.

`saddle run NAME --nproc N` launches `torchrun --nproc_per_node N`; each process calls `setup_distributed()`
(gloo on CPU, nccl on GPU), wraps its model with `wrap_ddp`, reads its shard of every global batch
(`ShuffledBatches(rank=..., world_size=...)`), and `train_loop` averages logged scalars across processes
and writes only on rank 0. DistributedDataParallel averages the gradients, so N processes with global
batch B take the same steps as one process with batch B (Li et al. VLDB 2020, PyTorch DDP).
"""

from __future__ import annotations

import os

import torch
from torch import Tensor, nn

__all__ = [
    "all_reduce_mean",
    "is_main_process",
    "rank_and_world",
    "setup_distributed",
    "teardown_distributed",
    "unwrap_model",
    "wrap_ddp",
]


def rank_and_world() -> tuple[int, int]:
    """(rank, world size) of this process; (0, 1) outside torch.distributed."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def is_main_process() -> bool:
    """True on rank 0 (and outside torch.distributed): the one process that writes results."""
    return rank_and_world()[0] == 0


def setup_distributed(device: str = "cpu") -> tuple[int, int]:
    """Join the process group torchrun described (RANK, WORLD_SIZE, MASTER_ADDR/PORT); (0, 1) when not launched.

    Backend gloo on CPU, nccl on CUDA (each process on GPU LOCAL_RANK).
    """
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        return 0, 1
    if not torch.distributed.is_initialized():
        cuda = str(device).startswith("cuda")
        if cuda:
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
        torch.distributed.init_process_group("nccl" if cuda else "gloo")
    return rank_and_world()


def teardown_distributed() -> None:
    """Leave the process group (no-op outside torch.distributed)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


def wrap_ddp(model: nn.Module) -> nn.Module:
    """`DistributedDataParallel(model)` inside a process group, else the model itself."""
    if rank_and_world()[1] == 1:
        return model
    dev = next(model.parameters()).device
    return nn.parallel.DistributedDataParallel(model, device_ids=[dev.index] if dev.type == "cuda" else None)


def unwrap_model(model: nn.Module) -> nn.Module:
    """The module inside a DDP wrapper (attacks run on it: their input gradients must not trigger DDP's reducer)."""
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


def all_reduce_mean(t: Tensor) -> Tensor:
    """Mean of `t` over processes (a copy; `t` itself outside torch.distributed)."""
    world = rank_and_world()[1]
    if world == 1:
        return t
    out = t.detach().clone()
    torch.distributed.all_reduce(out)
    return out / world
