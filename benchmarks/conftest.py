"""Fixtures for the pytest-benchmark suite: synthetic episode files, generated once.

Files live in ``benchmarks/data/`` (gitignored) and are reused. With ``--benchmark-disable``
(a smoke run: each function once, no timing) only the smallest size runs; the 1M and 5M cases
are skipped so that the smoke run stays quick.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from _common import SIZES, ensure_episodes

SMOKE_SIZE = "100k"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "big: 5 000 000 episodes (deselect with -m 'not big')")


def benchmarks_disabled(config: pytest.Config) -> bool:
    session = getattr(config, "_benchmarksession", None)
    if session is not None:
        return bool(session.disabled)
    return bool(config.getoption("benchmark_disable", False))


@pytest.fixture(scope="session")
def episodes_file(request: pytest.FixtureRequest) -> Path:
    """The Parquet file of the size named by the test's parameter (generated if missing)."""
    size: str = request.param
    if size != SMOKE_SIZE and benchmarks_disabled(request.config):
        pytest.skip(f"{size}: only {SMOKE_SIZE} runs with --benchmark-disable")
    return ensure_episodes(SIZES[size])


@pytest.fixture(scope="session")
def episodes_frame(episodes_file: Path) -> pl.DataFrame:
    """The file read and validated by hos_avtal, for benchmarks of the computation alone."""
    from hos_avtal.io import read_episodes

    return read_episodes(episodes_file)
