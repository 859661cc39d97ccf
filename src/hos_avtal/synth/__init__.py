"""Synthetic, reproducible input data for demos, tests and benchmarks.

>>> from hos_avtal.synth import synth_episodes, month_range
>>> frame = synth_episodes(month_range("2022-03"), episodes_per_month=500, seed=1)
>>> frame.height >= 500, frame["kommun"].n_unique() > 40
(True, True)
"""

from hos_avtal.months import month_range
from hos_avtal.synth._episodes import synth_episodes
from hos_avtal.synth._placements import synth_placements
from hos_avtal.synth._visits import synth_visits

__all__ = ["month_range", "synth_episodes", "synth_placements", "synth_visits"]
