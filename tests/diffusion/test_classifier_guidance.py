"""Classifier guidance (Dhariwal & Nichol 2021) against the exact conditional scores of a Gaussian mixture, through the
sampling loop, and the noisy-digit classifier's training."""

import pytest
import torch

from saddle.diffusion import (
    DDIM,
    VPSDE,
    ClassifierGuidance,
    DDPMSchedule,
    GaussianMixture,
    Guidance,
    NoisyDigitsClassifier,
    sample,
    train_noisy_classifier,
    uniform_timesteps,
)

DT = torch.float64
MEANS = torch.tensor([[-2.0, 0.0], [2.0, 1.0], [0.0, -2.5]], dtype=DT)


def _exact(process):
    """The mixture's exact unconditional ε-model and its exact noisy classifier p(k | x_t) (time given as t/T)."""
    mix = GaussianMixture(MEANS, stds=0.5)

    def classifier(x, tt):
        a, s = process.marginal((tt * process.T).to(DT))
        return mix.component_logdensity(x, a.to(x.dtype), s.to(x.dtype))

    return mix, mix.eps_fn(process), classifier


@pytest.mark.parametrize("process", [VPSDE(), DDPMSchedule()])
def test_scale_one_turns_the_unconditional_model_into_the_exact_conditional_one(process, gen):
    """∇log p_t(x) + ∇log p(y | x_t) = ∇log p_t(x | y): with the exact classifier and s = 1, ε̃ = −σ_t ∇log N_y(x_t)."""
    _, eps, classifier = _exact(process)
    x = torch.randn(12, 2, generator=gen, dtype=DT) * 2
    y = torch.arange(12) % 3
    t = torch.full((12,), 0.3 * process.T, dtype=DT).round() if process.discrete else torch.full((12,), 0.3, dtype=DT)
    guided = ClassifierGuidance(y, 1.0, classifier, process).wrap(eps)(x, t)
    a, s = process.marginal(t)
    var = a[:, None] ** 2 * 0.25 + s[:, None] ** 2
    conditional = -s[:, None] * (a[:, None] * MEANS[y] - x) / var  # −σ_t ∇log N(x; α μ_y, v I)
    torch.testing.assert_close(guided, conditional, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(ClassifierGuidance(y, 0.0, classifier, process).wrap(eps)(x, t), eps(x, t))
    assert isinstance(ClassifierGuidance(y, 1.0, classifier, process), Guidance)


def test_guided_sampling_lands_in_the_requested_component(gen):
    """DDIM with the exact model and classifier at s = 1 samples p(x | y): the sample mean is μ_y (5 SEs)."""
    process = VPSDE()
    mix, eps, classifier = _exact(process)
    n = 600
    y = torch.full((n,), 1)
    x_T = torch.randn(n, 2, generator=gen, dtype=DT) * process.prior_std()
    ts = uniform_timesteps(process, 200, final_time=1e-3, to_data=False)  # 200 steps down to t = 1e-3
    x0 = sample(eps, process, DDIM(), ts, x_T, guidance=ClassifierGuidance(y, 1.0, classifier, process), progress=False)
    assert (x0.mean(0) - MEANS[1]).abs().max() < 5 * 0.5 / n**0.5
    unguided = sample(eps, process, DDIM(), ts, x_T, progress=False)
    assert (unguided.mean(0) - mix.mean).abs().max() < 0.3  # the whole mixture without guidance


def test_noisy_digit_classifier_trains_deterministically_and_learns(gen):
    from saddle.data import load_digits
    from saddle.models import reinitialize_

    train, _ = load_digits()
    x, y = train.x[:256] * 2 - 1, train.y[:256]
    process = DDPMSchedule()
    with torch.random.fork_rng():  # the constructor's own init draws from the global RNG; reinitialize_ redraws
        nets = [reinitialize_(NoisyDigitsClassifier(channels=8), 0) for _ in range(2)]
    losses = [train_noisy_classifier(net, process, x, y, steps=40, batch_size=64, seed=3) for net in nets]
    assert losses[0] == losses[1]  # same seed, same numbers
    assert sum(losses[0][-10:]) < sum(losses[0][:10])
    out = nets[0](x[:5], torch.full((5,), 0.1))
    assert out.shape == (5, 10)
    with pytest.raises(ValueError, match="labels"):
        train_noisy_classifier(nets[0], process, x, y[:10], steps=1)


def test_bad_guidance_arguments_are_refused():
    with pytest.raises(ValueError, match="guidance scale"):
        ClassifierGuidance(torch.zeros(2, dtype=torch.long), -1.0, lambda x, t: x, VPSDE())
    with pytest.raises(ValueError, match="callable"):
        ClassifierGuidance(torch.zeros(2, dtype=torch.long), 1.0, 3, VPSDE())
    with pytest.raises(ValueError, match="multiple of 8"):
        NoisyDigitsClassifier(channels=12)
