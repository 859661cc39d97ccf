"""Small builders shared by the tests: episodes as rows a domain expert can read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import strategies as st

HEADER = (
    "episode_id,person_id,kommun,care_type,hospital,ready_date,discharge_date,admission_notice,"
    "ready_notice,sip_needed,sip_invited,outpatient_plan,outpatient_available"
)


def episode(
    episode_id: str,
    days: int | None,
    *,
    kommun: str = "1480",
    ready: dt.date = dt.date(2022, 3, 1),
    care_type: str = "somatik",
    **conditions: bool | None,
) -> dict[str, Any]:
    """One episode that meets every condition unless told otherwise; ``days=None``: still admitted."""
    row: dict[str, Any] = {
        "episode_id": episode_id,
        "person_id": f"p-{episode_id}",
        "kommun": kommun,
        "care_type": care_type,
        "hospital": "SU",
        "ready_date": ready,
        "discharge_date": None if days is None else ready + dt.timedelta(days=days),
        "admission_notice": True,
        "ready_notice": True,
        "sip_needed": False,
        "sip_invited": None,
        "outpatient_plan": True,
        "outpatient_available": True,
    }
    row.update(conditions)
    return row


def frame(*episodes: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(
        list(episodes),
        schema={
            "episode_id": pl.String,
            "person_id": pl.String,
            "kommun": pl.String,
            "care_type": pl.String,
            "hospital": pl.String,
            "ready_date": pl.Date,
            "discharge_date": pl.Date,
            "admission_notice": pl.Boolean,
            "ready_notice": pl.Boolean,
            "sip_needed": pl.Boolean,
            "sip_invited": pl.Boolean,
            "outpatient_plan": pl.Boolean,
            "outpatient_available": pl.Boolean,
        },
    )


def write_csv(path: Path, *lines: str, header: str = HEADER, separator: str = ",", bom: bool = False) -> Path:
    text = "\n".join([header.replace(",", separator), *lines]) + "\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def run_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    """Run ``hos-avtal ARGS`` in-process, as a user would: (exit code, stdout, stderr)."""
    import sys

    from hos_avtal.cli import main

    monkeypatch.setattr(sys, "argv", ["hos-avtal", *args])
    monkeypatch.setenv("COLUMNS", "200")
    try:
        main()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def verify_every_run(url: str) -> None:
    """Assert that every run stored at ``url`` still matches its seal (``hos-avtal run verify``).

    Used when a test's database is thrown away, so every run the suite creates is verified once;
    a database left at an older schema revision (a migration test) is skipped.
    """
    from hos_avtal.errors import RunIntegrityError
    from hos_avtal.storage import list_runs, open_database, schema_revision, verify_run
    from hos_avtal.storage._database import HEAD_REVISION

    db = open_database(url, upgrade=False)
    try:
        if schema_revision(db) != HEAD_REVISION:
            return
        altered = []
        for summary in list_runs(db):
            try:
                verify_run(db, summary.id)
            except RunIntegrityError as exc:
                altered.append(str(exc))
        assert not altered, altered
    finally:
        db.close()


# A care type's own values, as an agreement may set them (VGR's psychiatry before 2020-04-01).
CARE_TYPE_VALUES = st.one_of(
    st.just(()),
    st.lists(
        st.tuples(
            st.sampled_from(("somatik", "psykiatri")),
            st.sampled_from(("individual_after_days", "free_days", "pooled_average")),
        ),
        unique=True,
        max_size=3,
    ).flatmap(
        lambda keys: st.tuples(
            *(
                st.tuples(
                    st.just(care),
                    st.just(name),
                    st.booleans()
                    if name == "pooled_average"
                    else st.integers(0 if name == "free_days" else 3, 10),
                )
                for care, name in keys
            )
        )
    ),
)
