"""The inputs of a billing run (and of a scenario dataset), in their fixed order, with the columns
each is read with: the one list of input kinds."""

from __future__ import annotations

from typing import Literal, get_args

from hos_avtal.io._episodes import EPISODE_COLUMNS
from hos_avtal.io._placements import AGREEMENT_COLUMNS, COST_COLUMNS, PLACEMENT_COLUMNS
from hos_avtal.io._table import Column
from hos_avtal.io._visits import TARIFF_COLUMNS, VISIT_COLUMNS

InputKind = Literal["episodes", "placements", "costs", "agreements", "visits", "tariffs"]
INPUT_KINDS: tuple[InputKind, ...] = get_args(InputKind)
"""Every input kind, in the order runs, datasets, forms and files list them."""

INPUT_COLUMNS: dict[InputKind, tuple[Column, ...]] = {
    "episodes": EPISODE_COLUMNS,
    "placements": PLACEMENT_COLUMNS,
    "costs": COST_COLUMNS,
    "agreements": AGREEMENT_COLUMNS,
    "visits": VISIT_COLUMNS,
    "tariffs": TARIFF_COLUMNS,
}
"""The columns each input is read with (:func:`~hos_avtal.io.read_table`)."""
