"""The initialisation table of the notes and the activation/gradient scales it produces, layer by layer.

Reproduces seeds 000/002/003, table "Some commonly used initializations in neural networks"
(LeCun, He, NTK, Xavier, mean-field, E et al.: β₁², β², β_L², α) for the notes' L-layer ReLU network,
and checks it against the classical signal-propagation recursion for ReLU with N(0, β_l²) weights:
E[‖h^{(l)}‖² | h^{(l−1)}] = m_l β_l² ‖h^{(l−1)}‖² / 2 (He et al. 2015), i.e. a factor m β²/2 per layer:
1 for He and NTK (activations keep their scale), 1/2 for LeCun and Xavier (they shrink by √2 per layer,
the (√2/2)^{L−2} of the notes' perturbation-stability bound), m/2 for mean-field and E et al. (they blow up).

Setup: the notes' network with `depth` weight matrices of width `width` on the 360 digits test images
(p = 64). Hidden activations are exactly the notes'; the read-out is linear so that output gradients are
not masked by the last ReLU. Measured per layer: the root-mean-square activation sqrt(‖h^{(l)}‖²/m_l)
(against the recursion's prediction from the actual input norms), the gradient norm ‖∂(Σ_i h(a_i))/∂X_l‖_F
averaged per image, and the input-gradient norm ‖∇_a h(a)‖₂ (what perturbation stability integrates).

Expected outcome: each measured layer ratio ‖h^{(l)}‖²/‖h^{(l−1)}‖² divided by m β_l²/2 has mean 1
(metric `layer_ratio_over_prediction`, pooled over layers and seeds, with its standard error; these
ratios are martingale increments, so the SE is valid), with the per-layer factors above. Single
networks drift from the recursion's curve (the product of L random factors), which the dashed lines show.
With the same seed the six rows differ only by per-layer constant factors (a bias-free ReLU net is
positively homogeneous in each X_l), so their normalised ratios coincide: one draw, six scalings.

Measured at full size (m = 1024, L = 10, 4 seeds): hidden-layer rms factors 0.7070 (LeCun, Xavier),
0.99985 (He, NTK), 22.62 (mean-field, E et al.; √(m/2) = 22.63); layer ratio / prediction 1.003 ± 0.011.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from saddle.data import load_digits
from saddle.experiments.base import Claim, Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.metrics.stats import MeanSE, geometric_mean, mean_se
from saddle.robustness.stability import input_jacobian
from saddle.theory import INIT_NAMES, FullyConnectedReLU, init_table, signal_propagation


@dataclass
class Config(ExperimentConfig):
    width: int = 1024
    depth: int = 10
    beta_c: float = 0.1
    seeds: int = 4

    def validate(self) -> None:
        check_positive(self, "width", "beta_c", "seeds")
        if self.depth < 2:
            raise ValueError(f"depth must be >= 2 weight matrices, got {self.depth}")


def run(config: Config, out: RunOutput) -> dict:
    dev = torch.device(config.device)
    _, test = load_digits()
    a = test.x.flatten(1).to(dev)
    p, m, L = a.shape[1], config.width, config.depth
    table = {
        s.name: {"beta1_sq": s.beta1_sq, "beta_sq": s.beta_sq, "betaL_sq": s.betaL_sq, "alpha": s.alpha}
        for s in init_table(p, m, k=1, beta_c=config.beta_c)
    }
    out.save_json("init_table", table)
    lines = [f"{'init':<11} {'beta1^2':>10} {'beta^2':>10} {'betaL^2':>10} {'alpha':>7}"]
    lines += [
        f"{n:<11} {r['beta1_sq']:>10.4g} {r['beta_sq']:>10.4g} {r['betaL_sq']:>10.4g} {r['alpha']:>7g}"
        for n, r in table.items()
    ]
    out.log.info(f"initialisation table for p={p}, m={m}:\n" + "\n".join(lines))

    rms, pred, grads, in_grad, ratio_mean, ratio_se, factors = {}, {}, {}, {}, {}, {}, {}
    for name in INIT_NAMES:
        r_meas, r_pred, g_meas, ig, normalised = [], [], [], [], []
        for s in range(config.seeds):
            net = FullyConnectedReLU(
                [p] + [m] * (L - 1) + [1],
                init=name,
                beta_c=config.beta_c,
                output_activation=False,
                generator=torch.Generator().manual_seed(config.seed * 1000 + s),
            ).to(dev)
            sp = signal_propagation(net, a)
            normalised += sp.ratio_over_prediction
            r_meas.append(sp.rms)
            r_pred.append(sp.rms_predicted)
            g_meas.append(sp.weight_gradient_norms)
            ig.append(input_jacobian(net, a).flatten(1).norm(dim=1).mean().item())
        # per seed, the geometric-mean rms factor per hidden layer (layer 1 to L − 1)
        factors[name] = mean_se([(r[-1] / r[1]) ** (1 / max(L - 2, 1)) for r in r_meas])
        rms[name] = np.asarray(geometric_mean(r_meas, axis=0)).tolist()  # over seeds
        pred[name] = np.asarray(geometric_mean(r_pred, axis=0)).tolist()
        grads[name] = np.asarray(geometric_mean(g_meas, axis=0)).tolist()
        in_grad[name] = geometric_mean(ig)
        ratio = mean_se(normalised)
        ratio_mean[name], ratio_se[name] = ratio.mean, ratio.se
        out.log.info(
            f"{name}: rms activation by layer {[f'{v:.3g}' for v in rms[name]]}, "
            f"input-gradient norm {in_grad[name]:.3g}, layer ratio / (m beta^2/2) = "
            f"{ratio_mean[name]:.4f} +- {ratio_se[name]:.4f}"
        )

    z = {n: (ratio_mean[n] - 1) / ratio_se[n] for n in INIT_NAMES}
    metrics = {
        "table": table,
        "rms_activation": rms,
        "rms_activation_predicted": pred,
        "weight_gradient_norm": grads,
        "input_gradient_norm": in_grad,
        "hidden_layer_rms_factor": factors,
        "he_rms_factor_off_one": MeanSE(abs(factors["he"].mean - 1), factors["he"].se, factors["he"].n),
        "layer_ratio_over_prediction": ratio_mean,
        "layer_ratio_over_prediction_se": ratio_se,
        "recursion_z": z,
        "recursion_max_abs_z": max(abs(v) for v in z.values()),
    }

    _figure(out, rms, pred, grads, in_grad, p, m, L)
    return metrics


def _figure(out: RunOutput, rms: dict, pred: dict, grads: dict, in_grad: dict, p: int, m: int, L: int) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    layers = list(range(L))
    for name in INIT_NAMES:
        (line,) = axes[0].plot(layers, rms[name], "o-", ms=3, label=name)
        axes[0].plot(layers, pred[name], "--", color=line.get_color(), alpha=0.6)
        axes[1].plot(range(1, L + 1), grads[name], "o-", ms=3, color=line.get_color(), label=name)
    axes[0].set_yscale("log")
    axes[0].set_xlabel("layer l")
    axes[0].set_ylabel("rms activation of h^(l)")
    axes[0].set_title("activations (dashed: m β²/2 recursion)")
    axes[1].set_yscale("log")
    axes[1].set_xlabel("layer l")
    axes[1].set_ylabel("‖∂h/∂X_l‖_F per image")
    axes[1].set_title("weight gradients")
    axes[0].legend(fontsize=7)
    axes[2].bar(range(len(INIT_NAMES)), [in_grad[n] for n in INIT_NAMES])
    axes[2].set_xticks(range(len(INIT_NAMES)), INIT_NAMES, rotation=30, fontsize=8)
    axes[2].set_yscale("log")
    axes[2].set_title("input-gradient norm ‖∇_a h(a)‖")
    out.savefig(
        fig,
        "init_scales",
        f"Scales at initialisation of the notes' ReLU network (p={p}, m={m}, L={L}) on digits for each "
        "row of the initialisation table: activations per layer (solid: measured, dashed: the ReLU "
        "recursion E‖h^(l)‖² = m β² ‖h^(l-1)‖²/2), weight-gradient norms per layer, and the "
        "input-gradient norm that drives perturbation stability.",
    )


_INIT = "seeds 000/002/003, table 'Some commonly used initializations in neural networks'"
CLAIMS = (
    Claim(
        "recursion",
        "each layer ratio ‖h_l‖²/‖h_{l−1}‖² has mean m β_l²/2 (every row within 5 SE: |z| < 5)",
        _INIT,
        "recursion_max_abs_z",
        "<",
        5.0,
    ),
    Claim(
        "he_keeps_scale",
        "He keeps the activations' scale: rms factor per hidden layer 1 ± 0.1 (mean ± SE over seeds)",
        _INIT,
        "he_rms_factor_off_one",
        "<",
        0.1,
        sigmas=2.0,
        min_n=2,
    ),
    Claim(
        "lecun_shrinks",
        "LeCun shrinks the activations (factor 1/√2 per layer): rms factor < 0.8",
        _INIT,
        "hidden_layer_rms_factor.lecun",
        "<",
        0.8,
        sigmas=2.0,
        min_n=2,
    ),
    Claim(
        "mean_field_blows_up",
        "mean-field blows the activations up (factor √(m/2) per layer): rms factor > 2",
        _INIT,
        "hidden_layer_rms_factor.mean_field",
        ">",
        2.0,
        sigmas=2.0,
        min_n=2,
    ),
)


EXPERIMENT = Experiment(
    claims=CLAIMS,
    name="init_table",
    summary="the notes' initialisation table (LeCun, He, NTK, Xavier, mean-field, E et al.) and its layer scales",
    config=Config,
    run=run,
    quick={"width": 256, "depth": 8, "seeds": 2},
    reproduces="seeds 000/002/003, table 'Some commonly used initializations in neural networks'",
)
