"""Issue 24's repros for saddle.diffusion: mis-shaped scores, noise and network outputs, NaN samples, inf guidance."""

import math

import pytest
import torch
from torch import nn

from saddle.diffusion import (
    DDIM,
    VPSDE,
    ClassifierFreeGuidance,
    denoising_score_matching_loss,
    epsilon_loss,
    hyvarinen_loss,
    sample,
    sliced_score_matching_loss,
    tweedie_denoise,
    uniform_timesteps,
)

X = torch.randn(6, 2, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize(
    "loss",
    [
        lambda s: hyvarinen_loss(s, X),
        lambda s: sliced_score_matching_loss(s, X, generator=torch.Generator().manual_seed(0)),
        lambda s: denoising_score_matching_loss(s, X, 0.5, torch.Generator().manual_seed(0)),
    ],
)
@pytest.mark.parametrize("score", [lambda x: -x.sum(-1), lambda x: -x[:1], lambda x: -x[:, :1]])
def test_score_matching_losses_refuse_a_mis_shaped_score(loss, score):
    # a (n,) or (1, d) score broadcast into a finite, wrong loss
    with pytest.raises(ValueError, match=r"score_fn must return a tensor of x's shape \(6, 2\)"):
        loss(score)


def test_tweedie_denoise_refuses_a_mis_shaped_score():
    with pytest.raises(ValueError, match=r"score must have the shape of x_noisy \(6, 2\), got \(1, 2\)"):
        tweedie_denoise(X, -X[:1], 0.5)
    assert torch.allclose(tweedie_denoise(X, -X, 0.5), 0.75 * X)  # x + σ²(−x) for the score of N(0, I)


class _Net(nn.Module):
    def __init__(self, how):
        super().__init__()
        self.lin, self.how = nn.Linear(3, 2), how

    def forward(self, x, t):
        return self.how(self.lin(torch.cat([x, t[:, None]], -1)))


def test_epsilon_loss_refuses_mis_shaped_noise_and_network_output():
    t = torch.full((6,), 0.5)
    with pytest.raises(ValueError, match=r"noise must have the shape of x0 \(6, 2\), got \(2,\)"):
        epsilon_loss(_Net(lambda o: o), VPSDE(), X, t, X[0])
    with pytest.raises(ValueError, match=r"net must return ε̂ of the shape of x0 \(6, 2\), got \(6,\)"):
        epsilon_loss(_Net(lambda o: o.sum(-1)), VPSDE(), X, t, X)


def _run(x_T, model):
    process = VPSDE()
    return sample(model, process, DDIM(), uniform_timesteps(process, 5), x_T, generator=0, progress=False)


def test_sample_refuses_a_nan_start_and_a_nan_model():
    with pytest.raises(ValueError, match="x_T contains NaN or inf"):
        _run(torch.full((4, 2), math.nan), lambda x, t: torch.zeros_like(x))
    with pytest.raises(
        ValueError, match=r"the samples contain NaN or inf .* the model \(ε-model\) returned non-finite"
    ):
        _run(torch.zeros(4, 2), lambda x, t: torch.full_like(x, math.nan))


@pytest.mark.parametrize("w", [math.inf, math.nan, -1.0])
def test_guidance_refuses_an_infinite_or_negative_weight(w):
    with pytest.raises(ValueError, match="guidance scale must be a finite number >= 0"):
        ClassifierFreeGuidance(torch.zeros(3, dtype=torch.long), w, 10)
