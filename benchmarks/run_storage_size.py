"""How many bytes one stored run of the VGR-scale benchmark month takes in a fresh SQLite file.

The same June 2024 as ``billing_run_e2e.py`` (≈5 000 episodes, 200 placements, ≈2 000 visits,
the hosts' own hemtjänst tariffs), stored once; the size is the database file with its WAL.

Usage::

    python benchmarks/run_storage_size.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from billing_run_e2e import MONTH, month_files
from hos_avtal.runs import execute_run
from hos_avtal.storage import open_database


def main() -> None:
    files = month_files()
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(Path(folder) / "runs.sqlite")
        execute_run(db, MONTH, daily_amount_sek="9300", **files)  # type: ignore[arg-type]
        db.close()
        size = sum(f.stat().st_size for f in Path(folder).iterdir())
    inputs = sum(path.stat().st_size for path in files.values())
    print(f"one stored run of {MONTH}: {size:,} bytes (its input files: {inputs:,} bytes)")


if __name__ == "__main__":
    main()
