"""``hos-avtal run`` as a clerk and an invoicing script use it: messages and exit codes, never a
traceback; on SQLite and (with ``HOS_AVTAL_TEST_POSTGRES_URL``) PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import test_storage
from test_cli import run
from test_storage import MONTH

database_url = test_storage.database_url  # the parametrised database fixture: SQLite and PostgreSQL


@pytest.fixture
def episodes(tmp_path: Path) -> Path:
    from hos_avtal.synth import month_range, synth_episodes

    path = tmp_path / "episodes.csv"
    synth_episodes(month_range(MONTH), episodes_per_month=300, seed=11).write_csv(path)
    return path


def changed(episodes: Path) -> Path:
    lines = episodes.read_text().splitlines()
    path = episodes.with_name("changed.csv")
    path.write_text("\n".join([lines[0], *lines[41:]]) + "\n")  # the first 40 episodes withdrawn
    return path


def test_run_list_show_finalize_diff(capsys, monkeypatch, database_url: str, episodes: Path) -> None:  # type: ignore[no-untyped-def]
    db = ["--db", database_url]
    code, out, err = run(capsys, monkeypatch, "run", "--month", MONTH, "--episodes", str(episodes), *db)
    assert code == 0, err
    assert out.splitlines()[0] == "körning 1: 2022-06 version 1, utkast (ny)"
    assert out.splitlines()[1].startswith("fastställt belopp 9\u00a0300,00 kr per vårddygn (medföljer: ")
    assert "Traceback" not in err
    code, out, _ = run(capsys, monkeypatch, "run", "--month", MONTH, "--episodes", str(episodes), *db)
    assert (code, out.splitlines()[0]) == (
        0,
        "körning 1: 2022-06 version 1, utkast (finns redan: samma indata och regelverk har körts)",
    )

    code, out, _ = run(capsys, monkeypatch, "run", "finalize", "1", "--by", "clerk", *db)
    assert (code, out.strip()) == (0, "körning 1 är fastställd: 2022-06 version 1")
    code, out, _ = run(capsys, monkeypatch, "run", "finalize", "1", *db)
    assert code == 0
    assert "redan fastställd" in out
    assert "av clerk" in out

    code, out, err = run(capsys, monkeypatch, "run", "-m", MONTH, "--episodes", str(changed(episodes)), *db)
    assert (code, out.splitlines()[0]) == (0, "körning 2: 2022-06 version 2, utkast (ny)"), err

    code, out, _ = run(capsys, monkeypatch, "run", "list", *db)
    assert code == 0
    assert "fastställd" in out
    assert "utkast" in out
    code, out, _ = run(capsys, monkeypatch, "run", "list", "--state", "final", *db)
    assert code == 0
    assert "utkast" not in out
    code, out, _ = run(capsys, monkeypatch, "run", "list", "--month", "2021-01", *db)
    assert (code, out.strip()) == (0, "inga körningar lagrade som matchar")

    code, out, _ = run(capsys, monkeypatch, "run", "show", "2", "--format", "json", *db)
    shown = json.loads(out)
    assert code == 0
    assert shown["run"]["version"] == 2
    assert shown["run"]["corrects_run_id"] == 1
    assert len(shown["municipalities"]) == 49
    assert shown["inputs"][0]["kind"] == "episodes"
    assert all(c["delta_ore"] == c["current_ore"] - c["previous_ore"] for c in shown["corrections"])
    code, out, _ = run(capsys, monkeypatch, "run", "show", "2", *db)
    assert code == 0
    assert "Körning 2: 2022-06 version 2, utkast" in out
    assert "Rättar körning 1" in out

    code, out, _ = run(capsys, monkeypatch, "run", "diff", "1", "2", *db)
    assert code == 0
    assert "Per kommun" in out
    assert "ändrade rader" in out
    code, out, _ = run(capsys, monkeypatch, "run", "diff", "1", "1", *db)
    assert (code, out.strip()) == (0, "körningarna 1 och 1 fakturerar samma belopp")


def test_errors_are_messages_with_exit_code_2(
    capsys, monkeypatch, database_url: str, episodes: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    db = ["--db", database_url]
    for args, message in (
        (["run", "show", "7"], "fel: ingen körning med id 7"),
        (["run", "finalize", "7"], "fel: ingen körning med id 7"),
        (["run", "diff", "7", "8"], "fel: ingen körning med id 7"),
        (["run", "--month", MONTH, "--episodes", str(tmp_path / "missing.csv")], "filen finns inte"),
        (["run", "--month", MONTH], "--episodes"),
        (["run", "--month", "2022-13", "--episodes", str(episodes)], "2022-13"),
        (["run", "list", "--state", "paid"], "välj draft eller final"),
    ):
        code, out, err = run(capsys, monkeypatch, *args, *db)
        assert code == 2, (args, out, err)
        assert message in err, (args, err)
        assert "Traceback" not in err


def test_a_draft_superseded_by_a_final_version_is_refused(
    capsys, monkeypatch, database_url: str, episodes: Path
) -> None:  # type: ignore[no-untyped-def]
    db = ["--db", database_url]
    run(capsys, monkeypatch, "run", "-m", MONTH, "--episodes", str(episodes), *db)
    run(capsys, monkeypatch, "run", "-m", MONTH, "--episodes", str(changed(episodes)), *db)
    assert run(capsys, monkeypatch, "run", "finalize", "2", *db)[0] == 0
    code, _, err = run(capsys, monkeypatch, "run", "finalize", "1", *db)
    assert code == 2
    assert "version 1 av den månaden är redan fastställd" in err


def test_db_defaults_to_the_environment_then_a_file_here(
    capsys, monkeypatch, tmp_path: Path, episodes: Path
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HOS_AVTAL_DATABASE_URL", raising=False)
    code, _, err = run(capsys, monkeypatch, "run", "-m", MONTH, "--episodes", str(episodes))
    assert code == 0, err
    assert (tmp_path / "hos_avtal.sqlite").is_file()
    monkeypatch.setenv("HOS_AVTAL_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    code, out, _ = run(capsys, monkeypatch, "run", "list")
    assert code == 0
    assert out.strip() == "inga körningar lagrade"
    assert (tmp_path / "env.sqlite").is_file()
    code, _, err = run(capsys, monkeypatch, "run", "list", "--db", str(tmp_path / "nope" / "x.sqlite"))
    assert code == 2
    assert "mappen finns inte" in err


PERSONNUMMER = r"(?:\d{2})?\d{6}[-+]?\d{4}"


def test_export_writes_every_format_for_every_municipality(  # type: ignore[no-untyped-def]
    capsys, monkeypatch, database_url: str, episodes: Path, tmp_path: Path
) -> None:
    db = ["--db", database_url]
    assert run(capsys, monkeypatch, "run", "--month", MONTH, "--episodes", str(episodes), *db)[0] == 0
    out_dir = tmp_path / "underlag"
    code, out, err = run(capsys, monkeypatch, "run", "export", "1", "--out", str(out_dir), *db)
    assert code == 0, err
    written = sorted(p.name for p in out_dir.iterdir())
    assert len(written) == 3 * 50  # 49 municipalities and the summary, in three formats
    assert "fakturaunderlag-2022-06-v1-1480-goteborg.pdf" in written
    assert "sammanstallning-2022-06-v1.xlsx" in written
    assert out.splitlines()[0].endswith(".csv")

    code, out, err = run(
        capsys, monkeypatch, "run", "export", "1", "--kommun", "1480", "--format", "csv",
        "--out", str(tmp_path / "one"), *db,
    )  # fmt: skip
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == [
        "fakturaunderlag-2022-06-v1-1480-goteborg.csv",
        "sammanstallning-2022-06-v1.csv",
    ]


def test_run_with_export_to_stores_and_exports_in_one_go(  # type: ignore[no-untyped-def]
    capsys, monkeypatch, database_url: str, tmp_path: Path
) -> None:
    """Personnummer ids in, none out: the database and every exported file hold pseudonyms only."""
    import re

    import polars as pl

    from hos_avtal.synth import month_range, synth_episodes

    frame = synth_episodes(month_range(MONTH), episodes_per_month=200, seed=5)
    frame = frame.with_columns(pl.lit("19121212-1212").alias("person_id"))  # a valid personnummer
    path = tmp_path / "episodes.csv"
    frame.write_csv(path)
    args = ("run", "--month", MONTH, "--episodes", str(path), "--export-to", str(tmp_path / "out"))
    code, out, err = run(capsys, monkeypatch, *args, "--db", database_url)
    assert code == 0, err
    assert "skrev 150 filer" in out
    for file in (tmp_path / "out").iterdir():
        text = file.read_bytes().decode("latin-1")
        assert "19121212" not in text
        assert "121212-1212" not in text
        if file.suffix == ".csv":
            # The seal is 64 hex digits: ten decimal ones in a row occur there by chance.
            without_seals = re.sub(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])", "", text)
            assert not re.search(rf"(?<!\d){PERSONNUMMER}(?!\d)", without_seals)


def test_export_of_an_unknown_run_is_a_message(
    capsys, monkeypatch, database_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(
        capsys, monkeypatch, "run", "export", "99", "--out", str(tmp_path), "--db", database_url
    )
    assert code == 2
    assert "99" in err
    assert "Traceback" not in err
    assert out == ""
