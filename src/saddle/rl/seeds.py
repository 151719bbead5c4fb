"""S independent random streams, one per seed: what lets S seeds run in one process and still give, seed for seed,
the numbers of S separate runs.

Every random draw of a batched agent (initial weights, exploration noise, minibatch indices, TD3's target noise,
the PR-MDP coin, Langevin noise) is made seed by seed from that seed's own `torch.Generator`, in the same order
as a run with that seed alone, and stacked along a leading seed axis.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import Tensor

from saddle.validation import check_int, random_rows

__all__ = ["SeedStreams"]


class SeedStreams(Sequence[torch.Generator]):
    """One CPU torch.Generator per seed (`torch.Generator().manual_seed(seed)`); a sequence of those generators.

    `randn(*shape)`, `rand(*shape)`, `randint(high, *shape)` return (S, *shape) tensors whose row s is the draw
    of generator s alone (as `torch.randn(shape, generator=g_s)`). state_dict/load_state_dict save every stream.
    Args: seeds (non-empty sequence of distinct ints ≥ 0).
    """

    def __init__(self, seeds: Sequence[int]) -> None:
        seeds = tuple(check_int("seed", s, 0) for s in seeds)
        if not seeds or len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds must be a non-empty sequence of distinct ints >= 0, got {seeds!r}")
        self.seeds = seeds
        self.generators = [torch.Generator().manual_seed(s) for s in seeds]

    @classmethod
    def of(cls, generator: int | Sequence[int] | SeedStreams) -> SeedStreams:
        """The random source of an agent for S seeds, converted once: an int seed (S = 1), a sequence of S distinct
        int seeds, or a SeedStreams (returned unchanged, so it keeps advancing)."""
        if isinstance(generator, SeedStreams):
            return generator
        if isinstance(generator, torch.Generator):
            raise ValueError(
                "an agent draws from one torch.Generator per seed: give int seeds (or a SeedStreams), got a single "
                "torch.Generator"
            )
        seeds: list[Any] = list(generator) if isinstance(generator, Sequence) else [generator]
        return cls(seeds)

    def __len__(self) -> int:
        return len(self.generators)

    def __getitem__(self, i: int) -> torch.Generator:  # type: ignore[override]
        return self.generators[i]

    def __iter__(self) -> Iterator[torch.Generator]:
        return iter(self.generators)

    def randn(self, *shape: int, device: torch.device | str = "cpu") -> Tensor:
        """(S, *shape) standard normal draws, row s from seed s's generator."""
        return random_rows((len(self), *shape), self.generators, device=device)

    def rand(self, *shape: int, device: torch.device | str = "cpu") -> Tensor:
        """(S, *shape) uniform [0, 1) draws, row s from seed s's generator."""
        return random_rows((len(self), *shape), self.generators, uniform=True, device=device)

    def randint(self, high: int, *shape: int, device: torch.device | str = "cpu") -> Tensor:
        """(S, *shape) integers uniform on {0, ..., high − 1}, row s from seed s's generator."""
        return torch.stack([torch.randint(0, high, shape, generator=g) for g in self.generators]).to(device)

    def state_dict(self) -> dict[str, Any]:
        return {"seeds": list(self.seeds), "states": [g.get_state() for g in self.generators]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if tuple(state["seeds"]) != self.seeds:
            raise ValueError(f"state_dict is for seeds {tuple(state['seeds'])}, these streams have {self.seeds}")
        if len(state["states"]) != len(self.generators):
            raise ValueError(f"state_dict holds {len(state['states'])} generator states for {len(self.seeds)} seeds")
        for g, s in zip(self.generators, state["states"]):
            g.set_state(s)
