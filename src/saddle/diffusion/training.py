"""Training an ε-prediction network on any noising process (the joint score-matching objective), a score network on
one score-matching objective (`train_score_model`), and a classifier of noisy inputs for classifier guidance.

Loss (Ho et al. 2020, eq. 14; Song et al. ICLR 2021, eq. 7 with λ(t) = σ_t²):
E_t E_{x_0} E_z ‖z − ε_θ(α_t x_0 + σ_t z, t)‖², which is σ_t²‖s_θ − ∇log p(x_t|x_0)‖² with s_θ = −ε_θ/σ_t,
i.e. denoising score matching at every noise level at once. Mean over elements and the batch.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from saddle.diffusion.guidance import drop_labels
from saddle.diffusion.process import NoiseProcess
from saddle.model_state import frozen_eval
from saddle.train import ema_model, optimizer_step, train_loop
from saddle.validation import as_generator, check_int, check_labels, check_module, check_real, check_tensor


def epsilon_loss(
    net: nn.Module, process: NoiseProcess, x0: Tensor, t: Tensor, noise: Tensor, y: Tensor | None = None
) -> Tensor:
    """mean ‖z − ε_θ(α_t x_0 + σ_t z, t/T, y)‖² over elements; x0, noise (n, *shape), n ≥ 1, t (n,)."""
    check_tensor("x0", x0, ("n", ...), finite=False)
    if not isinstance(t, Tensor) or t.shape != x0.shape[:1]:
        got = tuple(t.shape) if isinstance(t, Tensor) else type(t).__name__
        raise ValueError(
            f"t must have shape (n,) = ({x0.shape[0]},), one time per sample of x0 (shape {tuple(x0.shape)}), got {got}"
        )
    xt = process.perturb(x0, t, noise)
    tt = (t / process.T).to(x0.dtype)
    pred = net(xt, tt, y) if y is not None else net(xt, tt)
    if not isinstance(pred, Tensor) or pred.shape != noise.shape:
        out = tuple(pred.shape) if isinstance(pred, Tensor) else type(pred).__name__
        raise ValueError(f"net must return ε̂ of the shape of x0 {tuple(x0.shape)}, got {out}")
    return (pred - noise).pow(2).mean()


class _Losses(list[float]):
    """The per-step losses as a checkpointable object (float64 holds each float32 loss exactly)."""

    def state_dict(self) -> dict[str, Tensor]:
        return {"losses": torch.tensor(self, dtype=torch.float64)}

    def load_state_dict(self, state: dict[str, Tensor]) -> None:
        self[:] = state["losses"].tolist()


def train_epsilon_model(
    net: nn.Module,
    process: NoiseProcess,
    data: Tensor,
    labels: Tensor | None = None,
    steps: int = 2000,
    batch_size: int = 256,
    lr: float = 2e-3,
    seed: int = 0,
    p_uncond: float = 0.0,
    null_label: int | None = None,
    ema_decay: float = 0.999,
    desc: str = "train ε-model",
    checkpoint_dir: str | os.PathLike | None = None,
    checkpoint_every: int = 100,
    resume: bool = False,
) -> list[float]:
    """Adam on `epsilon_loss` with minibatches of `data` (N, *shape); returns the loss per step.

    With `labels`, each is dropped to `null_label` with probability p_uncond (classifier-free
    guidance). Cosine learning-rate decay to 0; the network ends with the exponential moving average
    of its weights (`saddle.train.ema_model` with warm-up: decay min(`ema_decay`, (1 + k)/(10 + k)) at
    step k, 0 disables). Deterministic given `seed`. Runs on `saddle.train.train_loop`: with
    `checkpoint_dir` the network, Adam, the schedule, the EMA, the losses and the generator are saved every
    `checkpoint_every` steps, and `resume=True` (same arguments) continues an interrupted run bit for bit.
    """
    check_int("steps", steps)
    check_int("batch_size", batch_size)
    check_real("lr", lr, high_open=True)
    check_real("ema_decay", ema_decay, 0.0, 1.0, low_open=False, high_open=True)
    check_int("seed", seed, low=0)
    check_module("net", net)
    sizes: dict[str, int] = {}
    check_tensor("data", data, ("N", ...), sizes=sizes)
    dtype = next((p.dtype for p in net.parameters()), data.dtype)
    if data.dtype != dtype:
        raise ValueError(f"data must have the dtype of net's parameters ({dtype}), got {data.dtype}")
    if labels is not None:
        check_labels("labels (one per data point)", labels, None, sizes=sizes)
    with frozen_eval(net), torch.no_grad():  # data that does not fit the network is refused before any step
        try:
            first = labels[:1] if labels is not None else None
            epsilon_loss(net, process, data[:1], torch.full((1,), process.T / 2, dtype=torch.float64), data[:1], first)
        except (ValueError, RuntimeError) as e:
            raise ValueError(f"data of shape {tuple(data.shape)} does not fit net: {e}") from e
    check_real("p_uncond", p_uncond, 0.0, 1.0, low_open=False)
    if labels is not None and null_label is None and p_uncond > 0:
        raise ValueError("p_uncond > 0 needs a null_label")
    g = torch.Generator().manual_seed(seed)
    device = data.device
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    ema = ema_model(net, ema_decay, warmup=True) if ema_decay > 0 else None
    losses = _Losses()

    def train_step(_: None, step: int) -> dict[str, float]:
        idx = torch.randint(0, len(data), (batch_size,), generator=g).to(device)
        x0 = data[idx]
        y = labels[idx] if labels is not None else None
        if y is not None and p_uncond > 0 and null_label is not None:  # (checked above: p_uncond > 0 has one)
            y = drop_labels(y, p_uncond, null_label, g)
        t = process.sample_times(batch_size, g, device)
        noise = torch.randn(x0.shape, generator=g, dtype=x0.dtype).to(device)
        loss = epsilon_loss(net, process, x0, t, noise, y)
        optimizer_step(opt, loss)
        sched.step()
        if ema is not None:
            ema.update_parameters(net)
        losses.append(loss.item())
        return {"loss": losses[-1]}

    state: dict[str, Any] = {"net": net, "optimizer": opt, "scheduler": sched, "losses": losses}
    if ema is not None:
        state["ema"] = ema
    net.train()
    train_loop(
        train_step,
        steps=steps,
        record_every=steps,
        state=state,
        generators=[g],
        checkpoint_dir=checkpoint_dir,
        checkpoint_every=check_int("checkpoint_every", checkpoint_every),
        resume=resume,
        desc=desc,
    )
    if ema is not None:
        net.load_state_dict(ema.module.state_dict())
    net.eval()
    return list(losses)


@dataclass
class ScoreTraining:
    """What `train_score_model` returns: the loss and the process CPU seconds of every step (the step's cost)."""

    losses: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)


def train_score_model(
    net: nn.Module,
    objective: Callable[[nn.Module, Tensor, torch.Generator], Tensor],
    data: Tensor,
    steps: int,
    batch_size: int = 128,
    lr: float = 1e-3,
    generator: torch.Generator | int = 0,
    desc: str = "train score model",
) -> ScoreTraining:
    """Adam on `objective(net, x, generator)` over minibatches x of `data` (N, d) drawn uniformly with replacement.

    The objective is a score-matching loss of `saddle.diffusion` (`hyvarinen_loss`, `sliced_score_matching_loss`,
    `denoising_score_matching_loss`; Song et al. 2019 compare them this way), wrapped to draw its noise from the
    run's `generator` (an int seed or a torch.Generator, the batch indices come from it too). Each step:
    indices, loss, `optimizer_step` (a non-finite loss raises NonFiniteError before touching the weights). Runs
    on `saddle.train.train_loop`; returns each step's loss and process CPU time (the objective's cost, not the
    machine's load).
    """
    check_module("net", net)
    check_tensor("data", data, ("N", "d"))
    check_int("steps", steps)
    check_int("batch_size", batch_size)
    check_real("lr", lr, high_open=True)
    gen = as_generator(generator, default_seed=0)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    run = ScoreTraining()

    def step(_: None, k: int) -> dict[str, float]:
        t0 = time.process_time()
        idx = torch.randint(0, len(data), (batch_size,), generator=gen)
        loss = objective(net, data[idx], gen)
        optimizer_step(opt, loss)
        run.cpu_seconds.append(time.process_time() - t0)
        run.losses.append(float(loss.detach()))
        return {"loss": run.losses[-1]}

    train_loop(step, steps=steps, record_every=steps, desc=desc)
    return run


def train_noisy_classifier(
    net: nn.Module,
    process: NoiseProcess,
    data: Tensor,
    labels: Tensor,
    steps: int = 500,
    batch_size: int = 128,
    lr: float = 2e-3,
    seed: int = 0,
    desc: str = "train noisy classifier",
) -> list[float]:
    """Adam on the cross-entropy of net(x_t, t/T) against the labels, x_t = α_t x_0 + σ_t z, t from `process`.

    The classifier p_φ(y | x_t, t) of classifier guidance (Dhariwal & Nichol 2021, §4: "we train a classifier
    p_φ(y | x_t, t) on noisy images x_t"). Minibatches of `data` (N, *shape) with `labels` (N,), t ~
    `process.sample_times`, cosine learning-rate decay to 0; deterministic given `seed`; returns the loss per step.
    Runs on `saddle.train.train_loop`.
    """
    check_int("steps", steps)
    check_int("batch_size", batch_size)
    check_real("lr", lr, high_open=True)
    check_int("seed", seed, low=0)
    if labels.shape != (len(data),):
        raise ValueError(f"labels must have shape ({len(data)},), got {tuple(labels.shape)}")
    g = torch.Generator().manual_seed(seed)
    device = data.device
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    losses = _Losses()

    def train_step(_: None, step: int) -> dict[str, float]:
        idx = torch.randint(0, len(data), (batch_size,), generator=g).to(device)
        t = process.sample_times(batch_size, g, device)
        noise = torch.randn(data[idx].shape, generator=g, dtype=data.dtype).to(device)
        xt = process.perturb(data[idx], t, noise)
        loss = nn.functional.cross_entropy(net(xt, (t / process.T).to(data.dtype)), labels[idx])
        optimizer_step(opt, loss)
        sched.step()
        losses.append(loss.item())
        return {"loss": losses[-1]}

    net.train()
    train_loop(
        train_step,
        steps=steps,
        record_every=steps,
        state={"net": net, "optimizer": opt, "scheduler": sched, "losses": losses},
        generators=[g],
        desc=desc,
    )
    net.eval()
    return list(losses)
