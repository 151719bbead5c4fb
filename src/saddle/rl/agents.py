"""AGENTS: the named agents of saddle.rl (what experiments and the CLI build), as data, not branches.

'ddpg' plain DDPG; 'td3' TD3; the action-robust agents of the game max_μ min_ν Φ (NR-MDP unless named 'pr_',
α = 0.1): 'nr_mdp' and 'pr_mdp' — Tessler et al.'s training (Adam, one adversary update per 10 policy updates);
'gad' — gradient descent-ascent with RMSProp (Kamalaruban et al.'s baseline); 'mixedne_ld' — MixedNE-LD
(Kamalaruban et al. 2020) on DDPG, 'mixedne_ld_td3' on TD3 (their code has both). See `saddle.rl.robust_ddpg` for the algorithms and where each setting comes from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from saddle.rl.ddpg import DDPG, DDPGConfig
from saddle.rl.env import box_spaces, make_env
from saddle.rl.robust_ddpg import ActionRobustDDPG, RobustGameConfig
from saddle.rl.seeds import SeedStreams
from saddle.validation import check_choice

__all__ = ["AGENTS", "make_agent"]

#: name -> (td3 flag, game or None for a non-robust agent)
AGENTS: dict[str, tuple[bool, RobustGameConfig | None]] = {
    "ddpg": (False, None),
    "td3": (True, None),
    "nr_mdp": (False, RobustGameConfig(form="nr", algorithm="tessler")),
    "pr_mdp": (False, RobustGameConfig(form="pr", algorithm="tessler")),
    "gad": (False, RobustGameConfig(form="nr", algorithm="gad")),
    "mixedne_ld": (False, RobustGameConfig(form="nr", algorithm="mixedne_ld")),
    "mixedne_ld_td3": (True, RobustGameConfig(form="nr", algorithm="mixedne_ld")),
}


def make_agent(
    name: str,
    env_id: str,
    config: DDPGConfig | None = None,
    generator: int | Sequence[int] | SeedStreams = 0,
    **game: float | int | str,
) -> DDPG:
    """Build agent `name` (a key of AGENTS) for the task env_id with S seeds (generator: an int seed, S int seeds or a
    SeedStreams, as DDPG); `game` overrides fields of the
    entry's RobustGameConfig (e.g. alpha=0.2, step_size=1e-3; ValueError for a non-robust agent)."""
    td3, entry = AGENTS[check_choice("agent", name, sorted(AGENTS))]
    config = replace(config or DDPGConfig(), td3=td3)
    env = make_env(env_id)
    try:
        obs_space, action_space = box_spaces(env)
    finally:
        env.close()
    obs_dim, low, high = obs_space.shape[0], action_space.low, action_space.high
    if entry is None:
        if game:
            raise ValueError(f"agent {name!r} plays no game; got game settings {sorted(game)}")
        return DDPG(obs_dim, low, high, config, generator)
    return ActionRobustDDPG(obs_dim, low, high, config, replace(entry, **game), generator)  # type: ignore[arg-type]
