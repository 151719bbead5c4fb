"""Recipes on the one loop: the LR schedules against the papers' formulas, crop + flip against a loop over images,
early stopping, mixed precision and channels_last (on the CPU, where autocast also runs), exact resume."""

import numpy as np
import pytest
import torch

from saddle.attacks import ProjectedGradientAttack
from saddle.data import RandomCropFlip, Split
from saddle.train import ERM, PGDAdversarialTraining, SharpnessAwareMinimisation, ShuffledBatches
from saddle.train.fit import PRECISIONS
from saddle.train.recipes import (
    AUGMENTATIONS,
    DATASETS,
    OPTIMIZERS,
    SCHEDULES,
    ERMWarmup,
    Patience,
    RobustTrainingSettings,
    make_optimizer,
    make_scheduler,
    parse_objective,
    resolve_speedups,
    robust_training_run,
    robust_training_seeds,
    train_robust_classifier,
)


def _lrs(name, total, lr=0.2, epochs=None):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sched = make_scheduler(name, opt, total)
    out = []
    for _ in range(total):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        if sched is not None:
            sched.step()
    return np.array(out)


def test_one_cycle_follows_wong_et_al_piecewise_linear_schedule():
    """Wong et al.: lr(t) = interp(t, [0, 2E/5, E], [0, lr_max, 0]) per batch; ours is OneCycleLR(pct_start 0.4,
    linear), starting and ending at lr_max/10⁴ and evaluated at the batch's start instead of its end."""
    total, lr = 500, 0.2
    got = _lrs("one_cycle", total, lr)
    t = np.arange(total)
    wong = np.interp(t + 1, [0, 0.4 * total, total], [0, lr, 0])
    assert np.abs(got - wong).max() <= lr / (0.4 * total) + lr * 1e-4 + 1e-12  # one batch of slope, the floor
    assert got.max() == pytest.approx(lr) and int(got.argmax()) == pytest.approx(0.4 * total, abs=1)
    assert got[0] == pytest.approx(lr / 1e4)


def test_piecewise_decays_tenfold_at_half_and_three_quarters_and_cosine_reaches_zero():
    got = _lrs("piecewise", 200, 0.1)
    want = np.where(np.arange(200) < 100, 0.1, np.where(np.arange(200) < 150, 0.01, 0.001))  # Rice et al.
    np.testing.assert_allclose(got, want, rtol=1e-12)
    cos = _lrs("cosine", 100, 0.1)
    np.testing.assert_allclose(cos, 0.05 * (1 + np.cos(np.pi * np.arange(100) / 100)), rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(_lrs("constant", 10, 0.1), np.full(10, 0.1))
    with pytest.raises(ValueError, match="schedule must be one of"):
        make_scheduler("linear", torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1), 10)


def test_make_optimizer_is_sgd_with_momentum_and_weight_decay_or_adam():
    p = [torch.nn.Parameter(torch.zeros(3))]
    sgd = make_optimizer(RobustTrainingSettings(optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=5e-4), p)
    assert isinstance(sgd, torch.optim.SGD)
    assert sgd.defaults["momentum"] == 0.9 and sgd.defaults["weight_decay"] == 5e-4 and sgd.defaults["lr"] == 0.1
    adam = make_optimizer(RobustTrainingSettings(lr=1e-4), p)
    assert isinstance(adam, torch.optim.Adam) and adam.defaults["lr"] == 1e-4


def test_random_crop_flip_matches_a_loop_over_images_and_is_identity_without_padding_or_flip():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(16, 3, 8, 8, generator=g)
    aug = RandomCropFlip(padding=2, flip=True)
    params = aug.sample(16, torch.Generator().manual_seed(1))
    assert params[:, :2].min() >= 0 and params[:, :2].max() <= 4 and set(params[:, 2].tolist()) <= {0, 1}
    out = aug.apply(x, params)
    for i in range(16):  # reference: pad with zeros, slice, flip, one image at a time
        dy, dx, f = params[i].tolist()
        padded = torch.zeros(3, 12, 12)
        padded[:, 2:10, 2:10] = x[i]
        want = padded[:, dy : dy + 8, dx : dx + 8]
        torch.testing.assert_close(out[i], want.flip(-1) if f else want, rtol=0, atol=0)
    centred = torch.tensor([[2, 2, 0]] * 16)
    assert torch.equal(aug.apply(x, centred), x)
    assert torch.equal(RandomCropFlip(0, flip=False)(x, g), x)
    # offsets are uniform on {0, .., 2p}: every one of the 5 values appears, about n/5 times each
    counts = torch.bincount(aug.sample(5000, torch.Generator().manual_seed(2))[:, 0], minlength=5).double()
    assert counts.numel() == 5 and float(((counts - 1000) ** 2 / 1000).sum()) < 20.5  # χ²₄ at p = 0.9996
    with pytest.raises(ValueError, match="expected x"):
        aug.apply(x[0], params)


def test_sharded_augmented_batches_are_the_slices_of_the_one_process_batches():
    x, y = torch.rand(20, 1, 6, 6), torch.arange(20)
    make = lambda rank, world: ShuffledBatches(  # noqa: E731
        x, y, batch_size=10, generator=3, rank=rank, world_size=world, augment=RandomCropFlip(1)
    )
    whole = list(make(0, 1)(0))
    parts = [list(make(r, 2)(0)) for r in (0, 1)]
    for b, (xb, yb) in enumerate(whole):
        for r in (0, 1):
            assert torch.equal(parts[r][b][0], xb[r::2]) and torch.equal(parts[r][b][1], yb[r::2])


def test_patience_stops_after_that_many_records_without_improvement_and_resumes():
    rule = Patience(2)
    seq = [0.1, 0.3, 0.2, 0.3, 0.25]
    fired = [rule({"robust_acc": v}) for v in seq]
    assert fired == [False, False, False, True, True]
    copy = Patience(2)
    copy.load_state_dict(Patience(2).state_dict())
    never = Patience(0)
    assert not any(never({"robust_acc": v}) for v in [0.5, 0.1, 0.1, 0.1])
    assert not Patience(1)({"loss": 1.0})  # records without the metric are not counted


def test_resolve_speedups_are_on_cuda_only_unless_set():
    assert resolve_speedups(RobustTrainingSettings(), "cpu") == ("fp32", False)
    assert resolve_speedups(RobustTrainingSettings(), "cuda") == ("bf16", True)
    assert resolve_speedups(RobustTrainingSettings(amp="fp16", channels_last="on"), "cpu") == ("fp16", True)
    assert resolve_speedups(RobustTrainingSettings(amp="fp32", channels_last="off"), "cuda:0") == ("fp32", False)


def test_parse_objective_reads_the_notes_superscript():
    assert parse_objective("pgd") == ("pgd", None) and parse_objective("beta20") == ("beta", 20)
    assert parse_objective("rs_fgsm") == ("rs_fgsm", None) and parse_objective("trades10") == ("trades", 10)
    with pytest.raises(ValueError, match="objective must be one of"):
        parse_objective("pgd-10")
    with pytest.raises(ValueError, match="K of objective 'pgd0'"):
        parse_objective("pgd0")


@pytest.fixture(scope="module")
def tiny_mnist():
    from saddle.data import load_mnist5k

    train, test = load_mnist5k()
    return Split(train.x[:120], train.y[:120]), Split(test.x[:40], test.y[:40])


def _settings(**kw):
    base = {
        "eps": 0.1,
        "steps": 2,
        "epochs": 3,
        "batch_size": 40,
        "model": "wong",
        "optimizer": "sgd",
        "lr": 0.05,
        "weight_decay": 5e-4,
        "schedule": "piecewise",
        "augment": "crop_flip",
    }
    return RobustTrainingSettings(**{**base, **kw})


def _attacks():
    return {"pgd": ProjectedGradientAttack(0.1, steps=2, generator=torch.Generator().manual_seed(9))}


def test_a_recipe_resumes_bit_for_bit_with_sgd_schedule_augmentation_and_early_stopping(
    tiny_mnist, tmp_path, monkeypatch
):
    train, monitor = tiny_mnist
    s = _settings(patience=5)
    straight, res = train_robust_classifier("pgd", train, monitor, s, seed=1, monitor_attacks=_attacks())

    class Interrupted(Exception):
        pass

    original = Patience.__call__

    def crash_in_epoch_two(self, record):  # dies while closing epoch 2: the checkpoint holds epoch 1
        if record["epoch"] == 2:
            raise Interrupted
        return original(self, record)

    monkeypatch.setattr(Patience, "__call__", crash_in_epoch_two)
    with pytest.raises(Interrupted):
        train_robust_classifier("pgd", train, monitor, s, seed=1, monitor_attacks=_attacks(), checkpoint_dir=tmp_path)
    monkeypatch.setattr(Patience, "__call__", original)
    resumed, res2 = train_robust_classifier(
        "pgd", train, monitor, s, seed=1, monitor_attacks=_attacks(), checkpoint_dir=tmp_path, resume=True
    )
    assert all(torch.equal(a, b) for a, b in zip(straight.state_dict().values(), resumed.state_dict().values()))
    assert [r["robust_acc"] for r in res2.history] == [r["robust_acc"] for r in res.history]
    assert [r["lr"] for r in res2.history] == [r["lr"] for r in res.history]


def test_early_stopping_keeps_the_best_monitored_weights(tiny_mnist):
    train, monitor = tiny_mnist
    model, res = train_robust_classifier(
        "erm", train, monitor, _settings(epochs=4, patience=1), monitor_attacks=_attacks()
    )
    accs = [r["robust_acc"] for r in res.history]
    best = max(range(len(accs)), key=lambda i: (accs[i], -i))
    # stopped one record after the last improvement (or ran to the end), and kept the best record's weights
    assert len(accs) == 4 or (res.stopped == "stop_when" and len(accs) == best + 2)
    assert res.best["robust_acc"] == accs[best]
    model.load_state_dict(res.best_state["model"])


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_mixed_precision_training_on_cpu_tracks_float32(tiny_mnist, precision):
    """autocast runs on the CPU too: the same recipe in bf16/fp16 takes steps close to the float32 run's."""
    train, monitor = tiny_mnist
    runs = {}
    for amp in ("fp32", precision):
        s = _settings(amp=amp, epochs=1, augment="none", schedule="constant", optimizer="adam", lr=1e-3)
        runs[amp], _ = train_robust_classifier("pgd", train, monitor, s, seed=2, monitor_attacks=_attacks())
    ref = torch.cat([p.detach().flatten() for p in runs["fp32"].parameters()])
    low = torch.cat([p.detach().flatten() for p in runs[precision].parameters()])
    init = torch.cat([p.detach().flatten() for p in _init_model().parameters()])
    moved = (ref - init).norm()
    assert moved > 0 and (low - ref).norm() < 0.35 * moved  # same direction of travel, within low-precision noise


def _init_model():
    from saddle.models import make_classifier

    return make_classifier("wong", 28, torch.Generator().manual_seed(2))


def test_channels_last_gives_the_same_training_on_cpu(tiny_mnist):
    train, monitor = tiny_mnist
    out = {}
    for cl in ("off", "on"):
        s = _settings(channels_last=cl, epochs=1, augment="none", schedule="constant")
        out[cl], _ = train_robust_classifier("erm", train, monitor, s, seed=3, monitor_attacks=_attacks())
    for a, b in zip(out["off"].parameters(), out["on"].parameters()):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
    assert next(iter(out["on"].parameters())).is_contiguous(memory_format=torch.channels_last)


def test_the_settings_accept_exactly_the_listed_choices():
    for field, choices in (("optimizer", OPTIMIZERS), ("schedule", SCHEDULES), ("augment", AUGMENTATIONS)):
        for choice in choices:
            RobustTrainingSettings(**{field: choice}).check_training()
    for amp in ("auto", *PRECISIONS):
        RobustTrainingSettings(amp=amp).check_training()
    assert set(PRECISIONS) == {"fp32", "bf16", "fp16"} and PRECISIONS["bf16"] == torch.bfloat16
    assert {"digits", "mnist5k", "mnist", "fashion_mnist", "cifar10"} == set(DATASETS)


def test_erm_warmup_is_erm_for_its_steps_then_the_objective_and_resumes(tiny_mnist):
    train, _ = tiny_mnist
    x, y = train.x[:20], train.y[:20]
    from saddle.models import make_classifier

    model = make_classifier("wong", 28, torch.Generator().manual_seed(0))
    inner = PGDAdversarialTraining(ProjectedGradientAttack(0.3, steps=2, generator=0))
    warm = ERMWarmup(inner, steps=2)
    for _ in range(2):
        assert torch.equal(warm(model, x, y), ERM()(model, x, y))
    loss, extras = warm(model, x, y)  # third call: the adversarial objective
    assert "adv_acc" in extras and loss > ERM()(model, x, y)
    copy = ERMWarmup(PGDAdversarialTraining(ProjectedGradientAttack(0.3, steps=2, generator=0)), steps=2)
    copy.load_state_dict(warm.state_dict())
    assert copy.done == 3
    # an objective that owns its update (SAM) gets a warm-up step that is one plain SGD step on the clean loss
    sam_warm = ERMWarmup(SharpnessAwareMinimisation(0.05), steps=1)
    before = [p.detach().clone() for p in model.parameters()]
    grads = torch.autograd.grad(ERM()(model, x, y), list(model.parameters()))
    sam_warm.train_step(model, torch.optim.SGD(model.parameters(), lr=0.1), x, y)
    for p, b, g in zip(model.parameters(), before, grads):
        torch.testing.assert_close(p.detach(), b - 0.1 * g)
    _, extras = sam_warm.train_step(model, torch.optim.SGD(model.parameters(), lr=0.1), x, y)
    assert "loss_perturbed" in extras and sam_warm.done == 2  # then SAM's own step


def test_robust_training_run_evaluates_the_last_and_the_best_weights_on_test(tiny_mnist):
    train, monitor = tiny_mnist
    test = Split(monitor.x[:30], monitor.y[:30])
    s = _settings(epochs=3, augment="none")
    r = robust_training_run("pgd", train, monitor, test, s, seed=4, monitor_attacks=_attacks(), test_attacks=_attacks())
    assert set(r["curve"]) >= {"robust_acc", "clean_acc", "adv_acc", "loss"} and "lr" not in r["curve"]
    assert all(len(v) == 3 for v in r["curve"].values())
    assert r["curve"]["robust_acc"][r["best_epoch"] - 1] == max(r["curve"]["robust_acc"])
    for when in ("best", "last"):
        assert r[when]["robust_acc"] <= r[when]["robust_acc_pgd"] <= r[when]["clean_acc"]
    assert r["cpu_seconds"] > 0
    # one run per seed, each with attacks built for it: seed 4 of the sweep is the run above, number for number
    built: list[int] = []

    def attacks(seed):
        built.append(seed)
        return _attacks()

    runs = robust_training_seeds("pgd", train, monitor, test, s, [4, 5], monitor_attacks=attacks, test_attacks=attacks)
    assert built == [4, 4, 5, 5] and len(runs) == 2
    assert {k: v for k, v in runs[0].items() if k != "cpu_seconds"} == {
        k: v for k, v in r.items() if k != "cpu_seconds"
    }
    with pytest.raises(ValueError, match="seeds must not be empty"):
        robust_training_seeds("pgd", train, monitor, test, s, [], monitor_attacks=attacks, test_attacks=attacks)
