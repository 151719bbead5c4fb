"""The notes' L-layer fully connected ReLU network without biases, h(a) = σ(X_L h^{(L−1)}(a))/α.

Seeds 000/002/003, "(L-Layer NN)": h^{(0)}(a) = a, h^{(l)}(a) = σ(X_l h^{(l−1)}(a)) and
h_x(a) = h^{(L)}(a) = σ(X_L h^{(L−1)}(a))/α with σ = ReLU and x = [X_1, ..., X_L].
In the notes the last layer *does* carry the activation (the output is ≥ 0); this is the
default here. `output_activation=False` gives the linear read-out X_L h^{(L−1)}/α used by the
NTK / mean-field literature (Chizat, Oyallon, Bach 2019) and needed for logits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from saddle.theory.init import InitScheme, init_scheme
from saddle.validation import as_generator, check_int, check_real, check_tensor


def _check_widths(widths: Sequence[int]) -> list[int]:
    widths = list(widths)
    if len(widths) < 3:
        raise ValueError(
            f"widths must list p, at least one hidden width m and the output size "
            f"(length >= 3, i.e. L >= 2 layers), got {widths!r}"
        )
    return [check_int(f"widths[{i}]", w) for i, w in enumerate(widths)]


def _check_positive_list(name: str, values: Sequence[float], n: int, allow_zero: bool) -> list[float]:
    if len(values) != n:
        raise ValueError(f"{name} must have one entry per layer ({n}), got {len(values)}")
    return [check_real(f"{name}[{i}]", v, low_open=not allow_zero, high_open=True) for i, v in enumerate(values)]


class FullyConnectedReLU(nn.Module):
    """L-layer bias-free ReLU network of the notes with weights X_1..X_L and output scale 1/α.

    h(a) = σ(X_L σ(X_{L−1} ⋯ σ(X_1 a)))/α  (seeds 000/002/003, "(L-Layer NN)").

    Args:
        widths: [p, m_1, ..., m_{L−1}, k]; X_l has shape (widths[l], widths[l−1]); L = len(widths) − 1 ≥ 2.
        init: a row of the initialisation table (`saddle.theory.init.INIT_NAMES`: "lecun", "he",
            "ntk", "xavier", "mean_field", "e_et_al"; table rows need equal hidden widths m), or a
            sequence of L per-layer entry variances. Default "he".
        alpha: output scale α; None takes the table's α (m for mean-field, else 1; 1 for variances).
        generator: torch.Generator for the Gaussian initial weights (same seed → same network).
        output_activation: apply σ to the last layer as in the notes (default True).
        beta_c: β_c of the E et al. row (only for init="e_et_al").
        multipliers: per-layer constants c_l (default all 1); the layer uses X_l = c_l · W_l with W_l the
            trainable parameter (abc-parametrisation, `saddle.theory.parametrization`).

    Input a: (N, p), (N, *shape) with prod(shape) = p (flattened), or (p,). Output: (N, k) (or (k,)).
    Attributes: `weights` (effective X_1..X_L, each (out, in)), `alpha`, `widths`, `depth`, `scheme`.
    """

    def __init__(
        self,
        widths: Sequence[int],
        init: str | Sequence[float] = "he",
        alpha: float | None = None,
        generator: torch.Generator | int | None = None,
        *,
        output_activation: bool = True,
        beta_c: float | None = None,
        multipliers: Sequence[float] | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        self.widths = _check_widths(widths)
        generator = as_generator(generator)
        self.depth = len(self.widths) - 1
        self.scheme: InitScheme | None = None
        if isinstance(init, str):
            hidden = self.widths[1:-1]
            if len(set(hidden)) != 1:
                raise ValueError(
                    f"table initialisation {init!r} needs equal hidden widths m, got {hidden!r}; "
                    f"pass per-layer variances instead"
                )
            self.scheme = init_scheme(init, p=self.widths[0], m=hidden[0], k=self.widths[-1], beta_c=beta_c)
            variances = self.scheme.layer_variances(self.depth)
            default_alpha = self.scheme.alpha
        else:
            variances = _check_positive_list("init variances", init, self.depth, allow_zero=True)
            default_alpha = 1.0
        self.init_variances = variances
        alpha = default_alpha if alpha is None else alpha
        self.alpha = check_real("alpha", alpha, high_open=True)
        self.multipliers = (
            [1.0] * self.depth
            if multipliers is None
            else _check_positive_list("multipliers", multipliers, self.depth, allow_zero=False)
        )
        self.output_activation = bool(output_activation)
        for k, (fan_out, fan_in, var) in enumerate(zip(self.widths[1:], self.widths[:-1], variances), start=1):
            w = torch.randn(fan_out, fan_in, generator=generator, dtype=dtype) * math.sqrt(var)
            self.register_parameter(f"X{k}", nn.Parameter(w))

    @property
    def params(self) -> list[nn.Parameter]:
        """The trainable parameters W_1..W_L in layer order (equal to `weights` when all multipliers are 1)."""
        return [getattr(self, f"X{k}") for k in range(1, self.depth + 1)]

    @property
    def weights(self) -> list[Tensor]:
        """Effective weight matrices X_l = c_l W_l in layer order, each (out, in); the parameters themselves if c_l = 1."""
        return [w if c == 1.0 else c * w for w, c in zip(self.params, self.multipliers)]

    def _flatten(self, a: Tensor) -> tuple[Tensor, bool]:
        check_tensor("a", a, finite=False, nonempty=False)
        if a.dtype != self.params[0].dtype:
            raise ValueError(f"a must have the network's dtype {self.params[0].dtype}, got {a.dtype}")
        single = a.dim() == 1
        a = a.unsqueeze(0) if single else a.flatten(1)
        if a.shape[1] != self.widths[0]:
            raise ValueError(
                f"a has {a.shape[1]} features per point (shape {tuple(a.shape)}), the network expects p = {self.widths[0]}"
            )
        return a, single

    def activations(self, a: Tensor) -> list[Tensor]:
        """[h^{(0)}(a), ..., h^{(L)}(a)], each (N, widths[l]); the last one includes the 1/α scale."""
        h, single = self._flatten(a)
        hs = [h]
        for k, x in enumerate(self.weights, start=1):
            z = h @ x.T
            h = torch.relu(z) if (k < self.depth or self.output_activation) else z
            hs.append(h)
        hs[-1] = hs[-1] / self.alpha
        return [t.squeeze(0) for t in hs] if single else hs

    def forward(self, a: Tensor) -> Tensor:
        """h_x(a) of shape (N, k) for a of shape (N, p) or (N, *shape); (k,) for a single point (p,)."""
        return self.activations(a)[-1]

    def extra_repr(self) -> str:
        name = self.scheme.name if self.scheme is not None else "custom"
        return f"widths={self.widths}, init={name}, alpha={self.alpha:g}, output_activation={self.output_activation}"


@dataclass(frozen=True)
class SignalPropagation:
    """Scales of a `FullyConnectedReLU` at initialisation on inputs a (what `signal_propagation` returns).

    rms: rms activation sqrt(E_a‖h^(l)‖²/m_l) of h^(0..L−1); rms_predicted: the same by the ReLU recursion
    E‖h^(l)‖² = m_l β_l² E‖h^(l−1)‖²/2 started from the measured h^(0); ratio_over_prediction: per hidden layer
    l = 1..L−1, (E‖h^(l)‖²/E‖h^(l−1)‖²)/(m_l β_l²/2), whose expectation over the weights is exactly 1;
    weight_gradient_norms: ‖∂Σ_i h(a_i)/∂W_l‖_F / N per weight matrix.
    """

    rms: list[float]
    rms_predicted: list[float]
    ratio_over_prediction: list[float]
    weight_gradient_norms: list[float]


def signal_propagation(net: FullyConnectedReLU, a: Tensor) -> SignalPropagation:
    """Forward and backward scales of `net` on the inputs a (N, p) against the ReLU variance recursion.

    The recursion E[‖h^(l)‖² | h^(l−1)] = m_l β_l² ‖h^(l−1)‖²/2 is the reason behind He's β² = 2/m (He et al. 2015,
    §2.2; the notes' initialisation table): each layer keeps the scale when m β²/2 = 1.
    """
    if not isinstance(net, FullyConnectedReLU):
        raise ValueError(f"net must be a FullyConnectedReLU, got {type(net).__name__}")
    with torch.no_grad():
        hs = net.activations(a)[:-1]  # h^(0..L-1)
    sq = [h.pow(2).sum(1).mean().item() for h in hs]  # E_a ‖h^(l)‖²
    predicted = [sq[0]]
    ratios = []
    for layer in range(1, net.depth):
        factor = hs[layer].shape[1] * net.init_variances[layer - 1] / 2
        predicted.append(predicted[-1] * factor)
        ratios.append(sq[layer] / sq[layer - 1] / factor)  # conditional mean exactly 1
    grads = torch.autograd.grad(net(a).sum(), net.params)
    return SignalPropagation(
        rms=[math.sqrt(q / h.shape[1]) for q, h in zip(sq, hs)],
        rms_predicted=[math.sqrt(q / h.shape[1]) for q, h in zip(predicted, hs)],
        ratio_over_prediction=ratios,
        weight_gradient_norms=[g.norm().item() / len(a) for g in grads],
    )
