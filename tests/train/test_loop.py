"""The one training loop: exact resume, NaN/divergence stops, checkpoints, best/last, stopping rule, logs."""

import json
import math
import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from saddle.train import (
    ERM,
    LoopSettings,
    NonFiniteError,
    ShuffledBatches,
    fit,
    load_checkpoint,
    save_checkpoint,
    train_loop,
)


def _setup(x, y, seed=0):
    torch.manual_seed(seed)  # test-only: initial weights; a resumed run overwrites them from the checkpoint
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    data = ShuffledBatches(x, y, batch_size=50, generator=torch.Generator().manual_seed(1))
    noise = torch.Generator().manual_seed(2)
    return model, opt, sched, data, noise


def _noisy_erm(noise):
    def objective(model, x, y):  # input noise from an explicit generator + dropout from torch's global RNG
        return F.cross_entropy(model(x + 0.05 * torch.randn(x.shape, generator=noise)), y)

    return objective


def _run(x, y, epochs, ckpt=None, resume=False, seed=0, log=None):
    model, opt, sched, data, noise = _setup(x, y, seed)
    res = fit(
        model,
        opt,
        _noisy_erm(noise),
        data,
        epochs=epochs,
        scheduler=sched,
        generators=[noise],
        checkpoint_dir=ckpt,
        resume=resume,
        log_path=log,
    )
    return model, res


def test_resume_reproduces_uninterrupted_run_bit_for_bit(digits_small, tmp_path):
    x, y, _, _ = digits_small
    torch.manual_seed(123)
    full, res_full = _run(x, y, epochs=4)
    torch.manual_seed(123)
    _run(x, y, epochs=2, ckpt=tmp_path)  # "interrupted" after 2 epochs
    resumed, res = _run(x, y, epochs=4, ckpt=tmp_path, resume=True, seed=7)  # other weights and global RNG: restored
    for (k, a), b in zip(full.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), k
    assert res.history == res_full.history and len(res.history) == 4


def test_step_mode_resume_mid_epoch_is_exact(digits_small, tmp_path):
    """Steps over cycling epochs of 6 batches; a checkpoint at step 8 (mid-epoch) resumes exactly."""
    x, y, _, _ = digits_small

    def run(steps, ckpt=None, resume=False):
        model, opt, _, data, noise = _setup(x, y)
        objective = _noisy_erm(noise)

        def step(batch, k):
            loss = objective(model.train(), *batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return {"loss": loss}

        res = train_loop(
            step,
            steps=steps,
            batches=data,
            record_every=4,
            state={"model": model, "optimizer": opt},
            generators=[noise],
            checkpoint_dir=ckpt,
            checkpoint_every=4,
            resume=resume,
        )
        return model, res

    full, res_full = run(14)
    run(8, ckpt=tmp_path)
    resumed, res = run(14, ckpt=tmp_path, resume=True)
    assert all(torch.equal(a, b) for a, b in zip(full.state_dict().values(), resumed.state_dict().values()))
    assert [r["step"] for r in res.history] == [4, 8, 12, 14] and res.history == res_full.history


def test_checkpoint_loads_with_weights_only_and_holds_every_rng(digits_small, tmp_path):
    x, y, _, _ = digits_small
    _run(x, y, epochs=1, ckpt=tmp_path)
    payload = torch.load(tmp_path / "last.pt", weights_only=True)
    assert set(payload["objects"]) == {"model", "optimizer", "scheduler", "batches"}
    assert set(payload["rng"]) >= {"torch", "numpy", "python", "generators"} and len(payload["rng"]["generators"]) == 1
    assert payload["loop"]["unit"] == 1 and payload["loop"]["step"] == 6
    model, opt, sched, data, noise = _setup(x, y, seed=3)
    objects = {"model": model, "optimizer": opt, "scheduler": sched, "batches": data}
    assert load_checkpoint(tmp_path / "last.pt", objects, [noise]) == payload["loop"]
    # every object and the generator hold the saved states again, whatever the fresh set-up drew
    assert all(torch.equal(v, payload["objects"]["model"][k]) for k, v in model.state_dict().items())
    assert sched.state_dict() == payload["objects"]["scheduler"]
    assert torch.equal(noise.get_state(), payload["rng"]["generators"][0])
    with pytest.raises(ValueError, match="generator states"):
        load_checkpoint(tmp_path / "last.pt", {"model": model}, [])
    with pytest.raises(ValueError, match="no state for"):
        load_checkpoint(tmp_path / "last.pt", {"critic": model}, [noise])


def test_nan_in_data_stops_naming_the_step_with_checkpoint_intact(digits_small, tmp_path):
    x, y, _, _ = digits_small
    model, opt, _, data, _ = _setup(x, y)

    def batches(epoch):  # a NaN pixel appears in the 3rd batch of epoch 2
        for i, (xb, yb) in enumerate(data(epoch)):
            if epoch == 1 and i == 2:
                xb = xb.clone()
                xb[0, 0, 0, 0] = float("nan")
            yield xb, yb

    with pytest.raises(NonFiniteError, match=r"input tensor 0 .* at epoch 2, step 9 .*last good checkpoint kept"):
        fit(model, opt, ERM(), batches, epochs=3, checkpoint_dir=tmp_path)
    assert torch.isfinite(torch.cat([p.flatten() for p in model.parameters()])).all()  # weights untouched by NaN
    saved = torch.load(tmp_path / "last.pt", weights_only=True)
    assert saved["loop"]["unit"] == 1 and saved["loop"]["step"] == 6  # the state after epoch 1


def test_diverging_loss_stops_before_the_update(tmp_path):
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(64, 3, generator=gen), torch.randn(64, 1, generator=gen)
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=10.0)  # GD on least squares diverges for lr > 2/λ_max
    data = ShuffledBatches(x, y, batch_size=64, generator=gen)
    mse = lambda m, a, b: F.mse_loss(m(a), b)  # noqa: E731
    with pytest.raises(NonFiniteError, match=r"non-finite loss \((nan|inf)\) at epoch \d+, step \d+") as err:
        fit(model, opt, mse, data, epochs=200, checkpoint_dir=tmp_path)
    bad_step = int(str(err.value).split("step ")[1].split(" ")[0])
    saved = torch.load(tmp_path / "last.pt", weights_only=True)
    assert saved["loop"]["step"] == bad_step - 1
    assert all(torch.isfinite(v).all() for v in saved["objects"]["model"].values())
    # the kept checkpoint resumes to the same failure at the same step
    model2 = nn.Linear(3, 1)
    opt2 = torch.optim.SGD(model2.parameters(), lr=10.0)
    data2 = ShuffledBatches(x, y, batch_size=64, generator=torch.Generator())
    with pytest.raises(NonFiniteError, match=f"step {bad_step} "):
        fit(model2, opt2, mse, data2, epochs=200, checkpoint_dir=tmp_path, resume=True)


def test_best_and_last_tracking_max_and_min(digits_small, tmp_path):
    x, y, _, _ = digits_small
    scores = iter([0.1, 0.5, 0.3, 0.2])
    model, opt, _, data, noise = _setup(x, y)
    snapshots = []

    def evaluate(m):
        snapshots.append({k: v.clone() for k, v in m.state_dict().items()})
        return {"score": next(scores)}

    res = fit(
        model, opt, _noisy_erm(noise), data, epochs=4, evaluate=evaluate, best_metric="score", checkpoint_dir=tmp_path
    )
    assert res.best["epoch"] == 2 and res.best["score"] == 0.5 and res.last["epoch"] == 4 and res.last["score"] == 0.2
    assert all(torch.equal(snapshots[1][k], v) for k, v in res.best_state["model"].items())
    on_disk = torch.load(tmp_path / "best.pt", weights_only=True)
    assert on_disk["loop"]["record"]["epoch"] == 2
    assert all(torch.equal(snapshots[1][k], v) for k, v in on_disk["objects"]["model"].items())
    res_min = fit(model, opt, _noisy_erm(noise), data, epochs=3, best_metric="loss", best_mode="min")
    assert res_min.best["loss"] == min(r["loss"] for r in res_min.history)


def test_stopping_rule_until_training_loss_at_most_target(digits_small):
    x, y, _, _ = digits_small
    model, opt, _, data, _ = _setup(x, y)
    res = fit(model, opt, ERM(), data, epochs=100, until_loss=0.5)
    assert res.stopped == "stop_when" and res.last["loss"] <= 0.5
    assert all(r["loss"] > 0.5 for r in res.history[:-1]) and len(res.history) < 100


def test_logs_are_json_lines_one_per_record_and_truncated_on_resume(digits_small, tmp_path):
    x, y, _, _ = digits_small
    log = tmp_path / "train.jsonl"
    _run(x, y, epochs=2, ckpt=tmp_path, log=log)
    with log.open("a") as f:  # a record written after the last checkpoint by a run that then crashed
        f.write(json.dumps({"kind": "record", "epoch": 3, "stale": True}) + "\n")
    _, res = _run(x, y, epochs=4, ckpt=tmp_path, resume=True, log=log)
    lines = [json.loads(s) for s in log.read_text().splitlines()]
    assert [r["epoch"] for r in lines] == [1, 2, 3, 4] and not any("stale" in r for r in lines)
    assert all(r["kind"] == "record" and math.isfinite(r["loss"]) and 0 < r["lr"] <= 0.1 for r in lines)
    assert [{k: v for k, v in r.items() if k != "kind"} for r in lines] == res.history


def test_generic_layer_without_data_matches_closed_form():
    """step_fn(None, k) doing gradient descent on ½x²: x_k = (1 − η)^k x_0, records every 5 steps."""
    x = torch.tensor([3.0], dtype=torch.float64)
    eta = 0.1

    def step(batch, k):
        assert batch is None
        x.sub_(eta * x)
        return {"x": x}

    res = train_loop(step, steps=20, record_every=5)
    assert [r["step"] for r in res.history] == [5, 10, 15, 20]
    assert x.item() == pytest.approx(3.0 * (1 - eta) ** 20, rel=1e-12)
    expected = [sum(3.0 * (1 - eta) ** j for j in range(s - 4, s + 1)) / 5 for s in (5, 10, 15, 20)]
    assert [r["x"] for r in res.history] == pytest.approx(expected, rel=1e-12)
    # the same run from a LoopSettings built once; keywords replace its fields by name
    x.fill_(3.0)
    settings = LoopSettings(steps=7, record_every=5)
    assert train_loop(step, settings, steps=20).history == res.history
    assert settings.steps == 7 and x.item() == pytest.approx(3.0 * (1 - eta) ** 20, rel=1e-12)


def test_sharded_batches_partition_the_global_batch():
    x = torch.arange(20.0)
    shards = [
        list(ShuffledBatches(x, batch_size=4, generator=torch.Generator().manual_seed(0), rank=r, world_size=2)(0))
        for r in range(2)
    ]
    single = list(ShuffledBatches(x, batch_size=4, generator=torch.Generator().manual_seed(0))(0))
    for (a,), (b,), (full,) in zip(*shards, single):
        assert sorted(a.tolist() + b.tolist()) == sorted(full.tolist()) and len(a) == len(b) == 2


def test_bad_arguments_are_refused(digits_small):
    x, y, _, _ = digits_small
    model, opt, _, data, _ = _setup(x, y)
    with pytest.raises(ValueError, match="exactly one of epochs and steps"):
        train_loop(lambda b, k: None, epochs=1, steps=1, batches=data)
    with pytest.raises(ValueError, match="epoch mode needs"):
        train_loop(lambda b, k: None, epochs=1)
    with pytest.raises(ValueError, match="eval_every must be an integer >= 1, got 0"):
        train_loop(lambda b, k: None, steps=1, eval_every=0)
    with pytest.raises(ValueError, match="best_mode"):
        train_loop(lambda b, k: None, steps=1, best_mode="largest")
    with pytest.raises(ValueError, match="record_every must be an integer >= 1, got 0"):
        LoopSettings(steps=1, record_every=0)
    with pytest.raises(TypeError, match="lr"):
        train_loop(lambda b, k: None, steps=1, lr=0.1)
    with pytest.raises(ValueError, match="batch_size 5 must be divisible by world_size 2"):
        ShuffledBatches(x, batch_size=5, rank=0, world_size=2)
    with pytest.raises(ValueError, match="different lengths"):
        ShuffledBatches(x, y[:3])
    with pytest.raises(ValueError, match="scheduler_interval"):
        fit(model, opt, ERM(), data, epochs=1, scheduler_interval="batch")


def test_save_checkpoint_is_atomic_no_temp_files_left(tmp_path):
    save_checkpoint(tmp_path / "a.pt", {"model": nn.Linear(2, 2)})
    assert [p.name for p in tmp_path.iterdir()] == ["a.pt"]


def test_tensorboard_scalars_when_installed_else_a_warning(tmp_path):
    """TensorBoard is an optional extra: scalars are written when it is installed, else one RuntimeWarning."""
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        with pytest.warns(RuntimeWarning, match="tensorboard is not installed"):
            train_loop(lambda b, k: {"x": 1.0}, steps=2, tensorboard_dir=tmp_path / "tb")
        assert not (tmp_path / "tb").exists()
    else:
        train_loop(lambda b, k: {"x": 1.0}, steps=2, tensorboard_dir=tmp_path / "tb")
        assert any((tmp_path / "tb").iterdir())


def test_batches_take_an_int_seed_as_a_generator_seeded_with_it():
    # generator policy: an int seed ≡ torch.Generator().manual_seed(seed); a float or bool is refused
    x = torch.arange(20.0)
    seeded = [b for (b,) in ShuffledBatches(x, batch_size=4, generator=5)(0)]
    explicit = [b for (b,) in ShuffledBatches(x, batch_size=4, generator=torch.Generator().manual_seed(5))(0)]
    assert all(torch.equal(a, b) for a, b in zip(seeded, explicit)) and len(seeded) == 5
    for bad in (True, 5.0):
        with pytest.raises(ValueError, match=re.escape("generator must be a torch.Generator, an int seed or None")):
            ShuffledBatches(x, batch_size=4, generator=bad)
