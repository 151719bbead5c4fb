"""Empirical neural tangent kernel Θ(a, a') = J(a) J(a')ᵀ, its minimum eigenvalue, and the analytic
infinite-width NTK of a two-layer ReLU network.

Seed 003, "Neural Tangent Kernel [46]": Θ(a_i, a_j) = ⟨∇_x h(a_i, x), ∇_x h(a_j, x)⟩ and, under NTK
initialisation, Θ → K_∞ as the width grows; "the minimum eigenvalue of NTK plays an important role"
(convergence rate 1 − ηλ_min(K_∞), generalisation O(1/sqrt(λ_min))). Both implementations follow the
torch.func NTK recipe: Jacobian contraction (`jacrev` + `vmap`) and NTK-vector products (`vjp` + `jvp`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import torch
from torch import Tensor, nn
from torch.func import functional_call, jacrev, jvp, vjp, vmap

from saddle.validation import check_finite, check_int, check_model_input, check_module, check_real, check_tensor

NTKMethod = Literal["jacobian", "ntvp"]


def _functional(model: nn.Module) -> tuple[Callable[[dict[str, Tensor], Tensor], Tensor], dict[str, Tensor]]:
    """f(params, a) for ONE input a (no batch dim) → flat outputs (K,), and the detached trainable params."""
    params = {k: v.detach() for k, v in model.named_parameters() if v.requires_grad}
    if not params:
        raise ValueError(f"{type(model).__name__} has no trainable parameters")
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def f(p: dict[str, Tensor], a: Tensor) -> Tensor:
        return functional_call(model, (p, buffers), (a.unsqueeze(0),)).reshape(-1)

    return f, params


def _check_inputs(model: nn.Module, x1: Tensor, x2: Tensor | None, name1: str = "x1", name2: str = "x2") -> Tensor:
    """The NTK functions' boundary: model an nn.Module that takes x1 (and x2), both finite non-empty batches (N, ...)
    with one point shape; returns x2 (x1 when None)."""
    check_module("model", model)
    check_tensor(name1, x1, ("N", ...))
    check_model_input(model, x1, "model", name1)
    if x2 is None:
        return x1
    check_tensor(name2, x2, ("N", ...))
    if x2.shape[1:] != x1.shape[1:]:
        raise ValueError(
            f"{name2} must have the same point shape as {name1} {tuple(x1.shape[1:])}, got {tuple(x2.shape)}"
        )
    check_model_input(model, x2, "model", name2)
    return x2


def parameter_jacobian(model: nn.Module, x: Tensor) -> Tensor:
    """J(a_i) = ∂f(a_i)/∂params for a batch: x (N, ...) → (N, K, P), P = number of trainable parameters.

    Batched with `vmap(jacrev)`; the parameter blocks are concatenated in `named_parameters` order.
    """
    _check_inputs(model, x, None, "x")
    f, params = _functional(model)
    jac = vmap(jacrev(f), (None, 0))(params, x)
    return torch.cat([j.flatten(2) for j in jac.values()], dim=2)


def ntk_trace(model: nn.Module, x: Tensor, chunk_size: int = 16) -> float:
    """Mean trace of the empirical NTK on the diagonal: Θ̄ = (1/N) Σ_i tr Θ(x_i, x_i) = (1/N) Σ_i ‖J(x_i)‖_F².

    For a scalar output this is mean_i ‖∇_θ h(x_i)‖², the curvature scale that sets a stable SGD step
    (η = η₀/Θ̄). x (N, ...); per-sample Jacobians are formed `chunk_size` points at a time (memory ∝ chunk·K·P).
    """
    _check_inputs(model, x, None, "x")
    chunk_size = check_int("chunk_size", chunk_size, low=1)
    f, params = _functional(model)
    per_sample = vmap(jacrev(f), (None, 0))
    total = 0.0
    for start in range(0, x.shape[0], chunk_size):
        jac = per_sample(params, x[start : start + chunk_size])
        total += sum(float(j.double().pow(2).sum()) for j in jac.values())
    return total / x.shape[0]


def empirical_ntk(
    model: nn.Module,
    x1: Tensor,
    x2: Tensor | None = None,
    method: NTKMethod = "jacobian",
    chunk_size: int | None = None,
) -> Tensor:
    """Empirical NTK Θ[i, j, a, b] = ⟨∂f_a(x1_i)/∂θ, ∂f_b(x2_j)/∂θ⟩ of shape (N1, N2, K, K).

    Jacot, Gabriel, Hongler, NeurIPS 2018 (seed 003: Θ(a_i, a_j) = ⟨∇_x h(a_i), ∇_x h(a_j)⟩).
    method "jacobian" (default): contract the vmapped per-sample Jacobians block by block.
    method "ntvp": NTK-vector products Θ e = J(x1) [J(x2)ᵀ e] with `vjp` through the batch x2 then `jvp`
    through the batch x1, vmapped over the N2·K basis cotangents e (never stores a Jacobian; `chunk_size`
    bounds how many columns are vmapped at once, default all). Needs per-sample models (no batch-coupled
    layers such as BatchNorm in training mode). x2 defaults to x1.
    """
    x2 = _check_inputs(model, x1, x2)
    f, params = _functional(model)
    if method == "jacobian":
        j1 = vmap(jacrev(f), (None, 0))(params, x1)
        j2 = j1 if x2 is x1 else vmap(jacrev(f), (None, 0))(params, x2)
        blocks = [torch.einsum("iaf,jbf->ijab", j1[k].flatten(2), j2[k].flatten(2)) for k in j1]  # one per parameter
        total = blocks[0]
        for block in blocks[1:]:
            total = total + block
        return total
    if method == "ntvp":
        product, n2, k = _ntvp(model, x1, x2)
        basis = torch.eye(n2 * k, dtype=x2.dtype, device=x2.device).reshape(n2 * k, n2, k)
        cols = vmap(product, chunk_size=chunk_size)(basis)  # [j·K + b, i, a] = Θ[i, j, a, b]
        return cols.reshape(n2, k, x1.shape[0], k).permute(2, 0, 3, 1)
    raise ValueError(f"method must be 'jacobian' or 'ntvp', got {method!r}")


def _ntvp(model: nn.Module, x1: Tensor, x2: Tensor) -> tuple[Callable[[Tensor], Tensor], int, int]:
    """(v ↦ J(x1) J(x2)ᵀ v for v (N2, K) → (N1, K), N2, K): one `vjp` through the batch x2, one `jvp` through x1."""
    _, params = _functional(model)
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def f_batch(p: dict[str, Tensor], a: Tensor) -> Tensor:  # (N, ...) -> (N, K)
        return functional_call(model, (p, buffers), (a,)).reshape(a.shape[0], -1)

    out2, vjp_fn = vjp(lambda p: f_batch(p, x2), params)[:2]

    def product(v: Tensor) -> Tensor:
        (tangent,) = vjp_fn(v)
        return jvp(lambda p: f_batch(p, x1), (params,), (tangent,))[1]

    return product, out2.shape[0], out2.shape[1]


def ntk_vector_product(model: nn.Module, x1: Tensor, v: Tensor, x2: Tensor | None = None) -> Tensor:
    """Θ v without forming Θ or a Jacobian: (Θ v)[i, a] = Σ_{j,b} Θ[i, j, a, b] v[j, b] = (J(x1) (J(x2)ᵀ v))[i, a].

    One `vjp` through the batch x2 and one `jvp` through x1 (≈ three forward passes, memory of one backward):
    the way to use the NTK of a wide net (P parameters) on N points without the N·K·P Jacobian, e.g. in
    a Lanczos eigensolver. v: (N2, K) with K the model's flattened output size; returns (N1, K).
    """
    x2 = _check_inputs(model, x1, x2)
    product, n2, k = _ntvp(model, x1, x2)
    check_tensor("v", v)
    if tuple(v.shape) != (n2, k):
        raise ValueError(f"v must have shape (N2, K) = ({n2}, {k}), got {tuple(v.shape)}")
    return product(v.to(x2.dtype))


def ntk_matrix(theta: Tensor, outputs: Literal["full", "trace"] = "full") -> Tensor:
    """Flatten Θ (N1, N2, K, K) to the Gram matrix (N1·K, N2·K) ("full", row index i·K + a), or sum
    the per-output kernels Σ_a Θ[i, j, a, a] to (N1, N2) ("trace")."""
    check_tensor("theta", theta, ("N1", "N2", "K", "K"))
    if outputs == "trace":
        return torch.diagonal(theta, dim1=2, dim2=3).sum(-1)
    if outputs == "full":
        n1, n2, k1, k2 = theta.shape
        return theta.permute(0, 2, 1, 3).reshape(n1 * k1, n2 * k2)
    raise ValueError(f"outputs must be 'full' or 'trace', got {outputs!r}")


def ntk_min_eigenvalue(
    model: nn.Module, x: Tensor, outputs: Literal["full", "trace"] = "full", method: NTKMethod = "jacobian"
) -> float:
    """λ_min of the empirical NTK Gram matrix on the batch x (eigvalsh of its symmetric part, float64).

    Seed 003: "the minimum eigenvalue of NTK plays an important role"; Eigen-NAS ranks by it.
    outputs "full" uses the (N·K, N·K) matrix, "trace" the (N, N) sum over outputs. With the default
    method "jacobian" the Gram matrix is one matmul of the vmapped Jacobian (N, K, P) with itself.
    """
    if method == "jacobian":
        j = parameter_jacobian(model, x)
        if outputs == "trace":
            g = torch.bmm(j.transpose(0, 1), j.permute(1, 2, 0)).sum(0)
        elif outputs == "full":
            jf = j.reshape(-1, j.shape[-1])
            g = jf @ jf.T
        else:
            raise ValueError(f"outputs must be 'full' or 'trace', got {outputs!r}")
    else:
        g = ntk_matrix(empirical_ntk(model, x, method=method), outputs)
    g = check_finite("the NTK Gram matrix of model on x", g.to(torch.float64))  # (eigvalsh on NaN can abort)
    return float(torch.linalg.eigvalsh((g + g.T) / 2)[0])


def two_layer_relu_ntk(x1: Tensor, x2: Tensor | None = None, w_var: float = 1.0, v_var: float = 1.0) -> Tensor:
    """Infinite-width NTK of f(a) = (1/sqrt(m)) Σ_r v_r relu(w_rᵀ a), w_r ~ N(0, w_var I), v_r ~ N(0, v_var),
    both layers trained: (N1, N2).

    Θ_∞(a, a') = v_var ⟨a, a'⟩ (π − θ)/(2π) + w_var ‖a‖‖a'‖ (sin θ + (π − θ) cos θ)/(2π),  θ = ∠(a, a'),
    from the arc-cosine kernels of order 0 and 1 (Cho & Saul 2009; Jacot et al. 2018; Arora et al. 2019).
    For finite m the empirical NTK is an average of m i.i.d. terms with exactly this mean.
    """
    sizes: dict[str, int] = {}
    check_tensor("x1", x1, ("N1", "p"), sizes=sizes)
    x2 = x1 if x2 is None else check_tensor("x2 (the dimension p of x1)", x2, ("N2", "p"), sizes=sizes)
    dtype = torch.promote_types(x1.dtype, x2.dtype)
    x1, x2 = x1.to(dtype), x2.to(dtype)
    for name, v in (("w_var", w_var), ("v_var", v_var)):
        check_real(name, v, low_open=False, high_open=True)
    dot = x1 @ x2.T
    norms = x1.norm(dim=1)[:, None] * x2.norm(dim=1)[None, :]
    cos = torch.where(norms > 0, dot / norms.clamp_min(torch.finfo(dot.dtype).tiny), torch.zeros_like(dot)).clamp(-1, 1)
    theta = torch.arccos(cos)
    k0 = (math.pi - theta) / (2 * math.pi)
    k1 = (torch.sin(theta) + (math.pi - theta) * cos) / (2 * math.pi)
    return v_var * dot * k0 + w_var * norms * k1


def kernel_regression_residuals(theta: Tensor, residual: Tensor, step_size: float, steps: int) -> Tensor:
    """Residuals r_t = (I − ηΘ)^t r_0, t = 0..steps, of gradient descent on ½‖h − b‖² in the linearised (NTK) regime.

    Seed 003, "Under the squared loss, the dynamics of h(a, x) is equivalent to kernel regression": with a constant
    kernel Θ (N·K, N·K) (`ntk_matrix(empirical_ntk(...))`), one gradient step of size η on the parameters moves the
    outputs by −ηΘ r (Jacot et al. 2018; Lee et al. 2019, "wide networks evolve as linear models"); so the loss is
    ½‖(I − ηΘ)^t r_0‖² ≤ (1 − ηλ_min)^{2t} ½‖r_0‖² when ηλ_max ≤ 1. residual: (N·K,) = h(x_0) − b flattened.
    Returns (steps + 1, N·K), float64.
    """
    theta = torch.as_tensor(theta, dtype=torch.float64)
    r = torch.as_tensor(residual, dtype=torch.float64).reshape(-1)
    if theta.ndim != 2 or theta.shape != (r.numel(), r.numel()):
        raise ValueError(
            f"theta must be a square (N·K, N·K) matrix matching the residual {tuple(r.shape)}, got {tuple(theta.shape)}"
        )
    check_real("step_size", step_size, high_open=True)
    check_int("steps", steps, low=0)
    step = torch.eye(r.numel(), dtype=torch.float64, device=theta.device) - step_size * theta
    out = [r]
    for _ in range(steps):
        out.append(step @ out[-1])
    return torch.stack(out)
