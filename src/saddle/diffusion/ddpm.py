"""The discrete DDPM forward chain of Ho, Jain & Abbeel (NeurIPS 2020).

q(x_t | x_{t−1}) = N(sqrt(1 − β_t) x_{t−1}, β_t I) for t = 1..T, linear β_1 = 1e-4 … β_T = 0.02,
T = 1000; ᾱ_t = Π_{s≤t}(1 − β_s), so q(x_t | x_0) = N(sqrt(ᾱ_t) x_0, (1 − ᾱ_t) I) (their eq. 4).
Time is the integer index t ∈ {0, …, T} of Ho et al. (t = 0 is the data, ᾱ_0 = 1); the network is
trained with the ε-prediction loss ‖ε − ε_θ(sqrt(ᾱ_t)x_0 + sqrt(1 − ᾱ_t)ε, t)‖² (their eq. 14) at
t ~ Uniform{1, …, T}. The posterior q(x_{t−1} | x_t, x_0) (their eqs. 6–7) is `NoiseProcess.posterior`.
"""

from __future__ import annotations

import torch
from torch import Tensor

from saddle.diffusion.process import NoiseProcess
from saddle.validation import check_int, check_real


class DDPMSchedule(NoiseProcess):
    """Discrete DDPM schedule with linear betas; `marginal(t)` = (sqrt(ᾱ_t), sqrt(1 − ᾱ_t)) for integer t."""

    discrete = True

    def __init__(self, beta_start: float = 1e-4, beta_end: float = 0.02, num_steps: int = 1000) -> None:
        beta_start = check_real("beta_start", beta_start, 0.0, 1.0, high_open=True)
        check_real(
            f"beta_end (given beta_start={beta_start:g})", beta_end, beta_start, 1.0, low_open=False, high_open=True
        )
        check_int("num_steps", num_steps)
        self.T = num_steps
        self.t_min = 0
        betas = torch.linspace(beta_start, beta_end, num_steps, dtype=torch.float64)
        self.betas = torch.cat([torch.zeros(1, dtype=torch.float64), betas])  # betas[t], t = 0..T
        self.alphas_cumprod = torch.cumprod(1 - self.betas, dim=0)  # ᾱ_t, ᾱ_0 = 1

    def _index(self, t: Tensor) -> Tensor:
        t = torch.as_tensor(t, dtype=torch.float64)
        idx = t.round()
        if not bool(torch.all((idx - t).abs() < 1e-6)):
            raise ValueError("DDPM times must be integers in {0, …, T}")
        return idx.long()

    def marginal(self, t: Tensor) -> tuple[Tensor, Tensor]:
        idx = self._index(t)
        ab = self.alphas_cumprod.to(idx.device)[idx]
        return ab.sqrt(), (1 - ab).sqrt()

    def time_at(self, ratio: Tensor | float) -> Tensor:
        """The integer time t whose σ_t/α_t is nearest to `ratio` in log scale (float64); ratio 0 gives t = 0."""
        r = torch.as_tensor(ratio, dtype=torch.float64)
        grid = ((1 - self.alphas_cumprod) / self.alphas_cumprod).sqrt()  # σ/α at t = 0..T, increasing
        log_grid = grid[1:].log()
        dist = (r.clamp_min(1e-300).log()[..., None] - log_grid).abs()
        t = (dist.argmin(-1) + 1).to(torch.float64)
        return torch.where(r > 0, t, torch.zeros_like(t))

    def sample_times(
        self, n: int, generator: torch.Generator | None = None, device: torch.device | str | None = None
    ) -> Tensor:
        """Training times t ~ Uniform{1, …, T}, shape (n,), float64."""
        t = torch.randint(1, int(self.T) + 1, (n,), generator=generator).to(torch.float64)
        return t.to(device if device is not None else "cpu")
