"""Writing result frames to files: by suffix, atomically (a failed run leaves no half file).

Every file is created readable by its owner only (mode ``0o600``), and a CSV has its formula
cells neutralised (:mod:`hos_avtal.io._csv_safety`): it is the file a clerk opens in Excel.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl

from hos_avtal.errors import HosAvtalError
from hos_avtal.io._csv_safety import safe_csv_bytes, write_private


def write_frame(frame: pl.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as CSV, Parquet or JSON (by the suffix), replacing ``path`` atomically.

    >>> import stat, tempfile, polars as pl
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_frame(pl.DataFrame({"id": ["@cmd"], "sek": ["-5.00"]}), Path(folder) / "x.csv")
    ...     path.read_text(), oct(stat.S_IMODE(path.stat().st_mode))
    ("id,sek\\n'@cmd,-5.00\\n", '0o600')
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".json"):
        raise HosAvtalError(f"{path}: okänt utdataformat; ge ett filnamn på .csv, .parquet eller .json")
    if not path.parent.exists():
        raise HosAvtalError(f"{path}: mappen {path.parent} finns inte")
    if suffix == ".csv":
        data = safe_csv_bytes(frame)
    elif suffix == ".parquet":
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        data = buffer.getvalue()
    else:
        data = json.dumps(frame.to_dicts(), ensure_ascii=False, default=str, indent=1).encode("utf-8")
    return write_private(path, data)
