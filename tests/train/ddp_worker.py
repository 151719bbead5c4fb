"""Worker for test_distributed: ERM on 256 synthetic 8×8 images with SGD, global batch 64; alone or under torchrun.

Usage: python ddp_worker.py OUT_DIR   (one process)  |  torchrun --nproc_per_node 2 ddp_worker.py OUT_DIR
"""

import sys
from pathlib import Path

import torch

from saddle.models import make_classifier
from saddle.train.batches import ShuffledBatches
from saddle.train.distributed import rank_and_world, setup_distributed, teardown_distributed, wrap_ddp
from saddle.train.erm import ERM
from saddle.train.fit import fit

if __name__ == "__main__":
    torch.set_num_threads(1)
    out = Path(sys.argv[1])
    setup_distributed("cpu")
    rank, world = rank_and_world()
    g = torch.Generator().manual_seed(2)
    x, y = torch.rand(320, 1, 8, 8, generator=g), torch.randint(0, 10, (320,), generator=g)
    y = (x[:, 0, :4].mean((1, 2)) * 10).long().clamp(0, 9)  # a learnable labelling
    net = make_classifier("mlp", 8, torch.Generator().manual_seed(0))
    data = ShuffledBatches(
        x[:256], y[:256], batch_size=64, generator=torch.Generator().manual_seed(1), rank=rank, world_size=world
    )
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    evaluate = lambda m: {"test_acc": float((m(x[256:]).argmax(-1) == y[256:]).float().mean())}  # noqa: E731
    res = fit(
        wrap_ddp(net),
        opt,
        ERM(),
        data,
        epochs=3,
        evaluate=evaluate,
        log_path=out / "train.jsonl",
        checkpoint_dir=out / "ckpt",
    )
    torch.save({"state": net.state_dict(), "history": res.history, "world": world}, out / f"rank{rank}.pt")
    teardown_distributed()
