"""Shared test configuration: hypothesis profiles.

``dev`` (the default) keeps the property tests to well under a minute on a laptop; ``ci`` runs
more examples and is chosen when the environment variable ``HOS_AVTAL_CI`` is set.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# The reference implementation is imported as a plain module (``from reference import …``),
# also by the benchmarks, so the tests directory must be importable.
sys.path.insert(0, str(Path(__file__).parent))

_SUPPRESSED = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile("dev", max_examples=150, deadline=None, suppress_health_check=_SUPPRESSED)
settings.register_profile(
    "ci", max_examples=400, deadline=None, suppress_health_check=_SUPPRESSED, print_blob=True
)
settings.load_profile("ci" if os.environ.get("HOS_AVTAL_CI") else "dev")


@pytest.fixture(autouse=True)
def _pseudonym_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A configured pseudonym key, as a deployment has (``HOS_AVTAL_PSEUDONYM_KEY``); the tests of
    what happens without one delete it."""
    monkeypatch.setenv("HOS_AVTAL_PSEUDONYM_KEY", "5e" * 32)
    monkeypatch.delenv("HOS_AVTAL_PSEUDONYM_KEY_IN_DATABASE", raising=False)


@pytest.fixture(autouse=True)
def _stored_runs_still_match_their_seals(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test, every run in a SQLite database it left in its ``tmp_path`` must still match
    its seal (``hos-avtal run verify``): the suite's own runs are verified as an auditor would.
    The ``database_url`` fixture does the same for the PostgreSQL schemas it drops."""
    yield
    folder = request.node.funcargs.get("tmp_path") if hasattr(request.node, "funcargs") else None
    if folder is None or request.node.get_closest_marker("alters_runs") is not None:
        return
    from helpers import verify_every_run
    from hos_avtal.errors import StorageError

    for path in Path(folder).rglob("*.sqlite"):
        try:
            verify_every_run(str(path))
        except StorageError:  # not a run database
            continue
