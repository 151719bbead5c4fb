"""Generic tests driven by saddle.optim.METHODS (like torch's OptimizerInfo)."""

import io
import math

import pytest
import torch
from torch import nn

from saddle.optim import METHODS, GameOptimizer, PolynomialDecay, per_player
from saddle.sets import Box

EUCLID = [n for n, i in METHODS.items() if i.domain == "euclidean"]
BILINEAR_CONVERGENT = [n for n, i in METHODS.items() if i.converges_bilinear]
PROJECTABLE = [n for n, i in METHODS.items() if i.supports_projection]
DETERMINISTIC = [n for n, i in METHODS.items() if not i.stochastic]

RPS = torch.tensor([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]], dtype=torch.float64)


def bilinear(p):
    return [p[1], -p[0]]


def strongly_monotone(p):
    """Φ = x²/2 + xy − y²/2 (1-strongly monotone, L = sqrt 2, solution 0)."""
    return [p[0] + p[1], p[1] - p[0]]


def rps(p):
    """Rock-paper-scissors xᵀAy: V = (A y, −Aᵀ x)."""
    a = RPS.to(p[0].dtype)
    return [p[1] @ a.T, -(p[0] @ a)]


FIELDS = {"euclidean": strongly_monotone, "simplex": rps}


def starts(domain, b, seed=0):
    g = torch.Generator().manual_seed(seed)
    if domain == "simplex":
        return [torch.softmax(torch.randn(b, 3, generator=g, dtype=torch.float64), -1) for _ in range(2)]
    return [torch.randn(b, 1, generator=g, dtype=torch.float64) for _ in range(2)]


def run(method, z, field, steps):
    state = method.init(z)
    for _ in range(steps):
        z, state = method.step(z, state, field)
    return z, state


@pytest.mark.parametrize("name", list(METHODS))
def test_bad_arguments_raise_with_the_value(name):
    info = METHODS[name]
    cls = info.cls
    assert info.bad_kwargs, "every method lists bad arguments"
    for kwargs in info.bad_kwargs:
        with pytest.raises(ValueError) as err:
            cls(**kwargs)
        bad = [v for v in kwargs.values() if v != 0.1] or [0.1]
        assert any(repr(v) in str(err.value) or str(v) in str(err.value) for v in bad), (kwargs, str(err.value))


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_batch_equals_each_trajectory_alone(name):
    info = METHODS[name]
    field = FIELDS[info.domain]
    z0 = starts(info.domain, 6)
    batched, _ = run(info.factory(info.step_size), z0, field, 25)
    for i in range(6):
        alone, _ = run(info.factory(info.step_size), [p[i : i + 1] for p in z0], field, 25)
        for a, b in zip(alone, batched):
            torch.testing.assert_close(a, b[i : i + 1], rtol=0, atol=info.batch_atol)


@pytest.mark.parametrize("name", [n for n, i in METHODS.items() if i.field_calls_per_step is not None])
def test_field_call_count(name):
    info = METHODS[name]
    calls = []
    field = FIELDS[info.domain]

    def counting(p):
        calls.append(1)
        return field(p)

    method = info.factory(info.step_size)
    z = starts(info.domain, 2)
    state = method.init(z)
    for _ in range(3):
        calls.clear()
        z, state = method.step(z, state, counting)
        assert len(calls) == info.field_calls_per_step


@pytest.mark.parametrize("name", [n for n in EUCLID if n in DETERMINISTIC])
def test_converges_on_strongly_monotone_game(name):
    info = METHODS[name]
    z, _ = run(info.factory(info.step_size), starts("euclidean", 4), strongly_monotone, 1500)
    assert max(float(p.abs().max()) for p in z) < 1e-6


@pytest.mark.parametrize("name", BILINEAR_CONVERGENT)
def test_extragradient_type_converge_on_bilinear(name):
    info = METHODS[name]
    z, _ = run(info.factory(info.step_size), starts("euclidean", 4), bilinear, 1500)
    assert max(float(p.abs().max()) for p in z) < 1e-6


@pytest.mark.parametrize("name", [n for n, i in METHODS.items() if i.stays_away_bilinear])
def test_gda_type_stay_away_from_the_bilinear_equilibrium(name):
    # sim GDA: ‖z_k‖ grows; alt GDA: Q = x² + y² − ηxy is conserved and (1 − η/2)‖z‖² ≤ Q ≤ (1 + η/2)‖z‖²
    info = METHODS[name]
    eta = info.step_size
    z = starts("euclidean", 4)
    r0 = torch.sqrt(z[0] ** 2 + z[1] ** 2)
    method = info.factory(eta)
    state = method.init(z)
    for _ in range(500):
        z, state = method.step(z, state, bilinear)
        assert (torch.sqrt(z[0] ** 2 + z[1] ** 2) >= math.sqrt((1 - eta / 2) / (1 + eta / 2)) * r0 * (1 - 1e-12)).all()


@pytest.mark.parametrize("name", PROJECTABLE)
def test_projection_keeps_every_iterate_feasible(name):
    info = METHODS[name]
    box = Box(-0.5, 0.5)
    seen = []

    def shifted(p):  # strongly monotone with its solution (2, −2) outside the box
        seen.append([t.clone() for t in p])
        return [p[0] - 2 + p[1], p[1] + 2 - p[0]]

    method = info.factory(info.step_size, projection=per_player(box, box))
    z = [p.clamp(-0.5, 0.5) for p in starts("euclidean", 5)]
    state = method.init(z)
    inside = lambda p: all(bool(box.contains(t, atol=1e-12)) for t in p)  # noqa: E731
    for _ in range(200):  # the Adam variants move at most ~lr = 0.01 per step: 1/0.01 steps cross the box
        seen.clear()
        z, state = method.step(z, state, shifted)
        assert inside(z)
        if name != "rfbs":  # RFBS evaluates V at the unprojected reflection 2z_k − z_{k−1} by design
            assert all(inside(p) for p in seen)
    # the constrained solution of the VI is the corner (0.5, −0.5), where −V points out of the box: every
    # deterministic method reaches it, GDA and the Adam variants too (a noisy one keeps moving around it)
    if not info.stochastic:
        torch.testing.assert_close(z[0], torch.full_like(z[0], 0.5), atol=1e-6, rtol=0)
        torch.testing.assert_close(z[1], torch.full_like(z[1], -0.5), atol=1e-6, rtol=0)


@pytest.mark.parametrize("name", EUCLID)
def test_schedule_step_size_is_accepted_and_used(name):
    info = METHODS[name]
    const, _ = run(info.factory(info.step_size), starts("euclidean", 2), strongly_monotone, 3)
    sched, _ = run(
        info.factory(PolynomialDecay(info.step_size, power=0.0)), starts("euclidean", 2), strongly_monotone, 3
    )
    torch.testing.assert_close(const, sched, rtol=1e-14, atol=0)
    decayed, _ = run(info.factory(PolynomialDecay(info.step_size)), starts("euclidean", 2), strongly_monotone, 3)
    assert any(not torch.allclose(a, b) for a, b in zip(const, decayed))


class Quadratic(nn.Module):
    """A player whose parameters are an nn.Linear weight (1, 2) and a bias (1,)."""

    def __init__(self, gen):
        super().__init__()
        self.lin = nn.Linear(2, 1).double()
        with torch.no_grad():
            self.lin.weight.copy_(torch.randn(1, 2, generator=gen, dtype=torch.float64))
            self.lin.bias.copy_(torch.randn(1, generator=gen, dtype=torch.float64))

    def vector(self):
        return torch.cat([self.lin.weight.reshape(-1), self.lin.bias])


B = torch.tensor([[1.0, 0.5, -0.3], [0.2, -1.0, 0.7], [0.4, 0.1, 1.0]], dtype=torch.float64)


def module_losses(x_mod, y_param, mu):
    x = x_mod.vector()
    phi = x @ B @ y_param + 0.5 * mu * (x @ x) - 0.5 * mu * (y_param @ y_param)
    return [phi, -phi]


def tensor_field(mu):
    return lambda p: [p[1] @ B.T + mu * p[0], -(p[0] @ B) + mu * p[1]]


@pytest.mark.parametrize("mu", [0.0, 0.5])
@pytest.mark.parametrize("name", EUCLID)
def test_game_optimizer_matches_tensor_path(name, mu):
    info = METHODS[name]
    gen = torch.Generator().manual_seed(3)
    x_mod = Quadratic(gen)
    y = nn.Parameter(torch.randn(3, generator=gen, dtype=torch.float64))
    z = [x_mod.vector().detach().clone().unsqueeze(0), y.detach().clone().unsqueeze(0)]
    method = info.factory(info.step_size)
    opt = GameOptimizer([x_mod, [y]], info.factory(info.step_size))
    state = method.init(z)
    for _ in range(15):
        losses = opt.step(lambda: module_losses(x_mod, y, mu))
        phi = float((z[0][0] @ B @ z[1][0]) + 0.5 * mu * (z[0][0] @ z[0][0]) - 0.5 * mu * (z[1][0] @ z[1][0]))
        if info.first_call_at_start:
            assert float(losses[0]) == pytest.approx(phi, rel=1e-12, abs=1e-12)
        z, state = method.step(z, state, tensor_field(mu))
        torch.testing.assert_close(x_mod.vector().detach(), z[0][0], rtol=1e-12, atol=1e-13)
        torch.testing.assert_close(y.detach(), z[1][0], rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name", EUCLID)
def test_state_dict_round_trip_resumes_exactly(name):
    # stochastic methods too: the optimizer's state_dict carries their generator's state
    info = METHODS[name]

    def make(seed_state=None):
        gen = torch.Generator().manual_seed(5)
        x_mod, y = Quadratic(gen), nn.Parameter(torch.randn(3, generator=gen, dtype=torch.float64))
        if seed_state is not None:
            with torch.no_grad():
                x_mod.load_state_dict(seed_state[0])
                y.copy_(seed_state[1])
        return x_mod, y, GameOptimizer([x_mod, [y]], info.factory(info.step_size))

    x_mod, y, opt = make()
    for _ in range(7):
        opt.step(lambda: module_losses(x_mod, y, 0.3))
    buf = io.BytesIO()
    torch.save({"opt": opt.state_dict(), "x": x_mod.state_dict(), "y": y.detach().clone()}, buf)
    for _ in range(7):
        opt.step(lambda: module_losses(x_mod, y, 0.3))
    buf.seek(0)
    saved = torch.load(buf, weights_only=True)
    x2, y2, opt2 = make((saved["x"], saved["y"]))
    opt2.load_state_dict(saved["opt"])
    for _ in range(7):
        opt2.step(lambda: module_losses(x2, y2, 0.3))
    assert torch.equal(x2.vector(), x_mod.vector()) and torch.equal(y2, y)


def test_game_optimizer_rejects_bad_input():
    m = METHODS["extragradient"].factory(0.1)
    p = nn.Parameter(torch.zeros(2))
    with pytest.raises(ValueError, match="one entry per player"):
        GameOptimizer([], m)
    with pytest.raises(ValueError, match="another player"):
        GameOptimizer([[p], [p]], m)
    with pytest.raises(ValueError, match="init"):
        GameOptimizer([[p]], object())
    opt = GameOptimizer([[p], [nn.Parameter(torch.zeros(1))]], m)
    with pytest.raises(ValueError, match="2 players"):
        opt.step(lambda: [p.sum()])
    with pytest.raises(ValueError, match="method"):
        GameOptimizer([[p]], METHODS["ogda"].factory(0.1)).load_state_dict(opt.state_dict())


def test_method_names_in_registry_are_unique_and_complete():
    import saddle.optim as so

    classes = {type(i.factory(0.1)).__name__ for i in METHODS.values()}
    for cls in [
        "SimultaneousGDA",
        "AlternatingGDA",
        "ProximalPoint",
        "ExtraGradient",
        "OptimisticGDA",
        "ReflectedForwardBackward",
        "EGPlus",
        "CEGPlus",
        "StochasticSEGPlus",
        "LangevinGDA",
        "PreconditionedLangevinGDA",
        "ExtraAdam",
        "OptimisticAdam",
        "MirrorDescent",
        "MirrorProx",
    ]:
        assert cls in classes and hasattr(so, cls)


def _tensors(obj):
    if isinstance(obj, torch.Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for o in obj for t in _tensors(o)]
    return []


@pytest.mark.parametrize("name", list(METHODS))
def test_step_is_pure_and_keeps_dtype(name):
    info = METHODS[name]
    field = FIELDS[info.domain]
    z = [p.float() for p in starts(info.domain, 3)]
    method = info.factory(info.step_size)
    state = method.init(z)
    for _ in range(2):
        z, state = method.step(z, state, field)
    before = [t.clone() for t in _tensors(z) + _tensors(state)]
    new, new_state = method.step(z, state, field)
    after = _tensors(z) + _tensors(state)
    assert all(torch.equal(a, b) for a, b in zip(before, after)), "step modified its inputs in place"
    assert all(p.dtype == torch.float32 and p.shape == q.shape for p, q in zip(new, z))
    new_floats = [t for t in _tensors(new_state) if t.is_floating_point()]
    assert all(t.dtype == torch.float32 for t in new_floats), "the state left the parameters' dtype"


@pytest.mark.parametrize("name", list(METHODS))
def test_no_autograd_graph_survives_a_step(name):
    # params given with requires_grad (and a field that itself uses autograd) must not chain a graph from step
    # to step: the produced iterates and every tensor of the state are graph-free leaves
    info = METHODS[name]
    method = info.factory(info.step_size)
    z = [t.clone().requires_grad_(True) for t in starts(info.domain, 4)]
    base = FIELDS[info.domain]

    def field_with_autograd(p):
        leaves = [t.detach().requires_grad_(True) for t in p]
        g = base(leaves)
        value = sum((gi * li).sum() for gi, li in zip(g, leaves))  # ⟨V(z), z⟩ just to take a gradient through
        torch.autograd.grad(value, leaves)
        return [gi + 0 * t for gi, t in zip(base(p), p)]  # depends on p, so it carries p's graph if p has one

    state = method.init(z)
    for _ in range(3):
        z, state = method.step(z, state, field_with_autograd)
        tensors = list(z) + [t for t in torch.utils._pytree.tree_leaves(state) if isinstance(t, torch.Tensor)]
        assert all(t.grad_fn is None and not t.requires_grad for t in tensors), name
    # and the numbers are those of the same run on plain tensors
    plain, _ = run(info.factory(info.step_size), starts(info.domain, 4), base, 3)  # fresh: same noise if stochastic
    torch.testing.assert_close(z, plain, rtol=0, atol=0)
