"""train_epsilon_model: its EMA is the warm-up recursion over the Adam iterates; an interrupted run resumes exactly."""

import pytest
import torch

from saddle.diffusion import VPSDE, ScoreMLP, train_epsilon_model
from saddle.models import reinitialize_

DATA = torch.randn(64, 2, generator=torch.Generator().manual_seed(0)) * 0.5 + 1.0
LABELS = torch.arange(64) % 3


def net(seed):
    return reinitialize_(ScoreMLP(2, 16, 3, 8, num_classes=3), torch.Generator().manual_seed(seed))


def flat(m):
    return torch.cat([p.detach().reshape(-1) for p in m.parameters()])


class Interrupted(Exception):
    pass


def recording(m, stop_at=None):
    """Keep a copy of the weights at every training forward (= the iterate before that step); raise at `stop_at`."""
    seen = []

    def hook(module, args):
        if module.training:
            if len(seen) == stop_at:
                raise Interrupted
            seen.append(flat(module).double())

    m.register_forward_pre_hook(hook)
    return seen


def train(m, **kwargs):
    kw = {"steps": 30, "batch_size": 16, "lr": 1e-2, "seed": 3, "labels": LABELS, "p_uncond": 0.2, "null_label": 3}
    return train_epsilon_model(m, VPSDE(), DATA, **{**kw, **kwargs})


def test_final_weights_are_the_warmup_ema_of_the_iterates():
    plain = net(1)
    thetas = recording(plain)
    train(plain, ema_decay=0.0)  # no EMA: the network ends at the last Adam iterate
    thetas.append(flat(plain).double())
    averaged = net(1)
    seen = recording(averaged)
    train(averaged, ema_decay=0.7)
    assert all(torch.equal(a, b) for a, b in zip(seen, thetas[:-1]))  # the EMA does not change the training
    ema = thetas[0]
    for k, theta in enumerate(thetas[1:]):  # decay min(0.7, (1 + k)/(10 + k)): the cap binds from k = 20 on
        beta = min(0.7, (1 + k) / (10 + k))
        ema = beta * ema + (1 - beta) * theta
    torch.testing.assert_close(flat(averaged).double(), ema, rtol=0, atol=1e-6)
    assert not torch.allclose(ema, thetas[-1], atol=1e-3)


@pytest.mark.parametrize("ema_decay", [0.0, 0.9])
def test_interrupted_training_resumes_bit_for_bit(tmp_path, ema_decay):
    full_net = net(1)
    full = train(full_net, steps=12, ema_decay=ema_decay)
    broken = net(1)
    recording(broken, stop_at=10)
    with pytest.raises(Interrupted):  # last checkpoint after step 8; steps 9 and 10 are redone on resume
        train(broken, steps=12, ema_decay=ema_decay, checkpoint_dir=tmp_path, checkpoint_every=4)
    resumed_net = net(2)  # other initial weights: everything comes from the checkpoint
    resumed = train(
        resumed_net, steps=12, ema_decay=ema_decay, checkpoint_dir=tmp_path, checkpoint_every=4, resume=True
    )
    assert resumed == full and len(full) == 12
    for (k, a), b in zip(full_net.state_dict().items(), resumed_net.state_dict().values()):
        assert torch.equal(a, b), k
