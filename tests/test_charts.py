"""Charts for negotiators: valid PNG and SVG files, Swedish text, reproducible bytes, no crashes."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from hos_avtal.charts import NO_DATA, comparison_bars, pooled_trend, sweep_heatmap

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def svg_text(path: Path) -> str:
    """All text in an SVG; it stays text because the charts set ``svg.fonttype = "none"``."""
    root = ET.parse(path).getroot()
    return " ".join(root.itertext())


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 2_000  # more than a blank canvas


# ---- example inputs ----------------------------------------------------------------------------


def amounts() -> pl.DataFrame:
    names = ["Alingsås", "Borås", "Göteborg"]
    rows = len(names)
    return pl.DataFrame(
        {
            "name": names,
            "base_ore": [1_000_000_00 * (i + 1) for i in range(rows)],
            "scenario_ore": [1_200_000_00 * (i + 1) for i in range(rows)],
        },
        schema={"name": pl.String, "base_ore": pl.Int64, "scenario_ore": pl.Int64},
    )


SERIES = [("scenario_ore", "Tröskel 2,5 dagar")]


def grid() -> pl.DataFrame:
    thresholds = ["10", "2.5", "3.0"]  # text order differs from numeric order on purpose
    return pl.DataFrame(
        {
            "threshold": [t for t in thresholds for _ in (6, 8)],
            "switch_day": [d for _ in thresholds for d in (6, 8)],
            "total_ore": [50_000_000_00 + i * 1_000_000_00 for i in range(6)],
        }
    )


def trend() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "month": [dt.date(2025, m, 1) for m in range(1, 4)],
            "series": ["Alla 49 kommuner"] * 3,
            "average_days": [2.5, None, 3.4],  # February had no pooled episodes
            "threshold_days": [3.0, 3.0, 3.0],
        },
        schema={
            "month": pl.Date,
            "series": pl.String,
            "average_days": pl.Float64,
            "threshold_days": pl.Float64,
        },
    )


def draw_bars(out: Path, frame: pl.DataFrame | None = None) -> Path:
    return comparison_bars(amounts() if frame is None else frame, SERIES, out, title="Jämförelse")


def draw_heatmap(out: Path, frame: pl.DataFrame | None = None) -> Path:
    return sweep_heatmap(
        grid() if frame is None else frame,
        "threshold",
        "switch_day",
        out,
        title="Svep",
        x_label="Tröskel (dagar)",
        highlight=("3.0", 8),
    )


def draw_trend(out: Path, frame: pl.DataFrame | None = None) -> Path:
    return pooled_trend(trend() if frame is None else frame, out, title="Genomsnitt")


Draw = Callable[..., Path]
DRAWERS: list[Draw] = [draw_bars, draw_heatmap, draw_trend]


@pytest.fixture(scope="module")
def svgs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each chart drawn once from the example inputs; rendering is the slow part of these tests."""
    folder = tmp_path_factory.mktemp("svgs")
    return {draw.__name__: draw(folder / f"{draw.__name__}.svg") for draw in DRAWERS}


# ---- every chart --------------------------------------------------------------------------------


@pytest.mark.parametrize("draw", DRAWERS)
def test_writes_the_same_png_twice_creating_its_directory(draw: Draw, tmp_path: Path) -> None:
    out = draw(tmp_path / "new" / "chart.PNG")  # the suffix is matched without regard to case
    assert out == tmp_path / "new" / "chart.PNG"
    assert_png(out)
    assert draw(tmp_path / "again.png").read_bytes() == out.read_bytes()


@pytest.mark.parametrize("draw", DRAWERS)
def test_writes_the_same_svg_twice(draw: Draw, svgs: dict[str, Path], tmp_path: Path) -> None:
    first = svgs[draw.__name__].read_bytes()
    ET.fromstring(first)  # well-formed XML
    assert draw(tmp_path / "again.svg").read_bytes() == first


@pytest.mark.parametrize("draw", DRAWERS)
@pytest.mark.parametrize("name", ["chart.pdf", "chart.jpg", "chart"])
def test_other_suffixes_are_refused(draw: Draw, name: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.png, \.svg") as caught:
        draw(tmp_path / name)
    assert (Path(name).suffix or "no suffix") in str(caught.value)
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize(
    ("draw", "empty"),
    [(draw_bars, amounts().clear()), (draw_heatmap, grid().clear()), (draw_trend, trend().clear())],
)
def test_empty_input_says_so(draw: Draw, empty: pl.DataFrame, tmp_path: Path) -> None:
    assert NO_DATA in svg_text(draw(tmp_path / "empty.svg", empty))


def test_importing_the_package_does_not_import_matplotlib() -> None:
    code = "import sys, hos_avtal.charts; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# ---- comparison_bars ----------------------------------------------------------------------------


def test_bars_show_names_legend_and_swedish_amounts(svgs: dict[str, Path]) -> None:
    text = svg_text(svgs["draw_bars"])
    for expected in ["Alingsås", "Borås", "Göteborg", "Bas", "Tröskel 2,5 dagar", "Belopp (tkr)"]:
        assert expected in text
    assert "3\u00a0000 tkr" in text  # no-break space between thousands


def test_bars_put_the_largest_base_first(svgs: dict[str, Path]) -> None:
    text = svg_text(svgs["draw_bars"])
    # SVG text follows drawing order, which is the tick order from the top down.
    assert text.index("Göteborg") < text.index("Borås") < text.index("Alingsås")


def test_bars_grow_with_the_number_of_municipalities(svgs: dict[str, Path], tmp_path: Path) -> None:
    many = pl.DataFrame(
        {"name": [f"Kommun {i}" for i in range(20)], "base_ore": range(20), "scenario_ore": range(20)},
        schema={"name": pl.String, "base_ore": pl.Int64, "scenario_ore": pl.Int64},
    )
    small = ET.parse(svgs["draw_bars"]).getroot()
    large = ET.parse(draw_bars(tmp_path / "large.svg", many)).getroot()
    assert float(large.attrib["height"].removesuffix("pt")) > 3 * float(
        small.attrib["height"].removesuffix("pt")
    )


def test_bars_tolerate_a_missing_amount(tmp_path: Path) -> None:
    frame = amounts().with_columns(
        pl.when(pl.col("name") == "Borås").then(None).otherwise(pl.col("scenario_ore")).alias("scenario_ore")
    )
    assert "Borås" in svg_text(draw_bars(tmp_path / "bars.svg", frame))


def test_bars_refuse_float_money_and_missing_columns(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="integer öre"):
        draw_bars(tmp_path / "bars.svg", amounts().with_columns(pl.col("base_ore").cast(pl.Float64)))
    with pytest.raises(ValueError, match="scenario_ore"):
        draw_bars(tmp_path / "bars.svg", amounts().drop("scenario_ore"))


# ---- sweep_heatmap ------------------------------------------------------------------------------


def test_heatmap_orders_numeric_text_by_value(svgs: dict[str, Path]) -> None:
    text = svg_text(svgs["draw_heatmap"])
    assert text.index("2,5") < text.index("3,0") < text.index("10")
    for expected in ["Tröskel (dagar)", "switch_day", "Belopp (mnkr)", "Bas"]:
        assert expected in text


def test_heatmap_annotates_small_grids_only(svgs: dict[str, Path], tmp_path: Path) -> None:
    assert "50,0" in svg_text(svgs["draw_heatmap"])
    big = pl.DataFrame(
        {
            "x": list(range(16)),
            "y": [1] * 16,
            "total_ore": [123_456_789_00] * 16,
        }
    )
    text = svg_text(sweep_heatmap(big, "x", "y", tmp_path / "big.svg", title="Stort svep"))
    assert "123" not in text.replace("Stort svep", "")


def test_heatmap_accepts_boolean_and_integer_axes(tmp_path: Path) -> None:
    frame = pl.DataFrame({"sip": [True, False, True, False], "day": [8, 8, 6, 6], "total_ore": [1, 2, 3, 4]})
    out = sweep_heatmap(frame, "sip", "day", tmp_path / "bool.svg", title="SIP", highlight=(True, 8))
    text = svg_text(out)
    assert text.index("Nej") < text.index("Ja")


def test_heatmap_refuses_an_unknown_highlight_and_duplicate_cells(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="highlight"):
        sweep_heatmap(grid(), "threshold", "switch_day", tmp_path / "g.svg", title="x", highlight=("9", 8))
    with pytest.raises(ValueError, match="more than one row"):
        draw_heatmap(tmp_path / "g.svg", pl.concat([grid(), grid()]))


# ---- pooled_trend -------------------------------------------------------------------------------


def test_trend_labels_threshold_months_and_axes(svgs: dict[str, Path]) -> None:
    text = svg_text(svgs["draw_trend"])
    for expected in [
        "Tröskel",
        "Alla 49 kommuner",
        "Månad",
        "Genomsnittligt antal dagar",
        "2025-01",
        "Över tröskeln",
    ]:
        assert expected in text


def test_trend_with_only_null_averages_still_draws_the_threshold(tmp_path: Path) -> None:
    frame = trend().with_columns(pl.lit(None, pl.Float64).alias("average_days"))
    text = svg_text(draw_trend(tmp_path / "trend.svg", frame))
    assert "Tröskel" in text
    assert "Över tröskeln" not in text


def test_trend_draws_one_line_per_series(tmp_path: Path) -> None:
    frame = pl.concat([trend(), trend().with_columns(pl.lit("Borås").alias("series"))])
    text = svg_text(draw_trend(tmp_path / "trend.svg", frame))
    assert "Alla 49 kommuner" in text
    assert "Borås" in text


def test_trend_refuses_conflicting_thresholds(tmp_path: Path) -> None:
    other = trend().with_columns(pl.lit("Borås").alias("series"), pl.lit(2.0).alias("threshold_days"))
    with pytest.raises(ValueError, match="different thresholds"):
        draw_trend(tmp_path / "trend.svg", pl.concat([trend(), other]))
