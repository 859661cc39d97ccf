"""Import and export: reading CSV and Parquet inputs into typed, validated polars frames.

Every problem in an input is collected (file, row, column, reason) before anything is computed,
and a personnummer is never echoed in a message.
"""

from hos_avtal.io._episodes import EPISODE_COLUMNS, read_episodes, validate_episodes
from hos_avtal.io._export import write_frame
from hos_avtal.io._table import Column, read_table

__all__ = [
    "EPISODE_COLUMNS",
    "Column",
    "read_episodes",
    "read_table",
    "validate_episodes",
    "write_frame",
]
