"""S networks of one architecture as one module: seeds (or particles) trained in parallel as one batched model.

A 2-D GAN at the sizes of the notes is dominated by per-step overhead (Python, autograd bookkeeping, small
kernels), so S independent runs cost little more than one when their networks are stacked: the parameters of S
modules are stacked along a new first axis (`torch.func.stack_module_state`); row s of every parameter is network
s, row s of the output depends on row s of the parameters and of the input only, so the gradient of the SUM of the
S losses is, row by row, each network's own gradient, and ordinary autograd (and `GameOptimizer`) trains them.

Two ways to run the stack, same numbers up to rounding:
- batched weights (fast path): a module tree made of `Linear`, `BatchNorm1d`, `Maxout`, elementwise activations
  and containers whose forward acts on any leading axes (`row_agnostic = True`: the MLPs of `saddle.gans`) is
  rebuilt with batched layers — one `torch.baddbmm` per Linear for all S rows;
- any other architecture: `torch.func.vmap` of `torch.func.functional_call` on one copy of it (general, but its
  per-call overhead is several times a plain forward at these sizes).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

__all__ = ["StackedModules"]

_ELEMENTWISE = (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.Identity, nn.ELU, nn.GELU, nn.Softplus)


def _key(name: str) -> str:
    return name.replace(".", "__")


class _RowLinear(nn.Module):
    """S Linear layers: x (S, ..., in) -> (S, ..., out) with weight (S, out, in), bias (S, out) (nn.Linear's layout)."""

    def __init__(self, rows: int, in_features: int, out_features: int, bias: bool) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(rows, out_features, in_features))
        self.bias = nn.Parameter(torch.empty(rows, out_features)) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        flat = x.reshape(x.shape[0], -1, x.shape[-1])
        wt = self.weight.transpose(1, 2)
        out = torch.bmm(flat, wt) if self.bias is None else torch.baddbmm(self.bias.unsqueeze(1), flat, wt)
        return out.reshape(*x.shape[:-1], out.shape[-1])


class _RowBatchNorm1d(nn.Module):
    """S BatchNorm1d layers on x (S, B, C): statistics over B per row; running averages as torch's (momentum m,
    unbiased variance), population statistics in eval mode."""

    def __init__(self, rows: int, bn: nn.BatchNorm1d) -> None:
        super().__init__()
        if not (bn.affine and bn.track_running_stats and bn.momentum is not None):
            raise ValueError("only affine BatchNorm1d with running statistics and a momentum can be stacked")
        c = bn.num_features
        self.eps, self.momentum = bn.eps, bn.momentum
        self.weight, self.bias = nn.Parameter(torch.empty(rows, c)), nn.Parameter(torch.empty(rows, c))
        self.running_mean: Tensor
        self.running_var: Tensor
        self.num_batches_tracked: Tensor
        self.register_buffer("running_mean", torch.zeros(rows, c))
        self.register_buffer("running_var", torch.ones(rows, c))
        self.register_buffer("num_batches_tracked", torch.zeros(rows, dtype=torch.long))

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 3:
            raise ValueError(f"stacked BatchNorm1d takes (S, B, C) inputs, got shape {tuple(x.shape)}")
        mean: Tensor
        var: Tensor
        if self.training:
            mean, var = x.mean(1), x.var(1, unbiased=False)
            with torch.no_grad():
                n = x.shape[1]
                self.running_mean.lerp_(mean.detach(), self.momentum)
                self.running_var.lerp_(var.detach() * n / max(n - 1, 1), self.momentum)
                self.num_batches_tracked.add_(1)
        else:
            mean, var = self.running_mean, self.running_var
        scale = torch.rsqrt(var.unsqueeze(1) + self.eps) * self.weight.unsqueeze(1)
        return (x - mean.unsqueeze(1)) * scale + self.bias.unsqueeze(1)


def _batched(module: nn.Module, rows: int) -> nn.Module | None:
    """The batched-weights copy of `module` for `rows` rows (values unset), or None if some part is not supported."""
    if isinstance(module, nn.Linear):
        return _RowLinear(rows, module.in_features, module.out_features, module.bias is not None)
    if isinstance(module, nn.BatchNorm1d):
        return _RowBatchNorm1d(rows, module)
    if isinstance(module, _ELEMENTWISE):
        return copy.deepcopy(module)
    if not (isinstance(module, nn.Sequential) or getattr(type(module), "row_agnostic", False)):
        return None
    if any(True for _ in module.parameters(recurse=False)) or any(True for _ in module.buffers(recurse=False)):
        return None
    clone = copy.copy(module)  # the container's own attributes; children replaced below
    clone._parameters, clone._buffers, clone._modules = {}, {}, {}
    clone._non_persistent_buffers_set = set()
    for name, child in module.named_children():
        converted = _batched(child, rows)
        if converted is None:
            return None
        clone._modules[name] = converted
    return clone


class StackedModules(nn.Module):
    """S modules of one architecture stacked: input (S, B, ...) -> output (S, B, ...), row s through module s.

    Args: modules (S ≥ 1 modules with the same parameter and buffer names and shapes; their current values are
    copied). Attributes of the first module that describe its interface (`latent_dim`, `n_particles`) are kept.
    `n_rows` is S; `row(s)` returns an independent copy of module s with its current (trained) values;
    `batched_weights` says which way the stack runs (module doc). Parameters keep the modules' order, each with
    a leading axis S, so row s of `GameOptimizer`'s flat vector is module s's.
    """

    def __init__(self, modules: Sequence[nn.Module]) -> None:
        super().__init__()
        modules = list(modules)
        if not modules or not all(isinstance(m, nn.Module) for m in modules):
            raise ValueError(f"modules must be a non-empty sequence of nn.Modules, got {modules!r}")
        shapes = [{k: tuple(v.shape) for k, v in m.state_dict(keep_vars=True).items()} for m in modules]
        if any(s != shapes[0] for s in shapes[1:]):
            raise ValueError("every stacked module must have the same parameter and buffer names and shapes")
        params, buffers = torch.func.stack_module_state(modules)
        self.n_rows = len(modules)
        self._template: list[nn.Module] = [copy.deepcopy(modules[0]).to("meta")]  # kept outside the module tree
        batched = _batched(modules[0], self.n_rows)
        self.batched_weights = batched is not None
        if batched is not None:
            self.stack = batched
            stacked = {**params, **buffers}
            names = [n for n, _ in batched.named_parameters()] + [n for n, _ in batched.named_buffers()]
            if sorted(names) != sorted(stacked):
                raise ValueError(f"cannot stack: layers {sorted(set(names) ^ set(stacked))} have no batched form")
            with torch.no_grad():
                for name, tensor in [*batched.named_parameters(), *batched.named_buffers()]:
                    value = stacked[name].detach()
                    if tuple(tensor.shape) != tuple(value.shape):
                        raise ValueError(f"{name}: batched shape {tuple(tensor.shape)} != {tuple(value.shape)}")
                    tensor.data = value.clone().to(dtype=value.dtype)
        else:
            self._param_names, self._buffer_names = list(params), list(buffers)
            for name, value in params.items():
                self.register_parameter(_key(name), nn.Parameter(value.detach().clone()))
            for name, value in buffers.items():
                self.register_buffer(_key(name), value.detach().clone())
        for attr in ("latent_dim", "n_particles"):
            if hasattr(modules[0], attr):
                setattr(self, attr, getattr(modules[0], attr))

    def _named_tensors(self) -> dict[str, Tensor]:
        """{template name: stacked tensor} for every parameter and buffer."""
        if self.batched_weights:
            return dict([*self.stack.named_parameters(), *self.stack.named_buffers()])
        return {n: getattr(self, _key(n)) for n in [*self._param_names, *self._buffer_names]}

    def forward(self, x: Tensor, *args: Any) -> Tensor:
        if x.shape[0] != self.n_rows:
            raise ValueError(f"input has {x.shape[0]} rows on its first axis, the stack has {self.n_rows} modules")
        if self.batched_weights:
            return self.stack(x, *args)
        template = self._template[0]

        def one(params: dict[str, Tensor], buffers: dict[str, Tensor], x: Tensor, *rest: Tensor) -> Tensor:
            return torch.func.functional_call(template, (params, buffers), (x, *rest))

        params = {n: getattr(self, _key(n)) for n in self._param_names}
        buffers = {n: getattr(self, _key(n)) for n in self._buffer_names}
        return torch.func.vmap(one)(params, buffers, x, *args)

    def row(self, s: int) -> nn.Module:
        """A standalone copy of module s with the stack's current values (on the stack's device, in its mode)."""
        if not 0 <= s < self.n_rows:
            raise ValueError(f"row must be in [0, {self.n_rows}), got {s}")
        tensors = self._named_tensors()
        device = next(iter(tensors.values())).device if tensors else torch.device("cpu")
        module = copy.deepcopy(self._template[0]).to_empty(device=device)
        with torch.no_grad():
            for name, tensor in [*module.named_parameters(), *module.named_buffers()]:
                tensor.copy_(tensors[name][s])
        return module.train(self.training)
