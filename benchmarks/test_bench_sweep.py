"""pytest-benchmark: the 1 000-combination scenario sweep against one engine run (issue 6).

The data and grid of ``sweep_vs_separate.py``: a year of synthetic VGR episodes (~60 000),
10 thresholds × 10 switch days × 10 free days. The 1 000 separate runs are timed by that
script, not here (about half a minute per round).

Run::

    .venv/bin/python -m pytest benchmarks/test_bench_sweep.py --benchmark-only
    .venv/bin/python -m pytest benchmarks/test_bench_sweep.py --benchmark-disable -q  # smoke
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from sweep_vs_separate import episodes, grid, month_rules, separately


@pytest.fixture(scope="module")
def year() -> pl.DataFrame:
    return episodes()


def test_sweep_of_1000_combinations(benchmark: Any, year: pl.DataFrame) -> None:
    from hos_avtal.scenarios._histogram import sweep_betalningsansvar

    months, combinations = month_rules(), grid()
    sweep = benchmark.pedantic(
        sweep_betalningsansvar, args=(year, months, combinations), rounds=10, iterations=1, warmup_rounds=1
    )
    assert sweep.height == len(combinations) * len(months) * 49
    for index in (0, 555, len(combinations) - 1):
        swept = sweep.filter(pl.col("combination") == index).drop("combination")
        assert swept.equals(separately(year, months, combinations[index]))


def test_one_calculation_with_the_base_parameters(benchmark: Any, year: pl.DataFrame) -> None:
    from hos_avtal.betalningsansvar import calculate_with_parameters

    months = month_rules()
    result = benchmark.pedantic(
        calculate_with_parameters, args=(year, months), rounds=10, iterations=1, warmup_rounds=1
    )
    assert result.municipalities.height == len(months) * 49
