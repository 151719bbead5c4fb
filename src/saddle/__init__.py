"""saddle: min-max learning on PyTorch.

    min_x max_y Φ(x, y)

Games and their vector fields (`saddle.games`), the algorithms that solve them (`saddle.optim`),
adversarial attacks and training, GANs, Langevin sampling and diffusion, robustness diagnostics.
"""

__version__ = "0.1.0"
