"""Frames as Parquet bytes in a binary column: the stored inputs of runs and scenario datasets."""

from __future__ import annotations

import io

import polars as pl


def frame_bytes(frame: pl.DataFrame) -> bytes:
    """``frame`` as Parquet; enum and categorical columns as plain text, so reading it back
    needs no dictionary of categories (the validators type the columns again).

    >>> frame_from_bytes(frame_bytes(pl.DataFrame({"kommun": ["1480"]}))).to_dicts()
    [{'kommun': '1480'}]
    """
    buffer = io.BytesIO()
    frame.with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String)).write_parquet(buffer)
    return buffer.getvalue()


def frame_from_bytes(blob: bytes) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(blob))
