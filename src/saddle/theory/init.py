"""The initialisation table of the notes: weight variances β₁², β², β_L² and output scale α.

Seeds 000/002/003, table "Some commonly used initializations in neural networks", for the
L-layer ReLU network h(a) = σ(X_L h^{(L−1)}(a))/α with X_1 ∈ R^{m×p}, X_l ∈ R^{m×m}, X_L ∈ R^{1×m}
and X_1 ~ N(0, β₁²), X_l ~ N(0, β²) (2 ≤ l ≤ L−1), X_L ~ N(0, β_L²) entrywise:

    name        β₁²        β²      β_L²        α
    LeCun       1/p        1/m     1/m         1      (LeCun et al. 1998)
    He          2/p        2/m     2/m         1      (He et al. 2015)
    NTK         2/m        2/m     1           1      (Allen-Zhu, Li, Song 2019)
    Xavier      2/(m+p)    1/m     2/(m+1)     1      (Glorot & Bengio 2010)
    Mean-field  1          1       1           m      (Mei, Montanari, Nguyen 2018)
    E et al.    1          1       β_c²        1      (E, Ma, Wu 2020)

The table is written for a scalar output (k = 1). For k outputs the only entries that
mention the output size are generalised as in the cited papers: Xavier β_L² = 2/(m+k)
(fan-in plus fan-out) and NTK β_L² = 1/k (Allen-Zhu et al. use B ~ N(0, 1/k)).
"""

from __future__ import annotations

from dataclasses import dataclass

from saddle.validation import check_int, check_real

INIT_NAMES: tuple[str, ...] = ("lecun", "he", "ntk", "xavier", "mean_field", "e_et_al")

_ALIASES = {
    "mean-field": "mean_field",
    "meanfield": "mean_field",
    "mf": "mean_field",
    "e": "e_et_al",
    "e-et-al": "e_et_al",
    "eetal": "e_et_al",
    "glorot": "xavier",
    "kaiming": "he",
}


@dataclass(frozen=True)
class InitScheme:
    """Variances (β₁², β², β_L²) of the first, hidden and last weight matrices and the output scale α."""

    name: str
    beta1_sq: float
    beta_sq: float
    betaL_sq: float
    alpha: float

    def layer_variances(self, depth: int) -> list[float]:
        """Entry variances of X_1..X_L for a network with `depth` = L ≥ 2 weight matrices."""
        if depth < 2:
            raise ValueError(f"depth must be >= 2 (the table distinguishes first and last layer), got {depth}")
        return [self.beta1_sq] + [self.beta_sq] * (depth - 2) + [self.betaL_sq]


def canonical_init_name(name: str, arg: str = "init") -> str:
    """Lower-case table name ('lecun', 'he', 'ntk', 'xavier', 'mean_field', 'e_et_al'); aliases allowed.

    `arg` is how error messages call the argument (the caller's parameter name)."""
    if not isinstance(name, str):
        raise ValueError(f"{arg} must be a string, one of {list(INIT_NAMES)}, got {name!r}")
    key = name.strip().lower().replace(" ", "_")
    key = _ALIASES.get(key, key)
    if key not in INIT_NAMES:
        raise ValueError(f"{arg} must be one of {list(INIT_NAMES)}, got {name!r}")
    return key


def init_scheme(name: str, p: int, m: int, k: int = 1, beta_c: float | None = None) -> InitScheme:
    """The row `name` of the notes' initialisation table for input dim p, width m, output dim k.

    Seeds 000/002/003, "Some commonly used initializations"; `beta_c` (β_c) is needed only for E et al.
    """
    key = canonical_init_name(name)
    for label, v in (("p", p), ("m", m), ("k", k)):
        check_int(label, v)
    if key == "e_et_al":
        check_real("beta_c (needed by the E et al. initialisation)", beta_c, high_open=True)
    rows = {
        "lecun": (1.0 / p, 1.0 / m, 1.0 / m, 1.0),
        "he": (2.0 / p, 2.0 / m, 2.0 / m, 1.0),
        "ntk": (2.0 / m, 2.0 / m, 1.0 / k, 1.0),
        "xavier": (2.0 / (m + p), 1.0 / m, 2.0 / (m + k), 1.0),
        "mean_field": (1.0, 1.0, 1.0, float(m)),
        "e_et_al": (1.0, 1.0, float(beta_c) ** 2 if beta_c is not None else 0.0, 1.0),
    }
    b1, b, bL, alpha = rows[key]
    return InitScheme(key, b1, b, bL, alpha)


def init_table(p: int, m: int, k: int = 1, beta_c: float = 1.0) -> list[InitScheme]:
    """All rows of the table for (p, m, k), in the notes' order."""
    return [init_scheme(n, p, m, k, beta_c=beta_c) for n in INIT_NAMES]
