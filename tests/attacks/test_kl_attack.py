"""KLDivergenceAttack (TRADES's adversary): inside the threat set, raises the KL divergence from the clean
prediction well above a random point of the ball, and its objective is the divergence itself."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from saddle.attacks import KLDivergenceAttack, kl_to_clean
from saddle.attacks.kl import KL_TO_CLEAN


def _model():
    torch.manual_seed(0)  # test-only weights
    return nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.Tanh(), nn.Linear(16, 4)).double()


def test_kl_attack_stays_in_the_ball_and_box_and_beats_random_points():
    model = _model()
    g = torch.Generator().manual_seed(1)
    x = torch.rand(64, 1, 3, 4, generator=g, dtype=torch.float64)
    y = torch.randint(0, 4, (64,), generator=g)
    x_adv = KLDivergenceAttack(0.2, steps=10, generator=2)(model, x, y)
    assert (x_adv - x).abs().max() <= 0.2 + 1e-12 and x_adv.min() >= 0 and x_adv.max() <= 1
    with torch.no_grad():
        p = F.softmax(model(x), -1)
        x_rand = (x + 0.2 * (2 * torch.rand(x.shape, generator=g, dtype=x.dtype) - 1)).clamp(0, 1)
        assert kl_to_clean(model(x_adv), p).mean() > 5 * kl_to_clean(model(x_rand), p).mean() > 0
    # the labels are not used: any y gives the same perturbation from the same start
    again = KLDivergenceAttack(0.2, steps=10, generator=2)(model, x, (y + 1) % 4)
    assert torch.equal(again, x_adv)


def test_kl_objective_is_the_divergence_and_the_attack_is_a_saddle_attack():
    logits, p = torch.randn(5, 3), torch.softmax(torch.randn(5, 3), -1)
    torch.testing.assert_close(KL_TO_CLEAN.value(logits, p), kl_to_clean(logits, p))
    attack = KLDivergenceAttack(0.1)
    assert attack.threat_model.eps == 0.1 and not attack.targeted and "steps=10" in repr(attack)
    with pytest.raises(ValueError, match="init_scale"):
        KLDivergenceAttack(0.1, init_scale=-1.0)
