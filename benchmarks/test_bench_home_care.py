"""pytest-benchmark: home care in another municipality (docs/rules.md §6) on a year of visits.

* ``vgr``: 12 months × ≈2 000 visits (VGR scale, ≈24 000 visits); ``100x``: 12 × ≈200 000
  (≈2.4 million visits).
* ``test_home_care_pipeline``: read + validate the Parquet file, compute every month (tariffs,
  invoice lines, positions, payments), build the JSON contract objects — what
  ``hos-avtal home-care FILE --format json`` does, minus start-up and printing.
* ``test_home_care_compute``: the computation alone on an already validated frame.
* ``test_home_care_reference``: the plain-Python reference (``tests/reference_home_care.py``) on
  the VGR-scale year, one round; the visit dicts are built outside the timing.

Run::

    python -m pytest benchmarks/test_bench_home_care.py --benchmark-only
    python -m pytest benchmarks/test_bench_home_care.py --benchmark-disable -q  # smoke: vgr only

Files are generated once with :func:`hos_avtal.synth._visits.synth_visits` (seed 2022, months
2022-01..2022-12: the year with VästKom tariffs for both services) into ``benchmarks/data/``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

DATA = Path(__file__).resolve().parent / "data"
PER_MONTH = {"vgr": 2_000, "100x": 200_000}
ROUNDS = {"vgr": 10, "100x": 3}


def ensure_visits(size: str) -> Path:
    """The Parquet file of ``size`` (generated atomically if missing)."""
    from hos_avtal.months import month_range
    from hos_avtal.synth._visits import synth_visits

    path = DATA / f"visits-{size}-12m.parquet"
    if path.is_file():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.stem}.{os.getpid()}.parquet")
    synth_visits(month_range("2022-01..2022-12"), visits_per_month=PER_MONTH[size]).write_parquet(partial)
    partial.replace(path)
    return path


@pytest.fixture(scope="module")
def visits_file(request: pytest.FixtureRequest) -> Path:
    size: str = request.param
    if size != "vgr" and request.config.getoption("benchmark_disable", False):
        pytest.skip(f"{size}: only vgr runs with --benchmark-disable")
    return ensure_visits(size)


def pipeline(path: Path) -> list[dict[str, Any]]:
    from hos_avtal.home_care import calculate_home_care, contract
    from hos_avtal.io import read_visits

    return contract(calculate_home_care(read_visits(path), validate=False))


def compute(frame: pl.DataFrame) -> pl.DataFrame:
    from hos_avtal.home_care import calculate_home_care

    return calculate_home_care(frame, validate=False).municipalities


SIZES = [pytest.param("vgr", id="vgr-24k"), pytest.param("100x", id="100x-2.4M")]


@pytest.mark.parametrize("visits_file", SIZES, indirect=True)
def test_home_care_pipeline(benchmark: Any, visits_file: Path) -> None:
    size = "vgr" if "vgr" in visits_file.name else "100x"
    months = benchmark.pedantic(pipeline, args=(visits_file,), rounds=ROUNDS[size], warmup_rounds=1)
    assert [m["month"] for m in months] == [f"2022-{m:02d}" for m in range(1, 13)]
    for month in months:
        nets = sum(int(m["net_sek"].replace(".", "")) for m in month["municipalities"])
        assert nets == 0


@pytest.mark.parametrize("visits_file", SIZES, indirect=True)
def test_home_care_compute(benchmark: Any, visits_file: Path) -> None:
    from hos_avtal.io import read_visits

    size = "vgr" if "vgr" in visits_file.name else "100x"
    frame = read_visits(visits_file)
    municipalities = benchmark.pedantic(compute, args=(frame,), rounds=ROUNDS[size], warmup_rounds=1)
    assert municipalities.height == 12 * 49


@pytest.mark.parametrize("visits_file", [SIZES[0]], indirect=True)
def test_home_care_reference(benchmark: Any, visits_file: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from hos_avtal.municipalities import parties
    from reference_home_care import reference_home_care

    rows = pl.read_parquet(visits_file).to_dicts()
    codes = [m.code for m in parties()]
    months = benchmark.pedantic(reference_home_care, args=(rows, codes), rounds=1, iterations=1)
    assert len(months) == 12
