"""Redraw a module's parameters with PyTorch's default initialisation from an explicit generator.

PyTorch initialises `nn.Linear`/`nn.Conv*` from the global RNG at construction; saddle draws randomness only
from explicit generators (DESIGN.md), so networks are built and then re-initialised here. The draws follow
`reset_parameters` of each layer exactly (kaiming-uniform with a = √5 for weights, U(−1/√fan_in, 1/√fan_in)
for biases), in `modules()` order: with `torch.Generator().manual_seed(s)` the weights are bit-identical to
constructing the module after `torch.manual_seed(s)`. A network whose reference code initialises differently
(Madry's truncated normal, WideResNet's He-normal) defines `initialize_(generator)`; it runs after the defaults.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from saddle.models.normalization import InputNormalization
from saddle.validation import as_generator, check_generator

__all__ = ["build_seeded", "reinitialize_"]

_DEFAULT_INIT = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
_DETERMINISTIC = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.LayerNorm, nn.GroupNorm, InputNormalization)


@torch.no_grad()
def reinitialize_(module: nn.Module, generator: torch.Generator | int) -> nn.Module:
    """Redraw every parameter of `module` in place with PyTorch's default init from `generator` (or an int seed); returns it.

    Linear/Conv layers: W ~ kaiming_uniform(a = √5) = U(±1/√fan_in), b ~ U(±1/√fan_in) (torch's
    `reset_parameters`); Embedding: N(0, 1) (padding row zero); normalisation layers: their deterministic reset. Any other module that owns
    parameters raises ValueError (its default init is unknown here). Then every module defining
    `initialize_(generator)` (its reference initialisation) calls it, innermost first, so the outermost wins.
    """
    gen = check_generator(as_generator(generator))
    for name, m in module.named_modules():
        own = list(m.parameters(recurse=False))
        if isinstance(m, _DEFAULT_INIT):
            nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=gen)
            if m.bias is not None:
                fan_in, _ = nn.init._calculate_fan_in_and_fan_out(m.weight)
                bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
                nn.init.uniform_(m.bias, -bound, bound, generator=gen)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, generator=gen)
            if m.padding_idx is not None:
                m.weight[m.padding_idx].zero_()
        elif isinstance(m, _DETERMINISTIC):
            m.reset_parameters()
        elif own:
            raise ValueError(
                f"cannot re-initialise module {name!r} of type {type(m).__name__}: only Linear, "
                "Conv and normalisation layers have a known default initialisation"
            )
    for m in reversed(list(module.modules())):
        own_init = getattr(m, "initialize_", None)
        if callable(own_init):
            own_init(gen)
    return module


def build_seeded(
    factory: Callable[[], nn.Module], generator: torch.Generator | int, device: torch.device | str = "cpu"
) -> nn.Module:
    """`factory()` built without touching the global RNG, initialised by `reinitialize_` from `generator`.

    The module is constructed on the meta device (its constructor's own init draws nothing), allocated on
    `device` and re-initialised; buffers other than normalisation statistics (reset too) are refused, since
    they would be left uninitialised. Same numbers as `reinitialize_(factory(), generator)`.
    """
    with torch.device("meta"):
        module = factory()
    for name, m in module.named_modules():
        if list(m.buffers(recurse=False)) and not isinstance(m, _DETERMINISTIC):
            raise ValueError(
                f"cannot build module {name!r} of type {type(m).__name__} seeded: it has buffers "
                "whose initial values are unknown here"
            )
    return reinitialize_(module.to_empty(device=device), generator)
