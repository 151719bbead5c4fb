"""torchrun + DDP (gloo, CPU): 2 processes with the same global batch reach the same weights as one process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from saddle.train.distributed import all_reduce_mean, is_main_process, rank_and_world, unwrap_model, wrap_ddp

WORKER = Path(__file__).with_name("ddp_worker.py")


def _env():
    src = str(Path(__file__).resolve().parents[2] / "src")
    return {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", ""), "OMP_NUM_THREADS": "1"}


def test_two_process_torchrun_matches_one_process(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    subprocess.run([sys.executable, str(WORKER), str(one)], check=True, env=_env(), timeout=120)
    subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(WORKER), str(two)],
        check=True,
        env=_env(),
        timeout=240,
        capture_output=True,
    )
    a = torch.load(one / "rank0.pt", weights_only=True)
    b0, b1 = (torch.load(two / f"rank{r}.pt", weights_only=True) for r in (0, 1))
    assert a["world"] == 1 and b0["world"] == b1["world"] == 2
    for k, v in a["state"].items():
        torch.testing.assert_close(b0["state"][k], v, rtol=1e-5, atol=1e-6)  # float tolerance: reduction order
        assert torch.equal(b0["state"][k], b1["state"][k])  # DDP keeps the replicas identical
    # logged scalars are averaged over the processes: the epoch loss equals the one-process loss
    for ra, rb in zip(a["history"], b0["history"]):
        assert rb["loss"] == pytest.approx(ra["loss"], rel=1e-5) and rb["test_acc"] == ra["test_acc"]
    # only rank 0 wrote: one log line per epoch, one checkpoint
    lines = [json.loads(s) for s in (two / "train.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in lines] == [1, 2, 3]
    assert sorted(p.name for p in (two / "ckpt").iterdir()) == ["last.pt"]


def test_single_process_helpers_are_identities():
    assert rank_and_world() == (0, 1) and is_main_process()
    m = torch.nn.Linear(2, 2)
    assert wrap_ddp(m) is m and unwrap_model(m) is m
    t = torch.ones(3)
    assert all_reduce_mean(t) is t
