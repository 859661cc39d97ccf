"""Läget i dag: the current month's forecast and the waiting list, so a municipality can act before
the bill. Computed by the billing engine's own classification and rules (issue 16).

>>> import datetime as dt
>>> from hos_avtal.forecasts import prognos
>>> from hos_avtal.synth import month_range, synth_episodes
>>> episodes = synth_episodes(month_range("2022-03"), episodes_per_month=300, seed=2)
>>> today = prognos(episodes, dt.date(2022, 3, 15))
>>> today.month
datetime.date(2022, 3, 1)
"""

from hos_avtal.forecasts._prognos import Prognos, check_date, prognos, prognos_with_parameters

__all__ = ["Prognos", "check_date", "prognos", "prognos_with_parameters"]
