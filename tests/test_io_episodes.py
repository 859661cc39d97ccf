"""Reading episode files: every accepted dialect, and every kind of bad input named precisely."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from helpers import HEADER, episode, frame, write_csv
from hos_avtal.errors import InputError
from hos_avtal.io import read_episodes, validate_episodes

GOOD = "e1,p1,1480,somatik,SU,2022-03-01,2022-03-04,true,true,false,,true,true"


def problems(error: pytest.ExceptionInfo[InputError]) -> list[tuple[int | None, str | None]]:
    return [(p.row, p.column) for p in error.value.problems]


class TestAcceptedInput:
    def test_comma_separated_utf8(self, tmp_path: Path) -> None:
        episodes = read_episodes(write_csv(tmp_path / "e.csv", GOOD))
        assert episodes.row(0, named=True)["discharge_date"] == dt.date(2022, 3, 4)

    def test_semicolon_separated_with_bom_from_swedish_excel(self, tmp_path: Path) -> None:
        path = write_csv(tmp_path / "e.csv", GOOD.replace(",", ";"), separator=";", bom=True)
        assert read_episodes(path)["episode_id"].to_list() == ["e1"]

    def test_swedish_and_numeric_booleans(self, tmp_path: Path) -> None:
        line = "e1,p1,1480,psykiatri,SU,2022-03-01,2022-03-04,ja,1,nej,,JA,true"
        row = read_episodes(write_csv(tmp_path / "e.csv", line)).row(0, named=True)
        assert (row["admission_notice"], row["ready_notice"], row["sip_needed"]) == (True, True, False)

    def test_kommun_code_keeps_its_leading_zero(self, tmp_path: Path) -> None:
        line = GOOD.replace("1480", "0180")
        assert read_episodes(write_csv(tmp_path / "e.csv", line))["kommun"].to_list() == ["0180"]

    def test_still_admitted_has_no_discharge_date(self, tmp_path: Path) -> None:
        line = "e1,p1,1480,somatik,SU,2022-03-01,,true,true,false,,true,true"
        assert read_episodes(write_csv(tmp_path / "e.csv", line))["discharge_date"].to_list() == [None]

    def test_hospital_column_is_optional(self, tmp_path: Path) -> None:
        header = HEADER.replace("hospital,", "")
        line = "e1,p1,1480,somatik,2022-03-01,2022-03-04,true,true,false,,true,true"
        assert read_episodes(write_csv(tmp_path / "e.csv", line, header=header))["hospital"].to_list() == [
            None
        ]

    def test_parquet_with_native_types(self, tmp_path: Path) -> None:
        path = tmp_path / "e.parquet"
        frame(episode("e1", 4), episode("e2", None)).write_parquet(path)
        episodes = read_episodes(path)
        assert episodes["discharge_date"].to_list() == [dt.date(2022, 3, 5), None]

    def test_header_only_is_an_empty_month_not_an_error(self, tmp_path: Path) -> None:
        assert read_episodes(write_csv(tmp_path / "e.csv")).height == 0


class TestBadInput:
    def test_every_bad_row_is_reported_with_row_and_column(self, tmp_path: Path) -> None:
        path = write_csv(
            tmp_path / "e.csv",
            GOOD,
            "e2,p2,180,somatik,SU,2022-03-01,2022-03-04,true,true,false,,true,true",
            "e3,p3,1480,ortopedi,SU,2022-03-01,2022-03-04,true,true,false,,true,true",
            "e4,p4,1480,somatik,SU,2022-02-30,2022-03-04,true,kanske,false,,true,true",
        )
        with pytest.raises(InputError) as error:
            read_episodes(path)
        assert problems(error) == [(3, "kommun"), (4, "care_type"), (5, "ready_date"), (5, "ready_notice")]
        assert str(path) in str(error.value)
        assert "rad 3, kolumn 'kommun': är ingen kommunkod" in str(error.value)
        # A message never quotes a cell: any cell could hold a personnummer or a name.
        assert "'180'" not in str(error.value)
        assert "ortopedi" not in str(error.value)

    @pytest.mark.parametrize("code", ["180", "9999", "14800", "abcd"])
    def test_not_a_kommun_code(self, tmp_path: Path, code: str) -> None:
        with pytest.raises(InputError) as error:
            read_episodes(write_csv(tmp_path / "e.csv", GOOD.replace("1480", code)))
        assert problems(error) == [(2, "kommun")]

    def test_discharge_before_ready(self, tmp_path: Path) -> None:
        line = GOOD.replace("2022-03-04", "2022-02-27")
        with pytest.raises(InputError) as error:
            read_episodes(write_csv(tmp_path / "e.csv", line))
        assert problems(error) == [(2, "discharge_date")]

    def test_duplicate_episode_id_names_the_first_row(self, tmp_path: Path) -> None:
        with pytest.raises(InputError) as error:
            read_episodes(write_csv(tmp_path / "e.csv", GOOD, GOOD.replace("p1", "p2"), GOOD))
        assert problems(error) == [(3, "episode_id"), (4, "episode_id")]
        assert "samma id står på rad 2" in str(error.value)

    def test_missing_column(self, tmp_path: Path) -> None:
        header = HEADER.replace(",ready_notice", "")
        line = "e1,p1,1480,somatik,SU,2022-03-01,2022-03-04,true,false,,true,true"
        with pytest.raises(InputError) as error:
            read_episodes(write_csv(tmp_path / "e.csv", line, header=header))
        assert problems(error) == [(1, "ready_notice")]
        assert "obligatorisk kolumn saknas" in str(error.value)

    @pytest.mark.parametrize(
        "column", ["episode_id", "person_id", "kommun", "care_type", "ready_date", "admission_notice"]
    )
    def test_empty_required_cell(self, tmp_path: Path, column: str) -> None:
        cells = dict(zip(HEADER.split(","), GOOD.split(","), strict=True))
        cells[column] = ""
        with pytest.raises(InputError) as error:
            read_episodes(write_csv(tmp_path / "e.csv", ",".join(cells.values())))
        assert problems(error) == [(2, column)]

    def test_sip_needed_without_answer_on_invitation(self, tmp_path: Path) -> None:
        line = GOOD.replace("false,,", "true,,")
        with pytest.raises(InputError) as error:
            read_episodes(write_csv(tmp_path / "e.csv", line))
        assert problems(error) == [(2, "sip_invited")]

    @pytest.mark.parametrize("personnummer", ["19121212-1212", "121212-1212", "191212121212", "1212121212"])
    def test_a_personnummer_is_refused_and_never_echoed(self, tmp_path: Path, personnummer: str) -> None:
        with pytest.raises(InputError) as error:
            read_episodes(write_csv(tmp_path / "e.csv", GOOD.replace("p1", personnummer)))
        assert problems(error) == [(2, "person_id")]
        assert personnummer not in str(error.value)
        assert "1212" not in str(error.value)

    def test_a_number_that_fails_the_check_digit_is_a_pseudonym(self, tmp_path: Path) -> None:
        assert read_episodes(write_csv(tmp_path / "e.csv", GOOD.replace("p1", "19121212-1213"))).height == 1

    def test_not_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "e.csv"
        path.write_bytes((HEADER + "\n" + GOOD.replace("SU", "Sk\xe5S") + "\n").encode("latin-1"))
        with pytest.raises(InputError, match="inte UTF-8"):
            read_episodes(path)

    def test_no_such_file(self, tmp_path: Path) -> None:
        with pytest.raises(InputError, match="filen finns inte"):
            read_episodes(tmp_path / "missing.csv")

    def test_broken_parquet(self, tmp_path: Path) -> None:
        path = tmp_path / "e.parquet"
        path.write_bytes(b"PAR1 not really")
        with pytest.raises(InputError, match="är inte en läsbar Parquet-fil"):
            read_episodes(path)

    def test_many_problems_are_summarised_after_the_first_hundred(self, tmp_path: Path) -> None:
        lines = [GOOD.replace("e1", f"e{i}").replace("1480", "999") for i in range(250)]
        with pytest.raises(InputError) as error:
            read_episodes(write_csv(tmp_path / "e.csv", *lines))
        assert len(error.value.problems) == 250
        assert "… och 150 till" in str(error.value)


def test_in_memory_frames_are_validated_like_files() -> None:
    bad = frame(episode("e1", 3, kommun="999"))
    with pytest.raises(InputError) as error:
        validate_episodes(bad, source="request body")
    assert problems(error) == [(1, "kommun")]
    assert str(error.value).startswith("request body:")


def test_validated_frame_has_the_engine_schema() -> None:
    episodes = validate_episodes(frame(episode("e1", 3)))
    assert episodes.schema["ready_date"] == pl.Date
    assert episodes.schema["sip_needed"] == pl.Boolean


def test_the_fast_path_for_clean_typed_files_gives_the_same_frame_as_checking_every_cell() -> None:
    from hos_avtal.io import Table
    from hos_avtal.io._episodes import _proven_clean, _validate_cell_by_cell
    from hos_avtal.synth import month_range, synth_episodes

    table = Table(
        synth_episodes(month_range("2022-02..2022-03"), episodes_per_month=2000, seed=3), "synth", 1
    )
    fast = _proven_clean(table)
    assert fast is not None
    assert fast.equals(_validate_cell_by_cell(table))


@pytest.mark.parametrize(
    "spoil",
    [
        {"kommun": "999"},
        {"care_type": "Somatik"},
        {"episode_id": "e0"},
        {"person_id": "19121212-1212"},
        {"person_id": " p1"},
        {"ready_date": dt.date(2022, 3, 31)},
        {"admission_notice": None},
        {"sip_needed": True, "sip_invited": None},
    ],
)
def test_any_doubt_leaves_the_fast_path(spoil: dict[str, object]) -> None:
    from hos_avtal.io import Table
    from hos_avtal.io._episodes import _proven_clean

    rows = [episode(f"e{i}", 3) for i in range(3)]
    rows[1].update(spoil)
    assert _proven_clean(Table(frame(*rows), "t", 1)) is None
