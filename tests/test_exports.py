"""Fakturaunderlag exports: every format opens, sums to the run's öre, marks drafts, leaks no ids.

The runs are built from real calculations on synthetic data; the person ids fed in look like
personnummer on purpose, so that any leak into a file is caught by the personnummer scan.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import polars as pl
import pytest

from hos_avtal.betalningsansvar import calculate_betalningsansvar
from hos_avtal.errors import HosAvtalError
from hos_avtal.exports import build_run_basis, export_run
from hos_avtal.exports._pdf import safe
from hos_avtal.home_care import calculate_home_care
from hos_avtal.io import write_private as write_atomic
from hos_avtal.money import format_sek_sv
from hos_avtal.municipalities import parties
from hos_avtal.placements import calculate_placements
from hos_avtal.runs import RunInput, RunSummary, StoredRun
from hos_avtal.synth import month_range, synth_episodes, synth_placements, synth_visits

PERSONNUMMER = re.compile(rb"(?:\d{2})?\d{6}[-+]?\d{4}")
CORRECTION_SCHEMA = {
    "capability": pl.String, "kommun": pl.String, "line_key": pl.String,
    "previous_ore": pl.Int64, "current_ore": pl.Int64, "delta_ore": pl.Int64,
}  # fmt: skip
HASH = "ab" * 32  # a hex digest without digit runs (a real one may hold ten digits in a row)


def _pseudonymise(frame: pl.DataFrame, id_column: str, prefix: str) -> pl.DataFrame:
    """Ids without long digit runs, and person ids that look like personnummer (to catch leaks)."""
    n = frame.height
    return frame.with_columns(
        pl.Series(id_column, [f"{prefix}{i:05d}" for i in range(n)]),
        pl.Series("person_id", [f"19{500101 + i % 9000:06d}-{i % 10000:04d}" for i in range(n)]),
    )


def _summary(run_id: int, month: dt.date, version: int, state: str, **extra: object) -> RunSummary:
    return RunSummary(
        id=run_id, month=month, version=version, state=state,  # type: ignore[arg-type]
        ruleset_id="vgr-2018" if month.year < 2023 else "vgr-2023", ruleset_hash=HASH, inputs_hash=HASH,
        code_version="0.1.0", created_by="test", created_at=dt.datetime(2022, 7, 1, 8, 0, tzinfo=dt.UTC),
        **extra,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.fixture(scope="module")
def episodes() -> pl.DataFrame:
    return _pseudonymise(synth_episodes(month_range("2022-06"), episodes_per_month=600), "episode_id", "VT")


@pytest.fixture(scope="module")
def draft_run(episodes: pl.DataFrame) -> StoredRun:
    """Version 2 of 2022-06, a draft, with home care and corrections against run 3."""
    result = calculate_betalningsansvar(episodes, "2022-06")
    visits = _pseudonymise(synth_visits(month_range("2022-06"), visits_per_month=400), "visit_id", "B")
    home_care = calculate_home_care(visits, "2022-06")
    lines = result.episode_lines()
    first_1480 = lines.filter(pl.col("kommun") == "1480", pl.col("status") == "individual")["episode_id"][0]
    corrections = pl.DataFrame(
        {
            "capability": ["betalningsansvar", "betalningsansvar", "betalningsansvar", "home_care"],
            "kommun": ["1480", "1480", "1401", "1401"],
            "line_key": [first_1480, "total", "VT99999", "1401 1480 hemtjanst"],
            "previous_ore": [100_000, 5_000_000, 200_000, 50_000],
            "current_ore": [130_000, 4_800_000, 0, 60_000],
            "delta_ore": [30_000, -200_000, -200_000, 10_000],
        },
        schema=CORRECTION_SCHEMA,
    )
    return StoredRun(
        summary=_summary(8, dt.date(2022, 6, 1), 2, "draft", corrects_run_id=3),
        inputs=[RunInput("episodes", "episodes.csv", HASH, episodes.height)],
        betalningsansvar=result.municipalities,
        episode_lines=lines,
        corrections=corrections,
        home_care_lines=home_care.lines,
        home_care_municipalities=home_care.municipalities,
        home_care_payments=home_care.payments,
        recurring_liability={"1480": 2},
    )


@pytest.fixture(scope="module")
def final_run(draft_run: StoredRun) -> StoredRun:
    """The month's first version, final, without home care or corrections."""
    return StoredRun(
        summary=_summary(
            3, dt.date(2022, 6, 1), 1, "final",
            finalized_by="test", finalized_at=dt.datetime(2022, 7, 2, tzinfo=dt.UTC),
        ),
        inputs=draft_run.inputs,
        betalningsansvar=draft_run.betalningsansvar,
        episode_lines=draft_run.episode_lines,
        corrections=pl.DataFrame(schema=CORRECTION_SCHEMA),
    )  # fmt: skip


@pytest.fixture(scope="module")
def placement_run() -> StoredRun:
    """2024-06 with placements (their terms start 2023); 2024's daily amount given by hand."""
    episodes = _pseudonymise(
        synth_episodes(month_range("2024-06"), episodes_per_month=200), "episode_id", "VT"
    )
    result = calculate_betalningsansvar(episodes, "2024-06", daily_amount_sek="9800")
    placements, costs, agreements = synth_placements(month_range("2024-06"), placements=60)
    split = calculate_placements(placements, costs, agreements, "2024-06")
    return StoredRun(
        summary=_summary(11, dt.date(2024, 6, 1), 1, "final", daily_amount_ore=980_000),
        inputs=[],
        betalningsansvar=result.municipalities,
        episode_lines=result.episode_lines(),
        corrections=pl.DataFrame(schema=CORRECTION_SCHEMA),
        placement_lines=split.lines,
        placement_municipalities=split.municipalities,
    )


@pytest.fixture(scope="module")
def draft_files(draft_run: StoredRun, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return export_run(draft_run, tmp_path_factory.mktemp("draft"))


@pytest.fixture(scope="module")
def final_files(final_run: StoredRun, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return export_run(final_run, tmp_path_factory.mktemp("final"))


@pytest.fixture(scope="module")
def placement_files(placement_run: StoredRun, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return export_run(placement_run, tmp_path_factory.mktemp("placements"))


# --- readers that need nothing beyond the standard library ---


def read_xlsx(path: Path) -> dict[str, dict[tuple[int, int], str | float]]:
    """Sheets by name → {(row, col): value}, 0-based, from the workbook's XML."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as archive:
        names = [s.get("name") for s in ElementTree.fromstring(archive.read("xl/workbook.xml")).iter(
            "{{{}}}sheet".format(ns["m"])
        )]  # fmt: skip
        shared: list[str] = []
        if "xl/sharedStrings.xml" in archive.namelist():
            root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter("{{{}}}t".format(ns["m"]))) for si in root]
        sheets: dict[str, dict[tuple[int, int], str | float]] = {}
        for i, name in enumerate(names, start=1):
            cells: dict[tuple[int, int], str | float] = {}
            for c in ElementTree.fromstring(archive.read(f"xl/worksheets/sheet{i}.xml")).iter(
                "{{{}}}c".format(ns["m"])
            ):
                v = c.find("m:v", ns)
                if v is None or v.text is None:
                    continue
                ref = re.fullmatch(r"([A-Z]+)(\d+)", c.get("r", ""))
                assert ref is not None
                col = 0
                for ch in ref.group(1):
                    col = col * 26 + ord(ch) - 64
                key = (int(ref.group(2)) - 1, col - 1)
                cells[key] = shared[int(v.text)] if c.get("t") == "s" else float(v.text)
            sheets[str(name)] = cells
    return sheets


def pdf_streams(data: bytes) -> list[bytes]:
    """Every stream of the PDF, inflated where it is compressed."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = match.group(1)  # with the end-of-line before "endstream": a decompressor ignores it
        try:
            out.append(zlib.decompressobj().decompress(raw))
        except zlib.error:
            out.append(raw)
    return out


def pdf_text(data: bytes) -> str:
    """The strings drawn on the pages, in order, as text."""
    parts = []
    for stream in pdf_streams(data):
        for m in re.finditer(rb"\(((?:\\.|[^\\)])*)\) Tj", stream):
            parts.append(re.sub(rb"\\(.)", rb"\1", m.group(1)).decode("latin-1"))
    return "\n".join(parts)


def scanned_bytes(path: Path) -> list[bytes]:
    """What a reader of the file could see: the bytes, the zip members, the PDF's streams.

    A PDF's cross-reference table (ten-digit offsets by definition) and its creation date are
    file structure, not content, and are left out of the scan; so is the run's seal (64 hex
    digits, where ten decimal ones in a row occur by chance).
    """
    return [re.sub(rb"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])", b"", chunk) for chunk in _chunks(path)]


def _chunks(path: Path) -> list[bytes]:
    data = path.read_bytes()
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [archive.read(name) for name in archive.namelist()]
    if path.suffix == ".pdf":
        structure = re.sub(rb"\nxref\n.*?trailer", b"", data, flags=re.S)
        structure = re.sub(rb"/CreationDate \(D:[^)]*\)", b"", structure)
        return [re.sub(rb"stream\r?\n.*?endstream", b"", structure, flags=re.S), *pdf_streams(data)]
    return [data]


def to_ore(column: pl.Expr) -> pl.Expr:
    return column.str.replace(r"\.", "").cast(pl.Int64)


def by_kommun(paths: list[Path], suffix: str) -> dict[str, Path]:
    return {
        p.name.split("-")[4]: p for p in paths if p.name.startswith("fakturaunderlag") and p.suffix == suffix
    }


def summary_file(paths: list[Path], suffix: str) -> Path:
    return next(p for p in paths if p.name.startswith("sammanstallning") and p.suffix == suffix)


# --- file set, names, atomic writes ---


def test_one_file_per_municipality_and_format_plus_summaries(draft_files: list[Path]) -> None:
    assert len(draft_files) == 49 * 3 + 3
    assert {p.suffix for p in draft_files} == {".csv", ".xlsx", ".pdf"}
    assert all(p.exists() for p in draft_files)
    names = [p.name for p in draft_files]
    assert "fakturaunderlag-2022-06-v2-1480-goteborg.xlsx" in names
    assert "fakturaunderlag-2022-06-v2-1402-partille.pdf" in names
    assert "fakturaunderlag-2022-06-v2-1481-molndal.csv" in names  # ASCII-folded
    assert "sammanstallning-2022-06-v2.xlsx" in names
    assert all(n.isascii() and " " not in n for n in names)
    folder = draft_files[0].parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)  # no temporary file left


def test_names_and_bytes_are_deterministic(draft_run: StoredRun, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = export_run(draft_run, tmp_path / "a", kommun="1480")
    second = export_run(draft_run, tmp_path / "b", kommun="1480")
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_kommun_and_formats_select_files(draft_run: StoredRun, tmp_path: Path) -> None:
    paths = export_run(draft_run, tmp_path, kommun="1435", formats=["pdf"])
    assert [p.name for p in paths] == [
        "fakturaunderlag-2022-06-v2-1435-tanum.pdf",
        "sammanstallning-2022-06-v2.pdf",
    ]
    with pytest.raises(HosAvtalError, match="0180"):
        export_run(draft_run, tmp_path, kommun="0180")
    with pytest.raises(HosAvtalError, match="format"):
        export_run(draft_run, tmp_path, formats=["docx"])  # type: ignore[list-item]
    with pytest.raises(HosAvtalError, match="finns inte"):
        export_run(draft_run, tmp_path / "missing")


def test_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "fakturaunderlag.csv"
    write_atomic(target, b"old")

    def broken(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("hos_avtal.io._csv_safety.os.replace", broken)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, b"new")
    assert [p.name for p in tmp_path.iterdir()] == ["fakturaunderlag.csv"]
    assert target.read_bytes() == b"old"


# --- privacy ---


@pytest.mark.parametrize("which", ["draft_files", "final_files", "placement_files"])
def test_no_person_id_or_personnummer_in_any_file(which: str, request: pytest.FixtureRequest) -> None:
    paths: list[Path] = request.getfixturevalue(which)
    for path in paths:
        for chunk in scanned_bytes(path):
            hit = PERSONNUMMER.search(chunk)
            assert hit is None, f"{path.name}: {hit.group(0)!r}"
            assert b"person_id" not in chunk, path.name


# --- CSV ---


def test_csv_lines_and_totals_equal_the_run(draft_run: StoredRun, draft_files: list[Path]) -> None:
    ba = draft_run.betalningsansvar.rows_by_key("kommun", named=True, unique=True)
    lines = draft_run.episode_lines
    for code, path in by_kommun(draft_files, ".csv").items():
        assert path.read_bytes()[:3] != b"\xef\xbb\xbf"  # plain UTF-8, no BOM
        frame = pl.read_csv(path, infer_schema=False)
        assert set(frame["kommun"]) == {code}
        assert set(frame["marking"]) == {"UTKAST"}
        totals = dict(
            frame.filter(pl.col("section") == "total").select("line_key", to_ore(pl.col("amount_sek"))).rows()
        )
        assert totals["betalningsansvar"] == ba[code]["total_amount_ore"]
        episodes = frame.filter(pl.col("section") == "episode")
        expected = lines.filter(pl.col("kommun") == code)
        assert sorted(episodes["line_key"]) == sorted(expected["episode_id"])
        assert episodes.select(to_ore(pl.col("amount_sek")).sum()).item() == (
            expected["amount_ore"].sum() or 0
        )
        invoiced = frame.filter(pl.col("section") == "home_care_invoiced").select(
            to_ore(pl.col("amount_sek")).sum()
        )
        owed = frame.filter(pl.col("section") == "home_care_owed").select(to_ore(pl.col("amount_sek")).sum())
        assert totals["home_care_net"] == (invoiced.item() or 0) - (owed.item() or 0)
        assert totals["grand_total"] == totals["to_region"] - totals["home_care_net"]
    goteborg = pl.read_csv(by_kommun(draft_files, ".csv")["1480"], infer_schema=False)
    facts = dict(goteborg.filter(pl.col("section") == "betalningsansvar").select("line_key", "value").rows())
    assert facts["consecutive_liable_months"] == "2"


def test_csv_corrections_are_the_sum_of_their_lines(draft_files: list[Path]) -> None:
    # The fixture's "total" row is what runs stored before revision 0005 kept among their lines:
    # it is left out, never added to the lines it summed.
    files = by_kommun(draft_files, ".csv")
    for code, expected in (("1480", 30_000), ("1401", -190_000), ("1402", 0)):
        frame = pl.read_csv(files[code], infer_schema=False)
        totals = dict(
            frame.filter(pl.col("section") == "total").select("line_key", to_ore(pl.col("amount_sek"))).rows()
        )
        assert totals["correction"] == expected, code
    lines_1480 = pl.read_csv(files["1480"], infer_schema=False).filter(pl.col("section") == "correction")
    assert lines_1480.height == 1
    assert lines_1480["delta_sek"][0] == "300.00"


def test_csv_summary_has_all_49_with_zero_invoices(draft_run: StoredRun, draft_files: list[Path]) -> None:
    frame = pl.read_csv(summary_file(draft_files, ".csv"), infer_schema=False)
    assert frame.height == 49
    assert frame["kommun"].to_list() == [p.code for p in parties()]
    expected = draft_run.betalningsansvar.sort("kommun")["total_amount_ore"].to_list()
    assert frame.select(to_ore(pl.col("betalningsansvar_sek")))["betalningsansvar_sek"].to_list() == expected
    zero = frame.filter(pl.col("zero_invoice") == "true")
    assert zero.height == sum(1 for v in expected if v == 0) > 0
    assert set(frame["marking"]) == {"UTKAST"}
    assert set(frame["state"]) == {"draft"}
    assert frame.select(to_ore(pl.col("home_care_net_sek")).sum()).item() == 0  # netting sums to zero


# --- Excel ---


def test_xlsx_sheets_sums_and_draft_marking(draft_run: StoredRun, draft_files: list[Path]) -> None:
    lines = draft_run.episode_lines
    for code, path in by_kommun(draft_files, ".xlsx").items():
        book = read_xlsx(path)
        assert list(book) == ["Sammanfattning", "Vårdtillfällen", "Hemtjänst och hemsjukvård", "Rättelser"]
        for sheet in book.values():
            assert "UTKAST" in str(sheet[(0, 0)])
        episodes = book["Vårdtillfällen"]
        assert episodes[(1, 0)] == "Vårdtillfälle (pseudonym)"
        assert episodes[(1, 8)] == "Belopp (kr)"
        amounts = [v for (r, c), v in episodes.items() if c == 8 and r >= 2]
        expected = lines.filter(pl.col("kommun") == code)
        assert sum(round(float(v) * 100) for v in amounts) == (expected["amount_ore"].sum() or 0)
        ids = [v for (r, c), v in episodes.items() if c == 0 and r >= 2]
        assert sorted(ids) == sorted(expected["episode_id"])
        summary = book["Sammanfattning"]
        labels = {v: summary.get((r, 1)) for (r, c), v in summary.items() if c == 0}
        total = draft_run.betalningsansvar.filter(pl.col("kommun") == code)["total_amount_ore"].item()
        assert round(float(labels["Betalningsansvar totalt (kr)"]) * 100) == total  # type: ignore[arg-type]


def test_xlsx_summary_workbook_has_all_49(draft_run: StoredRun, draft_files: list[Path]) -> None:
    book = read_xlsx(summary_file(draft_files, ".xlsx"))
    assert list(book) == ["Sammanställning", "Körning"]
    sheet = book["Sammanställning"]
    headers = {v: c for (r, c), v in sheet.items() if r == 1}
    codes = [sheet[(r, 0)] for r in range(2, 51)]
    assert codes == [p.code for p in parties()]
    column = headers["Betalningsansvar totalt (kr)"]
    values = [round(float(sheet[(r, column)]) * 100) for r in range(2, 51)]
    assert values == draft_run.betalningsansvar.sort("kommun")["total_amount_ore"].to_list()
    zero = headers["Nollfaktura"]
    assert [sheet[(r, zero)] for r in range(2, 51)].count("Ja") == values.count(0) > 0
    assert round(float(sheet[(52, column)]) * 100) == sum(values)  # the totals row


def test_xlsx_final_run_is_not_marked_and_has_no_correction_sheet(final_files: list[Path]) -> None:
    for path in [*by_kommun(final_files, ".xlsx").values(), summary_file(final_files, ".xlsx")]:
        book = read_xlsx(path)
        assert "Rättelser" not in book
        assert "Hemtjänst och hemsjukvård" not in book
        assert not any("UTKAST" in str(v) for sheet in book.values() for v in sheet.values())


# --- PDF ---


def test_pdf_opens_names_the_municipality_and_marks_drafts(
    draft_run: StoredRun, draft_files: list[Path]
) -> None:
    basis = build_run_basis(draft_run)
    for code, path in by_kommun(draft_files, ".pdf").items():
        data = path.read_bytes()
        assert data.startswith(b"%PDF")
        text = pdf_text(data)
        b = basis.get(code)
        assert f"Fakturaunderlag - {b.name} ({code})" in text
        pages = len(re.findall(rb"/Type /Page\b", data))
        assert text.splitlines().count("UTKAST") == pages >= 2  # the red mark on every page
        assert safe(format_sek_sv(b.betalningsansvar.total_amount_ore)) in text
        episode_ids = set(re.findall(r"^VT\d{5}$", text, re.M))
        corrected = set(b.corrections.lines["line_key"])  # the correction table names its lines too
        assert episode_ids - corrected == set(b.episodes["episode_id"]) - corrected
        assert re.search(rf"Sida {pages} av\s*{pages}", text)


def test_pdf_summary_lists_all_49_and_the_total(draft_run: StoredRun, draft_files: list[Path]) -> None:
    text = pdf_text(summary_file(draft_files, ".pdf").read_bytes())
    lines = text.splitlines()
    for p in parties():
        assert safe(p.name) in lines, p.name
    total = int(draft_run.betalningsansvar["total_amount_ore"].sum())
    assert safe(format_sek_sv(total)) in lines


def test_final_run_is_not_marked_in_csv_or_pdf(final_run: StoredRun, final_files: list[Path]) -> None:
    for path in final_files:
        if path.suffix == ".pdf":
            assert "UTKAST" not in pdf_text(path.read_bytes())
        elif path.suffix == ".csv":
            frame = pl.read_csv(path, infer_schema=False)
            assert set(frame["state"]) == {"final"}
            assert frame["marking"].is_null().all()


def test_zero_invoice_municipalities_get_a_basis_too(final_run: StoredRun, final_files: list[Path]) -> None:
    zero = final_run.betalningsansvar.filter(pl.col("total_amount_ore") == 0)["kommun"].to_list()
    assert zero
    pdfs = by_kommun(final_files, ".pdf")
    for code in zero:
        lines = pdf_text(pdfs[code].read_bytes()).splitlines()
        assert lines[lines.index("Nollfaktura") + 1] == "Ja"
        assert lines[lines.index("Betalningsansvar totalt (kr)") + 1] == "0,00"


def test_pdf_maps_characters_outside_latin1() -> None:
    assert safe("Göteborg – 2022 → ok “x”") == 'Göteborg - 2022 -> ok "x"'
    assert safe("łódź").encode("latin-1")


# --- placements ---


def test_placements_in_every_format(placement_run: StoredRun, placement_files: list[Path]) -> None:
    lines = placement_run.placement_lines
    assert lines is not None
    settlement = lines.with_columns(
        pl.when(pl.col("placed_by") == "region")
        .then(pl.col("kommun_ore"))
        .otherwise(-pl.col("region_ore"))
        .alias("s")
    )
    expected = dict(
        settlement.group_by("kommun")
        .agg(pl.col("s").sum(), pl.col("kommun_ore").sum())
        .select("kommun", "s")
        .rows()
    )
    csvs, books = by_kommun(placement_files, ".csv"), by_kommun(placement_files, ".xlsx")
    for code in expected:
        frame = pl.read_csv(csvs[code], infer_schema=False)
        rows = frame.filter(pl.col("section") == "placement")
        assert rows.select(to_ore(pl.col("settlement_sek")).sum()).item() == expected[code]
        assert rows.select(to_ore(pl.col("amount_sek")).sum()).item() == (
            lines.filter(pl.col("kommun") == code)["cost_ore"].sum()
        )
        sheet = read_xlsx(books[code])["Placeringar"]
        assert (
            sum(round(float(v) * 100) for (r, c), v in sheet.items() if c == 9 and r >= 2) == expected[code]
        )
    summary = pl.read_csv(summary_file(placement_files, ".csv"), infer_schema=False)
    assert summary.select(to_ore(pl.col("placement_region_sek")).sum()).item() == lines["region_ore"].sum()
    assert summary.select(to_ore(pl.col("placement_kommun_sek")).sum()).item() == lines["kommun_ore"].sum()
    assert set(summary["daily_amount_sek"]) == {"9800.00"}
    pdf = pdf_text(by_kommun(placement_files, ".pdf")[lines["kommun"][0]].read_bytes())
    assert "Placeringar utanför hemmet".encode("latin-1").decode("latin-1") in pdf
    assert Decimal(summary["daily_amount_sek"][0]) == Decimal("9800")
