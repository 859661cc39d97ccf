"""Synthetic, reproducible input data for demos, tests and benchmarks.

>>> from hos_avtal.synth import synth_episodes, month_range
>>> frame = synth_episodes(month_range("2022-03"), episodes_per_month=500, seed=1)
>>> frame.height >= 500, frame["kommun"].n_unique() > 40
(True, True)
"""

from hos_avtal.synth._episodes import month_range, synth_episodes

__all__ = ["month_range", "synth_episodes"]
