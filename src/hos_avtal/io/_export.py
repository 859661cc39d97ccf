"""Writing result frames to files: by suffix, atomically (a failed run leaves no half file)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import polars as pl

from hos_avtal.errors import HosAvtalError


def write_frame(frame: pl.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as CSV, Parquet or JSON (by the suffix), replacing ``path`` atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".json"):
        raise HosAvtalError(f"{path}: unknown output format; use a .csv, .parquet or .json file name")
    if not path.parent.exists():
        raise HosAvtalError(f"{path}: the folder {path.parent} does not exist")
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        if suffix == ".csv":
            frame.write_csv(temporary)
        elif suffix == ".parquet":
            frame.write_parquet(temporary)
        else:
            Path(temporary).write_text(
                json.dumps(frame.to_dicts(), ensure_ascii=False, default=str, indent=1), "utf-8"
            )
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
