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
from hos_avtal.io._episodes import (
    EPISODE_COLUMNS,
    KOMMUN,
    long_waits,
    read_episodes,
    validate_episode_table,
    validate_episodes,
)
from hos_avtal.io._export import write_frame
from hos_avtal.io._inputs import check_inputs_together, inputs_apart
from hos_avtal.io._kinds import INPUT_COLUMNS, INPUT_KINDS, InputKind
from hos_avtal.io._placements import (
    AGREEMENT_COLUMNS,
    COST_COLUMNS,
    PLACEMENT_COLUMNS,
    PlacementInputs,
    read_placement_inputs,
    validate_placement_inputs,
)
from hos_avtal.io._placements import _validate_all as validate_placement_tables
from hos_avtal.io._table import Column, Table, read_table
from hos_avtal.io._visits import (
    TARIFF_COLUMNS,
    VISIT_COLUMNS,
    read_tariffs,
    read_visits,
    validate_tariffs,
    validate_visits,
)
from hos_avtal.io._visits import _validate_tariffs as validate_tariff_table
from hos_avtal.io._visits import _validate_visits as validate_visit_table

__all__ = [
    "AGREEMENT_COLUMNS",
    "COST_COLUMNS",
    "EPISODE_COLUMNS",
    "INPUT_COLUMNS",
    "INPUT_KINDS",
    "KOMMUN",
    "PLACEMENT_COLUMNS",
    "TARIFF_COLUMNS",
    "VISIT_COLUMNS",
    "Column",
    "InputKind",
    "PlacementInputs",
    "Table",
    "check_inputs_together",
    "inputs_apart",
    "long_waits",
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
    "validate_placement_tables",
    "validate_tariff_table",
    "validate_tariffs",
    "validate_visit_table",
    "validate_visits",
    "write_frame",
    "write_private",
]
