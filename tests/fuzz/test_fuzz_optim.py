"""Bad input to saddle.optim: every method of METHODS (constructor, init, step with a bad field), GameOptimizer."""

import torch
from fuzzkit import Const, Entry, Fn, Model, Players, Real, make_tests
from torch import nn

from saddle import optim
from saddle.games import Bilinear, rock_paper_scissors
from saddle.optim import METHODS

_A = torch.tensor([[1.0, 2.0], [0.0, 1.0]], dtype=torch.float64)


def _bilinear_field(z):
    return Bilinear(_A).field(z)


def _rps_field(z):
    return rock_paper_scissors().field(z)


def _bad_fields(field):
    return (
        ("field of another shape", lambda z: [torch.cat([g, g], -1) for g in field(z)], ("field", "shape")),
        ("field missing a player", lambda z: field(z)[:1], ("field", "player")),
        ("field of another dtype", lambda z: [g.float() for g in field(z)], ("field", "dtype", "float32")),
        ("field broadcast from one point", lambda z: [g[:1] for g in field(z)], ("field", "shape")),
    )


def _method_entries():
    out = []
    for name, info in METHODS.items():
        simplex = info.domain == "simplex"
        field = _rps_field if simplex else _bilinear_field
        shapes = ((3, 3), (3, 3)) if simplex else ((3, 2), (3, 2))

        def step(step_size, params, field, info=info):
            m = info.build(step_size, **info.settings)
            return m.step(params, m.init(params), field)[0]

        out.append(
            Entry(
                f"saddle.optim.{info.cls.__name__}({name}).step",
                step,
                {
                    "step_size": Real(info.step_size, called="step size"),
                    "params": Players(shapes, simplex=simplex, low=-1.0),
                    "field": Fn(field, wrong=_bad_fields(field)),
                },
                skip={
                    f"params:{b}": "the field is the caller's function of any players: their number and sizes are the "
                    "field's to check (a Game's field: Game.check_params); the method checks the field's output "
                    "against the players at every call"
                    for b in ("a player missing", "a player too many", "wrong player dim", "batch sizes differ")
                },
            )
        )
    return out


class _Players(nn.Module):
    """Two players of a bilinear game as modules: x (2,) and y (2,)."""

    def __init__(self):
        super().__init__()
        self.x = nn.Linear(2, 1)
        self.y = nn.Linear(2, 1)


def _closure(net, how=None):
    def closure():
        phi = (net.x.weight * net.y.weight).sum() + net.x.bias.sum() * net.y.bias.sum()
        losses = [phi, -phi]
        return losses if how is None else how(losses)

    return closure


def _game_optimizer_step(net, method, closure_how):
    opt = optim.GameOptimizer([net.x, net.y], method)
    return opt.step(_closure(net, closure_how))


ENTRIES = [
    *_method_entries(),
    Entry(
        "saddle.optim.GameOptimizer",
        lambda net, lr: optim.GameOptimizer([net.x, net.y], optim.ExtraGradient(0.1), lr).param_groups[0]["lr"],
        {"net": Model(_Players, outputs=(), function_ok=True, called="players"), "lr": Real(0.1)},
    ),
    Entry(
        "saddle.optim.GameOptimizer.step",
        _game_optimizer_step,
        {
            "net": Model(_Players, outputs=(), function_ok=True, called="players"),
            "method": Const(lambda: optim.ExtraGradient(0.1)),
            "closure_how": Fn(
                None,
                not_callable=False,
                called="closure",
                wrong=(
                    ("NaN loss", lambda losses: [losses[0] * float("nan"), losses[1]], ("loss", "nan")),
                    ("inf loss", lambda losses: [losses[0] + float("inf"), losses[1]], ("loss", "inf")),
                    ("one loss missing", lambda losses: losses[:1], ("closure", "loss")),
                    (
                        "loss not scalar",
                        lambda losses: [losses[0].expand(3), losses[1]],
                        ("closure", "scalar", "shape"),
                    ),
                    ("losses as a tensor", lambda losses: torch.stack(losses), ("closure", "loss")),
                ),
            ),
        },
        mutates=True,
    ),
    Entry(
        "saddle.optim.NoisyField",
        lambda noise_std: optim.NoisyField(_bilinear_field, noise_std, torch.Generator().manual_seed(0)).noise_std,
        {"noise_std": Real(0.1, low_open=False)},
    ),
    Entry(
        "saddle.optim.AdamDirection",
        lambda eps, beta1: optim.AdamDirection((beta1, 0.999), eps).eps,
        {"eps": Real(1e-8), "beta1": Real(0.9, high=1.0, low_open=False, called="beta1")},
    ),
    Entry(
        "saddle.optim.RMSPropDirection",
        lambda alpha, eps: optim.RMSPropDirection(alpha, eps).eps,
        {"alpha": Real(0.99, high=1.0, low_open=False), "eps": Real(1e-8)},
    ),
    Entry("saddle.optim.PolynomialDecay", lambda k: optim.PolynomialDecay(0.1, 1.0, 0.6)(k), {"k": Const(lambda: 3)}),
]

test_valid_call, test_bad_input = make_tests(ENTRIES)
