"""pytest-benchmark: the hos_avtal engine at 100k / 1M / 5M episodes, and the reference.

* ``test_pipeline``: read + validate the Parquet file, compute every month, build the docs/rules.md §4
  objects (what ``hos-avtal betalningsansvar --format json`` does, minus start-up and printing).
* ``test_compute``: the computation alone on an already validated frame.
* ``test_reference``: the pure-Python reference (``tests/reference.py``) on 100k episodes, every
  month, one round; the episode dicts are built outside the timing.

Run::

    python -m pytest benchmarks --benchmark-only              # everything, 5M included
    python -m pytest benchmarks --benchmark-only -m "not big"  # without 5M
    python -m pytest benchmarks --benchmark-disable -q         # smoke: 100k once, untimed

Not part of the normal test suite (pyproject's testpaths is tests/).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from _common import DAILY_AMOUNT, SIZES
from scaling import load_reference, month_inputs

PARAMS = [
    pytest.param("100k", id="100k"),
    pytest.param("1m", id="1M"),
    pytest.param("5m", id="5M", marks=pytest.mark.big),
]
ROUNDS = {"100k": 5, "1m": 3, "5m": 2}


def rounds(path: Path) -> int:
    """Few rounds for the big files: one 5M round takes several seconds."""
    return ROUNDS[next(name for name, size in SIZES.items() if size.path == path)]


def pipeline(path: Path) -> list[dict[str, Any]]:
    from hos_avtal.betalningsansvar import calculate_betalningsansvar, contract
    from hos_avtal.io import read_episodes

    frame = read_episodes(path)
    result = calculate_betalningsansvar(frame, None, daily_amount_sek=DAILY_AMOUNT, validate=False)
    return contract(result)


def compute(frame: pl.DataFrame) -> pl.DataFrame:
    from hos_avtal.betalningsansvar import calculate_betalningsansvar

    result = calculate_betalningsansvar(frame, None, daily_amount_sek=DAILY_AMOUNT, validate=False)
    return result.municipalities


@pytest.mark.parametrize("episodes_file", PARAMS, indirect=True)
def test_pipeline(benchmark: Any, episodes_file: Path) -> None:
    objects = benchmark.pedantic(pipeline, args=(episodes_file,), rounds=rounds(episodes_file), iterations=1)
    assert objects
    assert all(len(m["municipalities"]) == 49 for m in objects)


@pytest.mark.parametrize("episodes_file", PARAMS, indirect=True)
def test_compute(benchmark: Any, episodes_file: Path, episodes_frame: pl.DataFrame) -> None:
    municipalities = benchmark.pedantic(
        compute, args=(episodes_frame,), rounds=rounds(episodes_file), iterations=1
    )
    months = episodes_frame["discharge_date"].dt.month_start().drop_nulls().n_unique()
    assert municipalities.height == 49 * months


@pytest.mark.parametrize("episodes_file", [PARAMS[0]], indirect=True)
def test_reference(benchmark: Any, episodes_file: Path, episodes_frame: pl.DataFrame) -> None:
    reference = load_reference()
    if reference is None:
        pytest.skip("tests/reference.py is not there")
    from hos_avtal.municipalities import parties

    inputs = month_inputs(episodes_frame)
    party_codes = {m.code for m in parties()}

    def run() -> list[Any]:
        return [
            reference.reference_betalningsansvar(episodes, month, params, party_codes)
            for month, episodes, params in inputs
        ]

    results = benchmark.pedantic(run, rounds=1, iterations=1, warmup_rounds=0)
    engine = compute(episodes_frame)
    totals = dict(
        zip(
            zip(engine["month"], engine["kommun"], strict=True),
            engine["total_amount_ore"],
            strict=True,
        )
    )
    for result in results:
        for kommun, row in result.municipalities.items():
            assert row["total_amount_ore"] == totals[(result.month, kommun)], (result.month, kommun)
