"""Placement cost split between the region and the municipality (docs/rules.md §5, HoS-avtal Del C §6.3).

Every placement outside the home (HVB, familjehem) has a monthly cost that a written cost
agreement splits by schablon, percent or a fixed amount; without one the placing party pays.

>>> import datetime as dt, polars as pl
>>> from hos_avtal.placements import calculate_placements
>>> placements = pl.DataFrame({"placement_id": ["P1"], "kommun": ["1480"], "placed_by": ["kommun"],
...     "start_date": [dt.date(2024, 1, 1)], "end_date": [None], "acute": [False]})
>>> costs = pl.DataFrame({"placement_id": ["P1"], "month": ["2024-03"], "cost_sek": ["100000.00"]})
>>> agreements = pl.DataFrame({"placement_id": ["P1"], "valid_from": [dt.date(2024, 1, 1)],
...     "valid_to": [None], "method": ["schablon"], "decided_date": [dt.date(2024, 1, 5)]})
>>> result = calculate_placements(placements, costs, agreements)
>>> result.lines.select("cost_ore", "region_ore", "kommun_ore", "method").row(0)  # docs/rules.md §5's example
(10000000, 3333333, 6666667, 'schablon')
"""

from hos_avtal.placements._calculate import calculate_placements
from hos_avtal.placements._report import contract, csv_frame
from hos_avtal.placements._result import PlacementResult

__all__ = [
    "PlacementResult",
    "calculate_placements",
    "contract",
    "csv_frame",
]
