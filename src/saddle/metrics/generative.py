"""Metrics of generative models: mode coverage on Gaussian mixtures, exact W1/W2, critic's W1, digit scores.

Mode metrics follow VEEGAN (Srivastava et al. 2017, §5.1) and PacGAN (Lin et al. 2018, §5.1 "synthetic data"):
a generated sample is *high quality* when it lies within 3 standard deviations of its nearest mode centre; a
mode is *captured* when at least one generated sample lies within 3σ of its centre (PacGAN: "a mode is lost
if there are no samples within 3σ" — the papers' wording as quoted in the project's issue 10; the full texts
were not at hand to re-check); the *reverse KL* is KL(q ‖ p) between the generated samples' histogram over
nearest modes, q, and the true mode weights p (uniform by default), as in PacGAN's tables.
"""

from __future__ import annotations

import math
from contextlib import nullcontext
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from saddle.model_state import frozen_eval
from saddle.validation import (
    as_real_tensor,
    check_callable,
    check_module,
    check_real,
    check_tensor,
    model_output,
)

__all__ = ["ModeCoverage", "classifier_score", "critic_w1_estimate", "mode_coverage"]


@dataclass(frozen=True)
class ModeCoverage:
    """modes_captured (count), n_modes, high_quality (fraction of samples within `radius` of their nearest
    centre), reverse_kl KL(q ‖ p) in nats, counts (samples per nearest mode), captured (bool per mode)."""

    modes_captured: int
    n_modes: int
    high_quality: float
    reverse_kl: float
    counts: list[int]
    captured: list[bool]


def mode_coverage(
    samples: Tensor, centers: Tensor, std: float, n_std: float = 3.0, weights: Tensor | None = None
) -> ModeCoverage:
    """Modes captured, % high-quality samples and reverse KL of the mode histogram (module doc).

    samples (n, d), centers (K, d), std σ of each mixture component, n_std = 3 (the radius is n_std·σ);
    weights p (K,) of the true mixture (default uniform). Distances are Euclidean.
    """
    std = check_real("std", std, high_open=True)
    n_std = check_real("n_std", n_std, high_open=True)
    sizes: dict[str, int] = {}
    x = check_tensor("samples", samples, ("n", "d"), sizes=sizes).detach().to(torch.float64).cpu()
    c = as_real_tensor("centers (K, d) with the d of samples", centers, ("K", "d"), sizes=sizes)
    c = c.detach().to(torch.float64).cpu()
    dist = torch.cdist(x, c)  # (n, K)
    nearest_d, nearest = dist.min(dim=1)
    radius = n_std * std
    captured = (dist <= radius).any(dim=0)
    counts = torch.bincount(nearest, minlength=len(c))
    q = counts.to(torch.float64) / len(x)
    p = (
        torch.full((len(c),), 1.0 / len(c), dtype=torch.float64)
        if weights is None
        else as_real_tensor("weights", weights, (len(c),)).double().cpu()
    )
    if not bool((p > 0).all()) or abs(float(p.sum()) - 1) > 1e-9:
        raise ValueError(f"weights must be a positive probability vector of length {len(c)}, got {p.tolist()}")
    kl = float(torch.where(q > 0, q * (q / p).log(), torch.zeros_like(q)).sum())
    return ModeCoverage(
        int(captured.sum()),
        len(c),
        float((nearest_d <= radius).to(torch.float64).mean()),
        kl,
        counts.tolist(),
        captured.tolist(),
    )


@torch.no_grad()
def critic_w1_estimate(critic: nn.Module, real: Tensor, fake: Tensor) -> float:
    """The critic's W1 estimate E d(x) − E d(G(z)) on two sample sets (Kantorovich–Rubinstein, seed 001 eq. 11).

    A lower bound on W1 between the empirical measures only when d is 1-Lipschitz; compare it with the exact
    `wasserstein(real, fake, p=1)` of `saddle.metrics.transport`. real (n, ...), fake (m, ...) finite, n, m ≥ 1;
    the critic (an nn.Module or a function) returns one value per sample ((n,) or (n, 1)); a module is evaluated
    in eval mode (Dropout off, BatchNorm with its running statistics; `saddle.model_state.frozen_eval`), its state
    restored after.
    """
    check_callable("critic", critic, "an nn.Module or a callable x -> d(x)")
    values = []
    for name, x in (("real", real), ("fake", fake)):
        check_tensor(name, x, ("n", ...))
        with frozen_eval(critic) if isinstance(critic, nn.Module) else nullcontext(), torch.no_grad():
            d = model_output(critic, x, "critic", name)
        if not isinstance(d, Tensor) or d.ndim == 0 or d.shape[0] != len(x) or d[0].numel() != 1:
            got = tuple(d.shape) if isinstance(d, Tensor) else type(d).__name__
            raise ValueError(
                f"critic must return one value per sample of {name} (shape {tuple(x.shape)}), (n,) or (n, 1), got {got}"
            )
        values.append(d.mean())
    return float(values[0] - values[1])


@torch.no_grad()
def classifier_score(classifier: nn.Module, images: Tensor, confident: float = 0.9) -> dict[str, float | list[float]]:
    """A digit-classifier quality score of generated images (B, 1, 8, 8): confidence, label entropy, coverage.

    mean_confidence E max_j p(j|x); confident_fraction P(max_j p(j|x) ≥ `confident`); class_histogram
    (fractions of argmax labels); label_entropy H(E_x p(·|x)) in nats (log 10 = every class equally often);
    inception_score exp(E_x KL(p(·|x) ‖ p(·))) (Salimans et al. 2016) computed with this classifier.
    """
    check_real("confident", confident, 0.0, 1.0)
    check_module("classifier", classifier)
    check_tensor("images", images, ("B", ...))
    with frozen_eval(classifier), torch.no_grad():
        prob = torch.softmax(model_output(classifier, images, "classifier", "images", ("B", "K")).double(), dim=1)
    top = prob.max(dim=1).values
    marginal = prob.mean(0)
    entropy = float(-(marginal * marginal.clamp_min(1e-300).log()).sum())
    kl = (prob * (prob.clamp_min(1e-300).log() - marginal.clamp_min(1e-300).log())).sum(1).mean()
    hist = torch.bincount(prob.argmax(1), minlength=prob.shape[1]).double() / len(prob)
    return {
        "mean_confidence": float(top.mean()),
        "confident_fraction": float((top >= confident).double().mean()),
        "label_entropy": entropy,
        "max_label_entropy": math.log(prob.shape[1]),
        "inception_score": float(kl.exp()),
        "class_histogram": hist.tolist(),
    }
