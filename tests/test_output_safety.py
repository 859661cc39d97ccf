"""Safe to invoice from: no CSV cell a spreadsheet evaluates, and every file its owner's alone.

An id such as ``=HYPERLINK("http://x","y")`` must reach each CSV the product writes (the stored
run's fakturaunderlag, ``--episodes-out``, ``--format csv``) as text that Excel shows, never as
a formula, while negative amounts stay numbers; every file written and the SQLite database (with
its -wal and -shm files) are created with mode 0600 under an ordinary umask.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import episode, frame, run_cli
from hos_avtal.betalningsansvar import calculate_betalningsansvar
from hos_avtal.exports import export_run
from hos_avtal.io import neutralise_formulas, safe_csv_bytes, safe_csv_text, write_frame, write_private
from hos_avtal.io import write_private as write_atomic
from hos_avtal.money import format_sek
from hos_avtal.runs import RunSummary, StoredRun
from hos_avtal.storage import open_database, setting

FORMULAS = ['=HYPERLINK("http://x","y")', "+SUM(A1)", "-2+3", "@cmd", "\tcmd"]
"""Ids a spreadsheet would evaluate. The input readers refuse or strip a tab; a stored frame need not."""
IN_FILES = FORMULAS[:4]
START = ("=", "+", "-", "@", "\t", "\r")
MONTH = "2022-03"
CORRECTION_SCHEMA = {
    "capability": pl.String, "kommun": pl.String, "line_key": pl.String,
    "previous_ore": pl.Int64, "current_ore": pl.Int64, "delta_ore": pl.Int64,
}  # fmt: skip


@pytest.fixture
def umask() -> Iterator[None]:
    """The usual umask, which leaves new files world-readable unless the product says otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def cells(data: bytes | str) -> list[list[str]]:
    """The CSV's rows as a spreadsheet reads them (quotes undone, nothing typed)."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return list(csv.reader(io.StringIO(text, newline="")))


def column(data: bytes | str, name: str) -> list[str]:
    header, *rows = cells(data)
    index = header.index(name)
    return [row[index] for row in rows]


def episodes_with_formulas(path: Path, *, long_stay: bool = True) -> Path:
    """Göteborg, March 2022: the formula ids pooled (average 3.2 with "plain"), "long" individual."""
    days = [0, 2, 3, 5]
    rows = [*(episode(i, d) for i, d in zip(IN_FILES, days, strict=True)), episode("plain", 6)]
    if long_stay:
        rows.append(episode("long", 10))
    frame(*rows).write_csv(path)
    return path


def is_plain_number(text: str) -> bool:
    """The documented rule, written without a regular expression: ``-?digits(.digits)?``."""
    whole, point, fraction = text.removeprefix("-").partition(".")
    digits = set("0123456789")
    return (
        bool(whole) and set(whole) <= digits and (not point or (bool(fraction) and set(fraction) <= digits))
    )


# ----------------------------------------------------------------------------- the neutraliser


def test_the_neutraliser_quotes_formulas_and_leaves_numbers_and_other_types() -> None:
    given_frame = pl.DataFrame(
        {
            "text": [*FORMULAS, "\rcmd", "-706800.00", "-5", "0.00", "-12.5", "-1e5", "+5", "ok", None],
            "ore": list(range(-7, 7)),
            "status": pl.Series(["=x", "-1", "a"] * 4 + ["a", "a"], dtype=pl.Categorical),
        }
    )
    out = neutralise_formulas(given_frame)
    quoted = [f"'{f}" for f in (*FORMULAS, "\rcmd")]
    kept = ["-706800.00", "-5", "0.00", "-12.5"]
    assert out["text"].to_list() == [*quoted, *kept, "'-1e5", "'+5", "ok", None]
    assert out["ore"].equals(given_frame["ore"])
    assert out["status"].to_list()[:3] == ["'=x", "-1", "a"]
    assert neutralise_formulas(given_frame.select("ore")).equals(given_frame.select("ore"))


def test_safe_csv_text_and_bytes_agree() -> None:
    data = pl.DataFrame({"id": ["@cmd"], "day": [dt.date(2022, 3, 1)], "sek": ["-706800.00"]})
    assert safe_csv_text(data) == safe_csv_bytes(data).decode() == "id,day,sek\n'@cmd,2022-03-01,-706800.00\n"


cell_text = st.one_of(
    st.text(),
    st.lists(st.one_of(st.text(), st.tuples(st.sampled_from(START), st.text()).map("".join))).map(";".join),
    st.tuples(st.sampled_from(START), st.text()).map("".join),
    st.integers(-(10**12), 10**12).map(format_sek),
    st.integers().map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)


@given(st.lists(st.one_of(st.none(), cell_text), max_size=30))
def test_the_neutraliser_changes_exactly_the_formula_cells(values: list[str | None]) -> None:
    out = neutralise_formulas(pl.DataFrame({"cell": values}, schema={"cell": pl.String}))["cell"].to_list()
    for before, after in zip(values, out, strict=True):
        if before is None:
            assert after is None
            continue
        # Every ";"-separated part (what Swedish Excel makes a cell of its own) is neutralised.
        parts = before.split(";")
        expected = [
            part if not part.startswith(START) or (i == 0 and is_plain_number(before)) else "'" + part
            for i, part in enumerate(parts)
        ]
        assert after == ";".join(expected)


# ------------------------------------------------- (a) the fakturaunderlag of a stored run


def test_a_stored_runs_csv_fakturaunderlag_quotes_formula_ids(  # type: ignore[no-untyped-def]
    capsys, monkeypatch, tmp_path: Path, umask: None
) -> None:
    """Through the command line and SQLite: version 2 drops the long stay, so it credits money."""
    db = ["--db", str(tmp_path / "runs.sqlite")]
    first = episodes_with_formulas(tmp_path / "v1.csv")
    second = episodes_with_formulas(tmp_path / "v2.csv", long_stay=False)
    code, _, err = run_cli(capsys, monkeypatch, "run", "--month", MONTH, "--episodes", str(first), *db)
    assert code == 0, err
    assert run_cli(capsys, monkeypatch, "run", "finalize", "1", *db)[0] == 0
    code, out, err = run_cli(capsys, monkeypatch, "run", "--month", MONTH, "--episodes", str(second), *db)
    assert (code, out.splitlines()[0]) == (0, "körning 2: 2022-03 version 2, utkast (ny)"), err
    folder = tmp_path / "out"
    args = ("run", "export", "2", "--kommun", "1480", "--format", "csv", "--out", str(folder), *db)
    code, _, err = run_cli(capsys, monkeypatch, *args)
    assert code == 0, err
    data = (folder / "fakturaunderlag-2022-03-v2-1480-goteborg.csv").read_bytes()
    rows = [dict(zip(cells(data)[0], row, strict=True)) for row in cells(data)[1:]]
    episode_ids = {r["line_key"] for r in rows if r["section"] == "episode"}
    assert episode_ids == {"'" + f for f in IN_FILES} | {"plain"}
    credits = [r["delta_sek"] for r in rows if r["section"] == "correction" and r["delta_sek"]]
    assert credits
    assert all(c.startswith("-") and is_plain_number(c) for c in credits)
    assert "-65100.00" in credits  # the long stay's 7 billable days, credited
    assert not any(cell.startswith("'-") and is_plain_number(cell[1:]) for row in cells(data) for cell in row)
    for path in [*folder.iterdir(), tmp_path / "runs.sqlite"]:
        assert mode(path) == 0o600, path


def test_an_exported_run_quotes_every_formula_and_keeps_negative_money(tmp_path: Path, umask: None) -> None:
    """A run as stored (ids as they came, the tab too) with a credit of 706 800 kronor."""
    result = calculate_betalningsansvar(
        frame(*[episode(f"e{i}", d) for i, d in enumerate([0, 2, 3, 5, 10])]), MONTH
    )
    renamed = dict(zip([f"e{i}" for i in range(5)], FORMULAS, strict=True))
    lines = result.episode_lines().with_columns(pl.col("episode_id").replace(renamed))
    corrections = pl.DataFrame(
        {
            "capability": ["betalningsansvar", "betalningsansvar"],
            "kommun": ["1480", "1480"],
            "line_key": ["=1+1", "total"],
            "previous_ore": [70_680_000, 70_680_000],
            "current_ore": [0, 0],
            "delta_ore": [-70_680_000, -70_680_000],
        },
        schema=CORRECTION_SCHEMA,
    )
    summary = RunSummary(
        id=4, month=dt.date(2022, 3, 1), version=2, state="draft", ruleset_id="vgr-2018",
        ruleset_hash="r", inputs_hash="i", code_version="0.1.0", created_by="test",
        created_at=dt.datetime(2022, 4, 1, tzinfo=dt.UTC), corrects_run_id=3,
    )  # fmt: skip
    run = StoredRun(summary, [], result.municipalities, lines, corrections)
    written = export_run(run, tmp_path, kommun="1480", formats=["csv"])
    invoice, summary_file = (p.read_bytes() for p in written)
    rows = [dict(zip(cells(invoice)[0], row, strict=True)) for row in cells(invoice)[1:]]
    assert {r["line_key"] for r in rows if r["section"] == "episode"} == {"'" + f for f in FORMULAS}
    correction = next(r for r in rows if r["section"] == "correction" and r["line_key"] == "'=1+1")
    assert (correction["delta_sek"], correction["previous_sek"]) == ("-706800.00", "706800.00")
    assert next(r for r in rows if r["line_key"] == "correction")["amount_sek"] == "-706800.00"
    gbg = next(r for r in cells(summary_file)[1:] if "1480" in r)
    assert "-706800.00" in gbg
    for data in (invoice, summary_file):
        assert not [c for row in cells(data) for c in row if c.startswith(START) and not is_plain_number(c)]
    assert all(mode(p) == 0o600 for p in written)


# -------------------------------------------------------------------- (b) --episodes-out


def test_episodes_out_csv_quotes_formula_ids(capsys, monkeypatch, tmp_path: Path, umask: None) -> None:  # type: ignore[no-untyped-def]
    source = episodes_with_formulas(tmp_path / "e.csv")
    for name in ("lines.csv", "lines.parquet"):
        out = tmp_path / name
        args = ("betalningsansvar", str(source), "--month", MONTH, "--episodes-out", str(out), "-f", "json")
        code, _, err = run_cli(capsys, monkeypatch, *args)
        assert code == 0, err
        assert mode(out) == 0o600
    data = (tmp_path / "lines.csv").read_bytes()
    ids = dict(zip(column(data, "episode_id"), column(data, "amount_sek"), strict=True))
    assert ids == {**{"'" + f: "" for f in IN_FILES}, "plain": "", "long": "65100.00"}
    # Parquet is read by programs, not spreadsheets: the ids stay exactly as they came.
    assert set(IN_FILES) < set(pl.read_parquet(tmp_path / "lines.parquet")["episode_id"])


# ------------------------------------------------------------------- (c) --format csv on stdout


@pytest.fixture
def placement_files(tmp_path: Path) -> list[str]:
    """Two placements with formula ids; from April the second one's fixed terms credit the region."""
    p1, p2 = '"=HYPERLINK(""http://x"",""y"")"', "-2+3"
    files = {
        "placements": [
            "placement_id,kommun,placed_by,start_date,end_date,acute",
            f"{p1},1480,kommun,2024-01-01,,false",
            f"{p2},1401,region,2024-02-15,2024-04-10,true",
        ],
        "costs": [
            "placement_id,month,cost_sek",
            f"{p1},2024-02,100000",
            f"{p1},2024-03,100000.00",
            f"{p2},2024-03,62000",
            f"{p2},2024-04,20000",
        ],
        "agreements": [
            "placement_id,valid_from,valid_to,method,region_percent,fixed_party,fixed_sek_per_month,decided_date",
            f"{p1},2024-01-01,,schablon,,,,2024-01-05",
            f"{p2},2024-03-01,,fixed,,kommun,70000,2024-04-15",
        ],
    }
    args = ["placements"]
    for name, lines in files.items():
        path = tmp_path / f"{name}.csv"
        path.write_text("\n".join(lines) + "\n", "utf-8")
        args += [f"--{name}", str(path)]
    return args


def test_format_csv_on_stdout_quotes_formula_ids_and_keeps_negative_amounts(  # type: ignore[no-untyped-def]
    capsys, monkeypatch, placement_files: list[str]
) -> None:
    code, out, err = run_cli(capsys, monkeypatch, *placement_files, "--format", "csv")
    assert code == 0, err
    assert set(column(out, "placement_id")) == {"'" + FORMULAS[0], "'-2+3"}
    code, out, err = run_cli(
        capsys, monkeypatch, *placement_files, "-f", "csv", "--adjust-from", "2024-04-01"
    )
    assert code == 0, err
    assert column(out, "placement_id") == ["'-2+3", "'-2+3"]
    assert column(out, "region_delta_sek") == ["-62000.00", "-20000.00"]


@pytest.mark.parametrize("command", ["betalningsansvar", "home-care"])
def test_every_format_csv_on_stdout_goes_through_the_neutraliser(  # type: ignore[no-untyped-def]
    capsys, monkeypatch, tmp_path: Path, command: str
) -> None:
    """These reports hold no free text today (codes and names from the registry), so a probe
    column stands in for one that a later change might add."""
    import importlib

    from hos_avtal.synth import month_range, synth_episodes, synth_visits

    module = importlib.import_module(
        "hos_avtal.betalningsansvar" if command == "betalningsansvar" else "hos_avtal.home_care"
    )
    original = module.csv_frame
    monkeypatch.setattr(module, "csv_frame", lambda r: original(r).with_columns(probe=pl.lit("@cmd")))
    source = tmp_path / "input.csv"
    made = synth_episodes if command == "betalningsansvar" else synth_visits
    per_month = {"episodes_per_month": 300} if command == "betalningsansvar" else {"visits_per_month": 300}
    made(month_range(MONTH), **per_month).write_csv(source)  # type: ignore[operator]
    code, out, err = run_cli(capsys, monkeypatch, command, str(source), "-m", MONTH, "-f", "csv")
    assert code == 0, err
    assert set(column(out, "probe")) == {"'@cmd"}
    money = [c for name in cells(out)[0] if name.endswith("_sek") for c in column(out, name)]
    assert money
    assert all(is_plain_number(c) for c in money)


def test_scenario_csv_keeps_negative_differences_and_its_files_are_private(  # type: ignore[no-untyped-def]
    capsys, monkeypatch, tmp_path: Path, umask: None
) -> None:
    source = episodes_with_formulas(tmp_path / "e.csv")
    scenario = tmp_path / "hogre.toml"
    scenario.write_text(
        'name = "Gräns 3,5"\nbase = "vgr-2018"\n[betalningsansvar]\naverage_threshold_days = "3.5"\n'
    )
    args = ["scenario", "compare", "-s", str(scenario), "-e", str(source)]
    code, out, err = run_cli(capsys, monkeypatch, *args, "-f", "csv")
    assert code == 0, err
    gbg = dict(zip(cells(out)[0], next(r for r in cells(out)[1:] if r[1] == "1480"), strict=True))
    assert (gbg["grans-3-5_diff_sek"], gbg["grans-3-5_diff_pct"]) == ("-9300.00", "-12.5")
    for fmt, name in (("csv", "c.csv"), ("json", "c.json"), ("xlsx", "c.xlsx")):
        code, _, err = run_cli(capsys, monkeypatch, *args, "-f", fmt, "--out", str(tmp_path / name))
        assert code == 0, err
        assert mode(tmp_path / name) == 0o600, name
    assert (tmp_path / "c.csv").read_text("utf-8") == out
    code, _, err = run_cli(capsys, monkeypatch, *args, "--chart", str(tmp_path / "bars.svg"))
    assert code == 0, err
    assert mode(tmp_path / "bars.svg") == 0o600


# ----------------------------------------------------------------------------- files 0600


@pytest.mark.parametrize("mask", [0o022, 0o000, 0o277])
def test_write_private_is_0600_whatever_the_umask(tmp_path: Path, mask: int) -> None:
    target = tmp_path / "x.csv"
    target.write_bytes(b"old")
    target.chmod(0o644)
    previous = os.umask(mask)
    try:
        write_private(target, b"new")
        written = write_frame(pl.DataFrame({"a": [1]}), tmp_path / "f.json")
    finally:
        os.umask(previous)
    assert (mode(target), target.read_bytes()) == (0o600, b"new")
    assert mode(written) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.json", "x.csv"]  # no temporary left


def test_a_failed_private_write_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "x.csv"
    target.write_bytes(b"old")

    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_private(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_the_exports_atomic_writer_is_already_0600(tmp_path: Path, umask: None) -> None:
    """mkstemp creates its file 0600 and os.replace keeps the mode, so write_atomic needs no change."""
    target = tmp_path / "old.pdf"
    target.write_bytes(b"old")
    assert mode(target) == 0o644
    assert mode(write_atomic(target, b"new")) == 0o600


def test_synth_outputs_are_private(capsys, monkeypatch, tmp_path: Path, umask: None) -> None:  # type: ignore[no-untyped-def]
    args = ("synth", "--months", MONTH, "--episodes-per-month", "50", "--placements", "5",
            "--visits-per-month", "50", "--out", str(tmp_path / "e.parquet"),
            "--placements-out", str(tmp_path / "p"), "--visits-out", str(tmp_path / "v.csv"))  # fmt: skip
    code, _, err = run_cli(capsys, monkeypatch, *args)
    assert code == 0, err
    files = [tmp_path / "e.parquet", tmp_path / "v.csv", *(tmp_path / "p").iterdir()]
    assert len(files) == 5
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}


def test_a_new_sqlite_database_and_its_wal_and_shm_files_are_private(tmp_path: Path, umask: None) -> None:
    path = tmp_path / "runs.sqlite"
    db = open_database(path)
    try:
        assert setting(db, "probe", "1") == "1"  # a write: the -wal and -shm files now exist
        files = [path, path.with_name("runs.sqlite-wal"), path.with_name("runs.sqlite-shm")]
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    finally:
        db.close()
    reopened = open_database(path)  # the file is there now: opened, not created again
    try:
        assert setting(reopened, "probe", "2") == "1"
    finally:
        reopened.close()
    assert mode(path) == 0o600


def test_sqlite_creation_tolerates_a_file_created_meanwhile(tmp_path: Path, umask: None) -> None:
    """Another process may create the file between the check and os.open: SQLite opens it."""
    path = tmp_path / "runs.sqlite"
    path.touch()
    with open_database(path) as db:
        assert json.dumps(setting(db, "probe", "x")) == '"x"'
