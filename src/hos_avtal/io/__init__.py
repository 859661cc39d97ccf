"""Import and export: reading CSV and Parquet inputs into typed, validated polars frames.

Every problem in an input is collected (file, row, column, reason) before anything is computed,
and a personnummer is never echoed in a message.
"""

from hos_avtal.io._csv_safety import (
    neutralise_formulas,
    safe_csv_bytes,
    safe_csv_text,
    write_private,
)
from hos_avtal.io._episodes import EPISODE_COLUMNS, read_episodes, validate_episode_table, validate_episodes
from hos_avtal.io._export import write_frame
from hos_avtal.io._inputs import check_inputs_together, inputs_apart
from hos_avtal.io._placements import (
    PlacementInputError,
    PlacementInputs,
    read_placement_inputs,
    validate_placement_inputs,
)
from hos_avtal.io._table import Column, Table, check_label, read_table
from hos_avtal.io._visits import read_tariffs, read_visits, validate_tariffs, validate_visits

__all__ = [
    "EPISODE_COLUMNS",
    "Column",
    "PlacementInputError",
    "PlacementInputs",
    "Table",
    "check_inputs_together",
    "check_label",
    "inputs_apart",
    "neutralise_formulas",
    "read_episodes",
    "read_placement_inputs",
    "read_table",
    "read_tariffs",
    "read_visits",
    "safe_csv_bytes",
    "safe_csv_text",
    "validate_episode_table",
    "validate_episodes",
    "validate_placement_inputs",
    "validate_tariffs",
    "validate_visits",
    "write_frame",
    "write_private",
]
