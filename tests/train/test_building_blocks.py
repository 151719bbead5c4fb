"""The pieces of saddle.train around the loop: one optimiser step, RNG states, atomic saves, JSON-lines logs,
the adversarial cross-entropy, the TRADES divergence, and the recipes the adversarial-training experiments use."""

import json
import math
import random
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from saddle.attacks import MarginAttack, ProjectedGradientAttack, kl_to_clean
from saddle.attacks.apgd import AutoProjectedGradientAttack
from saddle.metrics import robust_accuracy
from saddle.train import (
    ERM,
    MART,
    TRADES,
    AdversarialCrossEntropy,
    BETAAdversarialTraining,
    ClassFocusedOnlineLearning,
    DDiAdversarialTraining,
    EpsilonStabilityTraining,
    FGSMAdversarialTraining,
    JsonLinesLog,
    NonFiniteError,
    PGDAdversarialTraining,
    RSFGSMAdversarialTraining,
    SharpnessAwareMinimisation,
    ShuffledBatches,
    TrainResult,
    fit,
    optimizer_step,
    rng_state,
    set_rng_state,
    split_loss,
)
from saddle.train.adversarial import check_attack
from saddle.train.checkpoint import atomic_torch_save
from saddle.train.recipes import (
    OBJECTIVE_NAMES,
    RobustTrainingSettings,
    evaluation_attacks,
    load_classification_data,
    make_objective,
    robust_evaluator,
    train_robust_classifier,
)


def _net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 10))


def test_optimizer_step_is_one_gradient_step_and_refuses_a_non_finite_loss(digits_small):
    x, y, _, _ = digits_small
    model = _net()
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    w0 = [p.detach().clone() for p in model.parameters()]
    loss = F.cross_entropy(model(x), y)
    grads = torch.autograd.grad(loss, list(model.parameters()))
    optimizer_step(opt, F.cross_entropy(model(x), y))
    for p, w, g in zip(model.parameters(), w0, grads):
        torch.testing.assert_close(p.detach(), w - 0.5 * g)
    w1 = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(NonFiniteError, match="loss"):
        optimizer_step(opt, model(x).sum() * math.nan)
    assert all(torch.equal(p, w) for p, w in zip(model.parameters(), w1))  # the weights are untouched


def test_optimizer_step_clips_the_global_gradient_norm(digits_small):
    x, y, _, _ = digits_small
    model = _net()
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    w0 = [p.detach().clone() for p in model.parameters()]
    grads = torch.autograd.grad(F.cross_entropy(model(x), y), list(model.parameters()))
    norm = torch.sqrt(sum((g**2).sum() for g in grads))
    assert float(norm) > 0.01  # so the clip below bites
    optimizer_step(opt, F.cross_entropy(model(x), y), max_grad_norm=0.01)
    for p, w, g in zip(model.parameters(), w0, grads):
        torch.testing.assert_close(p.detach(), w - g * (0.01 / norm), rtol=1e-4, atol=1e-7)


def test_split_loss_separates_the_extras():
    t = torch.tensor(2.0)
    assert split_loss(t) == (t, {})
    extras = {"acc": 0.5}
    loss, got = split_loss((t, extras))
    assert loss is t and got == extras and got is not extras  # a copy: the loop may add to it


def test_rng_state_round_trip_restores_every_stream():
    g = torch.Generator().manual_seed(3)
    state = rng_state([g])
    first = (torch.rand(2), np.random.rand(), random.random(), torch.rand(2, generator=g))  # noqa: NPY002
    set_rng_state(state, [g])
    again = (torch.rand(2), np.random.rand(), random.random(), torch.rand(2, generator=g))  # noqa: NPY002
    assert torch.equal(first[0], again[0]) and first[1:3] == again[1:3] and torch.equal(first[3], again[3])
    with pytest.raises(ValueError, match="checkpoint holds 1 generator states, got 0 generators"):
        set_rng_state(state, [])


def test_atomic_torch_save_writes_a_loadable_file_and_no_temporaries(tmp_path):
    path = atomic_torch_save({"w": torch.arange(3)}, tmp_path / "sub" / "a.pt")
    assert path == tmp_path / "sub" / "a.pt"
    assert torch.equal(torch.load(path, weights_only=True)["w"], torch.arange(3))
    atomic_torch_save({"w": torch.arange(4)}, path)  # overwrite in place
    assert torch.equal(torch.load(path, weights_only=True)["w"], torch.arange(4))
    assert [p.name for p in path.parent.iterdir()] == ["a.pt"]


def test_json_lines_log_writes_truncates_and_keeps_lines_valid(tmp_path):
    log = JsonLinesLog(tmp_path / "logs" / "train.jsonl")
    for k in range(3):
        log.write({"step": k, "loss": 1.0 / (k + 1), "nested": {"v": [k, math.inf]}})
    log.write({"step": 3, "loss": math.nan})
    lines = [json.loads(s) for s in (tmp_path / "logs" / "train.jsonl").read_text().splitlines()]
    assert log.lines == 4 and [r["step"] for r in lines] == [0, 1, 2, 3]
    assert lines[1]["loss"] == 0.5 and lines[2]["nested"] == {"v": [2, "inf"]} and lines[3]["loss"] == "nan"
    log.keep(2)
    assert log.lines == 2 and len((tmp_path / "logs" / "train.jsonl").read_text().splitlines()) == 2
    log.close()
    memory = JsonLinesLog(None)  # no file: only counts
    memory.write({"step": 0})
    assert memory.lines == 1


def test_json_lines_log_tensorboard_dir_without_the_extra_warns(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_tensorboard(name, *args, **kwargs):
        if name == "torch.utils.tensorboard":
            raise ImportError("no tensorboard")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    with pytest.warns(RuntimeWarning, match="tensorboard is not installed"):
        log = JsonLinesLog(tmp_path / "t.jsonl", tensorboard_dir=tmp_path / "tb")
    log.write({"step": 0, "loss": 1.0}, step=0)
    assert (tmp_path / "t.jsonl").read_text().count("\n") == 1 and not (tmp_path / "tb").exists()


def test_json_lines_log_mirrors_numbers_to_tensorboard(tmp_path, monkeypatch):
    # a stand-in SummaryWriter (the tensorboard extra is optional): numeric fields go to "kind/name" at the step,
    # the counters (step, epoch), booleans and strings do not
    import sys
    import types

    calls = []

    class Writer:
        def __init__(self, logdir):
            calls.append(("open", logdir))

        def add_scalar(self, tag, value, step):
            calls.append((tag, value, step))

        def close(self):
            calls.append(("close",))

    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", types.SimpleNamespace(SummaryWriter=Writer))
    log = JsonLinesLog(tmp_path / "t.jsonl", tensorboard_dir=tmp_path / "tb")
    log.write({"step": 4, "epoch": 1, "loss": 0.25, "n": 3, "ok": True, "name": "x"}, step=4)
    log.write({"kind": "eval", "acc": 0.5}, step=8)
    log.write({"loss": 0.1})  # no step: the JSON line only
    log.close()
    log.close()  # idempotent
    assert calls == [
        ("open", str(tmp_path / "tb")),
        ("train/loss", 0.25, 4),
        ("train/n", 3, 4),
        ("eval/acc", 0.5, 8),  # the record's kind names the group
        ("close",),
    ]
    assert log.lines == 3


def test_adversarial_cross_entropy_is_the_loss_at_the_attack_output(digits_small):
    x, y, _, _ = digits_small
    model = _net()
    identity = AdversarialCrossEntropy(ProjectedGradientAttack(0.0))  # the ball {x}: x itself
    loss, extras = identity(model, x, y)
    torch.testing.assert_close(loss, F.cross_entropy(model(x), y))
    assert extras["adv_acc"] == pytest.approx(float((model(x).argmax(-1) == y).float().mean()))
    pgd = AdversarialCrossEntropy(ProjectedGradientAttack(0.1, steps=5, generator=torch.Generator().manual_seed(0)))
    adv_loss, adv_extras = pgd(model, x, y)
    assert float(adv_loss.detach()) > float(loss.detach()) and adv_extras["adv_acc"] <= extras["adv_acc"]
    adv_loss.backward()  # the gradient reaches the weights, not the (detached) attack
    assert all(p.grad is not None for p in model.parameters())
    with pytest.raises(ValueError, match="expected an attack"):
        AdversarialCrossEntropy(0.1)
    with pytest.raises(ValueError, match="expected an attack"):
        AdversarialCrossEntropy(lambda model, x, y: x)  # no threat model: not a saddle Attack
    pgd_attack = ProjectedGradientAttack(0.1)
    assert check_attack(pgd_attack, ProjectedGradientAttack) is pgd_attack
    with pytest.raises(ValueError, match="expected a MarginAttack"):
        check_attack(pgd_attack, MarginAttack, "a MarginAttack")


def test_kl_to_clean_is_the_kl_divergence_and_vanishes_at_the_clean_prediction():
    g = torch.Generator().manual_seed(1)
    logits_clean, logits_adv = torch.randn(5, 4, generator=g), torch.randn(5, 4, generator=g)
    p = torch.softmax(logits_clean, -1)
    ref = F.kl_div(F.log_softmax(logits_adv, -1), p, reduction="none").sum(-1)
    torch.testing.assert_close(kl_to_clean(logits_adv, p), ref)
    torch.testing.assert_close(kl_to_clean(logits_clean, p), torch.zeros(5), atol=1e-6, rtol=0)
    assert bool((kl_to_clean(logits_adv, p) >= 0).all())


EXPECTED_OBJECTIVES = {
    "erm": ERM,
    "fgsm": FGSMAdversarialTraining,
    "rs_fgsm": RSFGSMAdversarialTraining,
    "pgd": PGDAdversarialTraining,
    "trades": TRADES,
    "mart": MART,
    "beta": BETAAdversarialTraining,
    "ddi": DDiAdversarialTraining,
    "sam": SharpnessAwareMinimisation,
    "stability": EpsilonStabilityTraining,
    "cfol": ClassFocusedOnlineLearning,
}


def test_make_objective_builds_each_named_objective_around_its_attack():
    assert set(OBJECTIVE_NAMES) == set(EXPECTED_OBJECTIVES)
    s = RobustTrainingSettings(eps=0.1, steps=3)
    for name in OBJECTIVE_NAMES:
        obj = make_objective(name, s, generator=0)
        assert type(obj) is EXPECTED_OBJECTIVES[name]
        if hasattr(obj, "attack"):  # one threat model, built once from the settings
            assert obj.attack.threat_model.eps == 0.1 and obj.attack.threat_model.box.upper == 1.0
    assert make_objective("pgd", s).attack.steps == 3 and make_objective("pgd7", s).attack.steps == 7
    assert make_objective("pgd", s).attack.schedule(0) == pytest.approx(2.5 * 0.1 / 3)  # Madry's 2.5 ε / K
    assert make_objective("pgd", RobustTrainingSettings(eps=0.1, step_size=0.01)).attack.schedule(0) == 0.01
    assert make_objective("rs_fgsm", s).attack.schedule(0) == pytest.approx(0.125)  # α = 1.25 ε
    beta20 = make_objective("beta20", RobustTrainingSettings(eps=0.1, beta_targets=2))
    assert beta20.attack.steps == 20 and beta20.attack.n_targets == 2
    assert make_objective("beta", s).attack.n_targets is None  # 0 = every wrong class
    assert make_objective("trades", RobustTrainingSettings(trades_beta=2.0)).beta == 2.0
    assert make_objective("mart", RobustTrainingSettings(mart_lam=3.0)).lam == 3.0
    assert make_objective("cfol", RobustTrainingSettings(cfol_eta=0.5), n_classes=4).n_classes == 4
    with pytest.raises(ValueError, match="objective must be one of"):
        make_objective("adam", s)
    with pytest.raises(ValueError, match="only pgd, trades, mart, beta, ddi, cfol take a step count K"):
        make_objective("fgsm3", s)


def test_robust_evaluator_worst_case_and_per_class(digits_small):
    _, _, x, y = digits_small
    model = _net()
    clean = (model(x).argmax(-1) == y).float()
    zero = ProjectedGradientAttack(0.0)
    evaluate = robust_evaluator(x, y, {"none": zero}, n_classes=10)
    out = evaluate(model)
    # ε = 0: robust accuracy is the clean accuracy, overall and per class
    assert out["clean_acc"] == pytest.approx(float(clean.mean())) and out["robust_acc"] == out["clean_acc"]
    for k in range(10):
        assert out[f"class_robust_acc_{k}"] == pytest.approx(float(clean[y == k].mean()))
    assert out["worst_class_robust_acc"] == min(out[f"class_robust_acc_{k}"] for k in range(10))
    pgd = ProjectedGradientAttack(0.1, steps=5, generator=torch.Generator().manual_seed(0))
    alone = robust_accuracy(model, x, y, {"pgd": pgd}, show_progress=False).robust_accuracy
    pgd.generator.manual_seed(0)
    strong = MarginAttack(0.1, steps=5)
    both = robust_evaluator(x, y, {"pgd": pgd, "margin": strong})(model)
    # a cascade: the first attack's own accuracy, then the worst case over both
    assert both["robust_acc_pgd"] == pytest.approx(alone) and both["robust_acc_margin"] == both["robust_acc"]
    assert both["robust_acc"] <= both["robust_acc_pgd"] <= both["clean_acc"]
    attacks = {"pgd": pgd}
    with pytest.raises(ValueError, match="x and y have different lengths: 200 vs 199"):
        robust_evaluator(x, y[:-1], attacks)


def test_evaluation_attacks_are_pgd_and_optionally_the_worst_case_pair():
    g = torch.Generator().manual_seed(0)
    full = evaluation_attacks(0.1, g, pgd_steps=7)
    assert list(full) == ["pgd7", "apgd_ce", "margin"]
    assert isinstance(full["pgd7"], ProjectedGradientAttack) and full["pgd7"].steps == 7
    assert isinstance(full["apgd_ce"], AutoProjectedGradientAttack) and isinstance(full["margin"], MarginAttack)
    assert all(a.eps == 0.1 for a in full.values())
    assert list(evaluation_attacks(0.1, g, worst_case=False)) == ["pgd20"]


def test_load_classification_data_digits_and_errors():
    train, test = load_classification_data("digits")
    assert train.x.shape == (1437, 1, 8, 8) and test.x.shape == (360, 1, 8, 8)
    assert float(train.x.min()) >= 0 and float(train.x.max()) <= 1
    with pytest.raises(ValueError, match=re.escape("data='mnist' needs data_root=DIR")):
        load_classification_data("mnist")
    with pytest.raises(ValueError, match=re.escape("data='cifar10' needs data_root=DIR (the folder holding cifar-10")):
        load_classification_data("cifar10")
    with pytest.raises(ValueError, match="data must be one of"):
        load_classification_data("cifar")
    train, test = load_classification_data("mnist5k")
    assert train.x.shape == (4000, 1, 28, 28) and test.x.shape == (1000, 1, 28, 28)


def test_train_robust_classifier_learns_the_digits_and_returns_its_records(digits_small):
    x, y, xt, yt = digits_small

    class Split:
        def __init__(self, x, y):
            self.x, self.y = x, y

    attacks = {"pgd": ProjectedGradientAttack(0.05, steps=3, generator=torch.Generator().manual_seed(0))}
    settings = RobustTrainingSettings(eps=0.05, epochs=3, lr=3e-3, batch_size=50, model="mlp", schedule="constant")
    model, result = train_robust_classifier("erm", Split(x, y), Split(xt, yt), settings, monitor_attacks=attacks)
    assert isinstance(result, TrainResult) and len(result.history) == 3 and result.steps == 3 * 6
    assert result.last == result.history[-1] and result.best["robust_acc"] == max(
        r["robust_acc"] for r in result.history
    )
    assert result.last["clean_acc"] > 0.6  # ten classes: chance is 0.1
    assert result.last["robust_acc"] <= result.last["clean_acc"]
    with torch.no_grad():
        assert float((model(xt).argmax(-1) == yt).float().mean()) == pytest.approx(result.last["clean_acc"])


def test_robust_training_settings_check_every_field():
    RobustTrainingSettings().check_training()
    for bad, match in [
        ({"epochs": 0}, "epochs"),
        ({"model": "resnet"}, "model must be one of"),
        ({"optimizer": "lion"}, "optimizer must be one of"),
        ({"schedule": "step"}, "schedule must be one of"),
        ({"augment": "mixup"}, "augment must be one of"),
        ({"amp": "fp8"}, "amp must be one of"),
        ({"channels_last": "yes"}, "channels_last must be one of"),
        ({"momentum": 1.5}, "momentum"),
        ({"patience": -1}, "patience"),
        ({"step_size": -0.1}, "step_size"),
    ]:
        with pytest.raises(ValueError, match=match):
            RobustTrainingSettings(**bad).check_training()


def test_fit_returns_a_train_result_with_one_record_per_epoch(digits_small):
    x, y, _, _ = digits_small
    model = _net()
    data = ShuffledBatches(x, y, batch_size=100, generator=torch.Generator().manual_seed(0))
    result = fit(model, torch.optim.SGD(model.parameters(), lr=0.5), ERM(), data, epochs=4)
    assert isinstance(result, TrainResult) and result.stopped == "completed" and result.steps == 4 * 3
    assert [r["epoch"] for r in result.history] == [1, 2, 3, 4] and result.best is None
    assert result.history[-1]["loss"] < result.history[0]["loss"]
