"""Lipschitz constant estimators side by side, and the certified-vs-attacked robustness sandwich.

Reproduces seed 000/002, "Robustness in deep learning: estimation of Lipschitz constant" (the table
comparing Product: any norm, "bad"; LipSDP [28]: l2, "good"; LipMIP [42]: exact) and the remark
"Lipschitz constant can be used to describe the worst-case robustness" / "worst-case robustness
certification".

Part 1: on random tiny ReLU nets (widths `tiny_widths`, Gaussian weights and biases) every estimator is
computed on the same net: the ascent lower bound, the exact value (activation-region enumeration), LipSDP
(l2) and the product of operator norms (l2 and, for p = 1, ∞, exact vs product). Expected outcome: for
every net lower ≤ exact ≤ LipSDP ≤ product, LipSDP much closer to the exact value than the product. "Closer" is
decided over the random nets as a statistic: the per-net log-ratio log(product/exact) − log(LipSDP/exact) =
log(product/LipSDP), mean ± SE over `n_nets` nets, must exceed 0 by 2 SE (5 nets at least; the default draws 6).
Part 2: a ReLU MLP trained on the 8×8 digits; l2 robust error per ε from an l2 PGD attack (lower bound)
and from the Lipschitz margin certificate margin > sqrt(2)·L·ε (upper bound, Tsuzuku et al. 2018) with L
from LipSDP. Expected outcome: attacked ≤ certified at every ε, with a gap that grows with ε (the
certificate is loose: L bounds the worst direction everywhere, the attack probes one point).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import torch

from saddle.data import load_digits
from saddle.experiments.base import Claim, Experiment, ExperimentConfig, RunOutput, check_positive
from saddle.metrics.stats import mean_se
from saddle.models import DigitsMLP, build_seeded
from saddle.models.classifiers import accuracy
from saddle.progress import progress_range
from saddle.robustness.lipschitz import (
    ReLULayers,
    lipschitz_exact_relu,
    lipschitz_lower_bound,
    lipschitz_upper_bound_product,
    relu_regions,
    spectral_norm_power_iteration,
)
from saddle.robustness.lipsdp import lipschitz_upper_bound_sdp
from saddle.robustness.sandwich import robustness_sandwich
from saddle.train.erm import train_classifier


@dataclass
class Config(ExperimentConfig):
    n_nets: int = 6
    tiny_widths: tuple[int, ...] = (2, 6, 5, 1)
    ascent_starts: int = 32
    ascent_steps: int = 100
    hidden: int = 32
    epochs: int = 20
    n_test: int = 360
    eps: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
    attack_steps: int = 20

    def validate(self) -> None:
        check_positive(self, "n_nets", "tiny_widths", "ascent_starts", "hidden", "n_test", "attack_steps")
        check_positive(self, "ascent_steps", "epochs", "eps", allow_zero=True)
        if len(self.tiny_widths) < 3:
            raise ValueError(
                f"tiny_widths needs input, at least one hidden and an output size, got {self.tiny_widths!r}"
            )
        if sum(self.tiny_widths[1:-1]) > 16:
            raise ValueError(f"tiny nets need at most 16 hidden units for exact enumeration, got {self.tiny_widths!r}")
        if self.n_test > 360:
            raise ValueError(f"n_test must be <= 360 (digits test set), got {self.n_test}")


def _tiny_net(widths: tuple[int, ...], gen: torch.Generator) -> ReLULayers:
    ws = tuple(torch.randn(o, i, generator=gen, dtype=torch.float64) / math.sqrt(i) for i, o in pairwise(widths))
    bs = tuple(0.5 * torch.randn(o, generator=gen, dtype=torch.float64) for o in widths[1:])
    return ReLULayers(ws, bs)


def _estimates(config: Config, net: ReLULayers, gen: torch.Generator, i: int) -> dict[str, Any]:
    """Every Lipschitz estimator on one tiny net: exact (regions), product, ascent lower bound for l2, l1, l∞;
    LipSDP (l2) and the power-iteration product."""
    row: dict[str, Any] = {"net": i}
    regions = relu_regions(net)
    row["regions"] = len(regions.patterns)
    for p, name in ((2, "l2"), (1, "l1"), (math.inf, "linf")):
        row[f"exact_{name}"] = lipschitz_exact_relu(net, p, regions=regions).value
        row[f"product_{name}"] = lipschitz_upper_bound_product(net, p)
        row[f"lower_{name}"] = lipschitz_lower_bound(
            net, config.tiny_widths[0], p, starts=config.ascent_starts, steps=config.ascent_steps, generator=gen
        )
    sdp = lipschitz_upper_bound_sdp(net)
    row["lipsdp_l2"], row["lipsdp_certified"] = sdp.bound, sdp.certified
    row["power_iteration_product_upper"] = math.prod(
        spectral_norm_power_iteration(w, generator=gen).upper for w in net.weights
    )
    return row


def run(config: Config, out: RunOutput) -> dict:
    gen = torch.Generator().manual_seed(config.seed)
    rows = []
    for i in progress_range(config.n_nets, desc="tiny nets"):
        net = _tiny_net(config.tiny_widths, gen)
        row = _estimates(config, net, gen, i)
        out.log.info(
            f"net {i}: lower {row['lower_l2']:.3f} <= exact {row['exact_l2']:.3f} <= LipSDP "
            f"{row['lipsdp_l2']:.3f} <= product {row['product_l2']:.3f}"
        )
        rows.append(row)

    tol = 1e-6  # relative slack for the SDP solver (SCS eps 1e-7) in LipSDP <= product
    ordered = all(
        r["lower_l2"] <= r["exact_l2"] * (1 + 1e-9) <= r["lipsdp_l2"] * (1 + 1e-9)
        and r["lipsdp_l2"] <= r["product_l2"] * (1 + tol)
        for r in rows
    )
    ordered_lp = all(
        r[f"lower_{n}"] <= r[f"exact_{n}"] * (1 + 1e-9) <= r[f"product_{n}"] * (1 + 1e-9)
        for r in rows
        for n in ("l1", "linf")
    )
    ratio = {k: float(np.mean([r[k] / r["exact_l2"] for r in rows])) for k in ("lower_l2", "lipsdp_l2", "product_l2")}
    # paired per net: how far the product sits above LipSDP, on a log scale (0 iff equally tight)
    log_gap = mean_se([math.log(r["product_l2"] / r["lipsdp_l2"]) for r in rows])

    # part 2: trained digits MLP
    train, test = load_digits()
    dev = torch.device(config.device)
    model = build_seeded(lambda: DigitsMLP(hidden=(config.hidden,)), torch.Generator().manual_seed(config.seed), dev)
    train_classifier(model, train.x.to(dev), train.y.to(dev), epochs=config.epochs, seed=config.seed, desc="MLP")
    x, y = test.x[: config.n_test].to(dev), test.y[: config.n_test].to(dev)
    sdp = lipschitz_upper_bound_sdp(model)
    product = lipschitz_upper_bound_product(model, 2)
    lower = lipschitz_lower_bound(model, 64, 2, starts=config.ascent_starts, steps=config.ascent_steps, generator=gen)
    lip = sdp.bound if sdp.certified else product
    sandwich = robustness_sandwich(
        model,
        x.flatten(1),
        y,
        config.eps,
        lipschitz=lip,
        steps=config.attack_steps,
        generator=torch.Generator(device=dev).manual_seed(config.seed),
    )
    sw = sandwich.as_dict()
    out.log.info(
        f"digits MLP: test accuracy {accuracy(model, x, y):.3f}, L lower {lower:.3f}, LipSDP {sdp.bound:.3f}, "
        f"product {product:.3f}"
    )

    _figure(config, out, rows, sw, lip, ratio, len(y))
    return {
        "tiny_nets": rows,
        "mean_ratio_to_exact": ratio,
        "log_product_over_lipsdp": log_gap,
        "digits_mlp": {
            "test_accuracy": accuracy(model, x, y),
            "lower": lower,
            "lipsdp": sdp.bound,
            "lipsdp_certified": sdp.certified,
            "product": product,
        },
        "sandwich": sw,
        "claims": {
            "lower <= exact <= LipSDP <= product (l2) on every net": ordered,
            "lower <= exact <= product (l1, linf) on every net": ordered_lp,
            "attacked <= certified robust error at every eps": all(
                r.attacked_error <= r.certified_error for r in sandwich.rows
            ),
        },
    }


def _figure(
    config: Config, out: RunOutput, rows: list[dict], sw: dict, lip: float, ratio: dict[str, float], n_test: int
) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    idx = np.arange(len(rows))
    for k, (key, label) in enumerate(
        (
            ("lower_l2", "ascent lower bound"),
            ("exact_l2", "exact (regions)"),
            ("lipsdp_l2", "LipSDP"),
            ("product_l2", "product of ‖W‖₂"),
        )
    ):
        axes[0].bar(idx + (k - 1.5) * 0.2, [r[key] for r in rows], width=0.2, label=label)
    axes[0].set_yscale("log")
    axes[0].set_xlabel("random tiny ReLU net")
    axes[0].set_ylabel("l2 Lipschitz estimate")
    axes[0].legend(fontsize=8)
    axes[1].plot(sw["eps"], sw["attacked_error"], "o-", label="attacked (l2 PGD): lower bound")
    axes[1].plot(sw["eps"], sw["certified_error"], "s-", label=f"certified (margin > √2·L·ε, L={lip:.2f}): upper bound")
    axes[1].fill_between(
        sw["eps"], sw["attacked_error"], sw["certified_error"], alpha=0.2, label="true robust error lies here"
    )
    axes[1].set_xlabel("l2 radius ε")
    axes[1].set_ylabel("robust error")
    axes[1].legend(fontsize=8)
    out.savefig(
        fig,
        "lipschitz_sandwich",
        f"Left: l2 Lipschitz constant of {len(rows)} random ReLU nets {list(config.tiny_widths)} by four "
        f"estimators; lower ≤ exact ≤ LipSDP ≤ product on every net (LipSDP/exact = {ratio['lipsdp_l2']:.2f}, "
        f"product/exact = {ratio['product_l2']:.2f} on average). Right: robust error of a digits MLP "
        f"(hidden {config.hidden}) on {n_test} test images, attacked vs Lipschitz-certified.",
    )


_LIP = "seeds 000/002, table 'comparison of methods for Lipschitz constant estimation'"
_CERT = "seeds 000/002, 'Lipschitz constant can be used to describe the worst-case robustness'"
CLAIMS = (
    Claim(
        "ordering_l2",
        "lower ≤ exact ≤ LipSDP ≤ product (l2) on every net",
        _LIP,
        "claims.lower <= exact <= LipSDP <= product (l2) on every net",
        "is_true",
    ),
    Claim(
        "ordering_l1_linf",
        "lower ≤ exact ≤ product (l1, l∞) on every net",
        _LIP,
        "claims.lower <= exact <= product (l1, linf) on every net",
        "is_true",
    ),
    Claim(
        "lipsdp_good_product_bad",
        "LipSDP is closer to the exact constant than the product of norms (per-net log(product/LipSDP) > 0 by 2 SE)",
        _LIP,
        "log_product_over_lipsdp",
        ">",
        0.0,
        sigmas=2.0,
        min_n=5,
    ),
    Claim(
        "certified_sandwich",
        "attacked robust error ≤ Lipschitz-certified robust error at every ε",
        _CERT,
        "claims.attacked <= certified robust error at every eps",
        "is_true",
    ),
)


EXPERIMENT = Experiment(
    claims=CLAIMS,
    name="lipschitz",
    summary="Lipschitz estimators (lower, exact, LipSDP, product) and the attacked-vs-certified robustness sandwich",
    config=Config,
    run=run,
    quick={
        "n_nets": 5,
        "ascent_starts": 16,
        "ascent_steps": 40,
        "hidden": 16,
        "epochs": 10,
        "n_test": 200,
        "eps": (0.0, 0.25, 0.5, 1.0),
        "attack_steps": 10,
    },
    reproduces="seeds 000/002, table 'comparison of methods for Lipschitz constant estimation' and worst-case certification",
)
