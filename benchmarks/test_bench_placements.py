"""pytest-benchmark: the placement cost split on a VGR-scale year and on 100× that.

A year (2024-01..2024-12) of synthetic placements (``hos_avtal.synth._placements``): 200
placements is about what VGR and its municipalities share in a year; 20 000 is 100× that.

* ``test_pipeline``: read and validate the three Parquet files, compute every month with the
  adjustments since mid-year (two as-of runs), build the JSON contract — what
  ``hos-avtal placements … --adjust-from 2024-06-30 --format json`` does, minus start-up and printing.
* ``test_compute``: the computation alone on validated inputs (one as-of run).
* ``test_reference``: the day-by-day plain-Python reference (``tests/reference_placements.py``)
  on the 200-placement year, inputs converted outside the timing.

Run::

    python -m pytest benchmarks/test_bench_placements.py --benchmark-only
"""

from __future__ import annotations

import datetime as dt
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import polars as pl
import pytest

SIZES = {"200": 200, "20k": 20_000}
SEED = 2022


@pytest.fixture(scope="session", params=list(SIZES))
def placement_files(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, ...]:
    """Three Parquet files for the size named by the parameter, generated once per session."""
    from hos_avtal.synth import month_range
    from hos_avtal.synth._placements import synth_placements

    frames = synth_placements(month_range("2024-01..2024-12"), placements=SIZES[request.param], seed=SEED)
    folder = tmp_path_factory.mktemp(f"placements-{request.param}")
    paths = []
    for name, frame in zip(("placements", "costs", "agreements"), frames, strict=True):
        path = folder / f"{name}.parquet"
        frame.write_parquet(path)
        paths.append(path)
    return tuple(paths)


def pipeline(paths: tuple[Path, ...]) -> dict[str, Any]:
    from hos_avtal.io import read_placement_inputs
    from hos_avtal.placements import calculate_placements, contract

    inputs = read_placement_inputs(*paths)
    return contract(calculate_placements(inputs, adjust_from=dt.date(2024, 6, 30)))


def test_pipeline(benchmark: Any, placement_files: tuple[Path, ...]) -> None:
    obj = benchmark.pedantic(pipeline, args=(placement_files,), rounds=5, iterations=1, warmup_rounds=1)
    assert len(obj["municipalities"]) == 49


def test_compute(benchmark: Any, placement_files: tuple[Path, ...]) -> None:
    from hos_avtal.io import read_placement_inputs
    from hos_avtal.placements import calculate_placements

    inputs = read_placement_inputs(*placement_files)
    result = benchmark.pedantic(calculate_placements, args=(inputs,), rounds=5, iterations=1, warmup_rounds=1)
    assert result.lines.height == inputs.costs.height


def test_reference(benchmark: Any, placement_files: tuple[Path, ...]) -> None:
    if len(pl.read_parquet(placement_files[0])) != SIZES["200"]:
        pytest.skip("the day-by-day reference is timed on the VGR-scale year only")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from hos_avtal.io import read_placement_inputs
    from reference_placements import Agreement, Placement, reference_placements

    inputs = read_placement_inputs(*placement_files)
    placements = [Placement(**row) for row in inputs.placements.iter_rows(named=True)]
    costs = list(inputs.costs.iter_rows())
    agreements = [
        Agreement(
            r["placement_id"],
            r["valid_from"],
            r["valid_to"],
            r["method"],
            r["decided_date"],
            None if r["region_bp"] is None else Fraction(r["region_bp"], 100),
            r["fixed_party"],
            r["fixed_ore"],
        )
        for r in inputs.agreements.iter_rows(named=True)
    ]
    lines = benchmark.pedantic(
        reference_placements, args=(placements, costs, agreements), rounds=1, iterations=1
    )
    assert len(lines) == len(costs)
