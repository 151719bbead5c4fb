"""What every sampler shares: the potential/log-density naming table, the kernel protocol, the `sample` loop.

Naming table (used by every kernel in `saddle.sampling`):

    potential f       target π(x) ∝ exp(−f(x)); f maps positions (n_chains, d) to (n_chains,)
    logdensity_fn     log π(x) up to a constant, i.e. −f
    grad_potential    ∇f, (n_chains, d) → (n_chains, d); autograd of f when not given
    step_size         h (η in the notes), the time step of the discretised dynamics
    generator         the torch.Generator every random draw goes through (same seed → same chains); `sample`
                      also takes an int seed (converted once); `kernel.step` takes a Generator or None only

A kernel is a small object with `init(position) -> State` and `step(state, generator) -> (State, Info)`;
`State` and `Info` are NamedTuples of tensors with a leading chain dimension. The kernels are pure:
`step` never mutates its input state. Every Langevin kernel moves with the one step of `saddle.langevin`
(a bottom-floor module because `saddle.optim`, whose `LangevinGDA` uses it too, is a sibling of this package);
the Metropolis and integrator pieces shared by MALA and HMC live in `metropolis.py` and `integrators.py`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

import torch
from torch import Tensor

from saddle import validation
from saddle.progress import progress_range
from saddle.validation import as_generator, check_int, check_positions

__all__ = ["Energy", "Kernel", "Trace", "as_energy", "check_generator", "check_positions", "check_step_size", "sample"]

PotentialFn = Callable[[Tensor], Tensor]

# a sampler's step size (or friction, path length) is a finite number > 0, never a schedule
check_step_size = functools.partial(validation.check_step_size, allow_schedule=False)


class Energy:
    """A potential f with its gradient: `value(x)`, `grad(x)`, `value_and_grad(x)`; autograd unless `grad` is given.

    Build it with `as_energy(potential=f)` or `as_energy(logdensity_fn=log π)`; a target object from
    `saddle.sampling.targets` can be passed as `potential` and brings its closed-form gradient.
    """

    def __init__(self, potential: PotentialFn | None, grad: PotentialFn | None = None) -> None:
        if potential is None and grad is None:
            raise ValueError("an Energy needs a potential or its gradient")
        self.potential = potential
        self._grad = grad

    def check(self, x: Tensor, name: str = "position") -> Tensor:
        """Return x after checking, once (kernels call it in `init`), that f(x) is finite with shape (n_chains,) and
        ∇f(x) finite with the shape of x; ValueError otherwise (a scalar f = x.pow(2).sum() would freeze a Metropolis
        kernel, a NaN f would reject every proposal, and a potential that cannot take x has the wrong dimension)."""
        n = x.shape[0]
        if self.potential is not None:
            f = self._evaluate(self.potential, x, name, "potential")
            if not isinstance(f, Tensor) or f.shape != (n,):
                got = tuple(f.shape) if isinstance(f, Tensor) else type(f).__name__
                raise ValueError(
                    f"the potential must return one value per chain, shape (n_chains,) = ({n},), got "
                    f"{got}; reduce over the coordinates only, e.g. x.pow(2).sum(-1)"
                )
            if not bool(torch.isfinite(f).all()):
                bad = torch.nonzero(~torch.isfinite(f)).flatten().tolist()
                raise ValueError(f"the potential is NaN or inf at the {name} of chains {bad}: it must be finite there")
        if self._grad is not None:
            g = self._evaluate(self._grad, x, name, "gradient of the potential")
            if not isinstance(g, Tensor) or g.shape != x.shape:
                got = tuple(g.shape) if isinstance(g, Tensor) else type(g).__name__
                raise ValueError(
                    f"the gradient of the potential must have the shape of the positions {tuple(x.shape)}, got {got}"
                )
            if not bool(torch.isfinite(g).all()):
                raise ValueError(f"the gradient of the potential is NaN or inf at the {name}: it must be finite there")
        return x

    @staticmethod
    def _evaluate(fn: PotentialFn, x: Tensor, name: str, what: str) -> Tensor:
        """fn(x) without a graph; an error inside fn is reported with the shape it was given (a wrong dimension)."""
        try:
            with torch.no_grad():
                return fn(x)
        except (RuntimeError, IndexError) as e:
            raise ValueError(f"the {what} cannot be evaluated at the {name} of shape {tuple(x.shape)}: {e}") from e

    def _potential(self) -> PotentialFn:
        if self.potential is None:
            raise ValueError(
                "this Energy was given only the gradient of its potential, and f itself is needed here "
                "(e.g. by a Metropolis test): give the potential too"
            )
        return self.potential

    def value(self, x: Tensor) -> Tensor:
        """f(x), shape (n_chains,); ValueError if the Energy was given only ∇f."""
        return self._potential()(x)

    def value_and_grad(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(f(x), ∇f(x)) with shapes (n_chains,), (n_chains, d); detached from any graph."""
        f_fn = self._potential()
        if self._grad is not None:
            with torch.no_grad():
                return f_fn(x), self._grad(x)
        with torch.enable_grad():
            z = x.detach().requires_grad_(True)
            f = f_fn(z)
            (g,) = torch.autograd.grad(f.sum(), z)
        return f.detach(), g

    def grad(self, x: Tensor) -> Tensor:
        """∇f(x), shape (n_chains, d)."""
        if self._grad is not None:
            with torch.no_grad():
                return self._grad(x)
        return self.value_and_grad(x)[1]


def as_energy(
    potential: PotentialFn | Any | None = None,
    logdensity_fn: PotentialFn | None = None,
    grad_potential: PotentialFn | None = None,
) -> Energy:
    """Resolve the naming table into an `Energy`: give exactly one of `potential` (f) or `logdensity_fn` (−f).

    `potential` may be a callable or a target object with `.potential` (and `.grad_potential`) methods.
    """
    if isinstance(potential, Energy):
        return potential
    if (potential is None) == (logdensity_fn is None):
        raise ValueError(
            "give exactly one of potential= or logdensity_fn=, got "
            f"potential={potential!r}, logdensity_fn={logdensity_fn!r}"
        )
    if logdensity_fn is not None:
        if not callable(logdensity_fn):
            raise ValueError(f"logdensity_fn must be callable, got {logdensity_fn!r}")
        neg_grad = None if grad_potential is None else grad_potential
        return Energy(lambda x: -logdensity_fn(x), neg_grad)
    target_potential = getattr(potential, "potential", None)
    if callable(target_potential):
        grad = grad_potential or getattr(potential, "grad_potential", None)
        return Energy(target_potential, grad)
    if not callable(potential):
        raise ValueError(f"potential must be callable or a target with .potential, got {potential!r}")
    return Energy(potential, grad_potential)


class Kernel(Protocol):
    """A Markov kernel over a batch of chains."""

    def init(self, position: Tensor) -> Any: ...

    def step(self, state: Any, generator: torch.Generator | None = None) -> tuple[Any, Any]: ...


class Trace(NamedTuple):
    """Output of `sample`: kept positions (n_kept, n_chains, d), per-step infos stacked over the
    post-burn-in steps (each field (n_steps, n_chains) or None when the kernel reports nothing), final state."""

    positions: Tensor
    info: Any
    state: Any


#: a kernel's `step` takes a torch.Generator or None; an int seed is refused (it would repeat the same draws at every
#: step): the one policy of `saddle.validation` (`sample` accepts a seed and converts it once)
check_generator = functools.partial(validation.check_generator, allow_none=True)


def _stack_infos(infos: list[Any]) -> Any:
    if not infos or infos[0] is None or len(infos[0]) == 0:
        return None
    cls = type(infos[0])
    return cls(*[torch.stack([getattr(i, f) for i in infos]) for f in cls._fields])


def sample(
    kernel: Kernel,
    initial: Tensor | Any,
    n_steps: int,
    generator: torch.Generator | int | None = None,
    thin: int = 1,
    burn_in: int = 0,
    progress: bool = False,
    callback: Callable[[int, Any, Any], None] | None = None,
) -> Trace:
    """Run `burn_in` + `n_steps` steps of `kernel` from `initial` and keep every `thin`-th position after burn-in.

    initial: positions (n_chains, d) or a kernel State. Returns a `Trace` whose `positions` has shape
    (n_steps // thin, n_chains, d) (steps thin, 2·thin, ... after burn-in) and whose `info` stacks each
    post-burn-in step's Info. `callback(i, state, info)` is called after every step i = 0, 1, ... (burn-in included).
    `generator`: a torch.Generator, None (global RNG), or an int seed, converted once to a Generator on the
    positions' device (same seed → same chains). Defaults: thin=1, burn_in=0, no progress bar.
    """
    for name, value, low in (("n_steps", n_steps, 1), ("thin", thin, 1), ("burn_in", burn_in, 0)):
        check_int(name, value, low)
    if thin > n_steps:
        raise ValueError(f"thin must be <= n_steps = {n_steps}, got {thin}")
    state = kernel.init(initial) if isinstance(initial, Tensor) else initial
    generator = as_generator(generator, device=state.position.device)
    kept: list[Tensor] = []
    infos: list[Any] = []
    steps = progress_range(burn_in + n_steps, desc=type(kernel).__name__) if progress else range(burn_in + n_steps)
    for i in steps:
        state, info = kernel.step(state, generator)
        if callback is not None:
            callback(i, state, info)
        j = i - burn_in
        if j >= 0:
            infos.append(info)
            if (j + 1) % thin == 0:
                kept.append(state.position)
    return Trace(torch.stack(kept), _stack_infos(infos), state)
