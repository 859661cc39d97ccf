"""A comparison as an Excel workbook a negotiator can take to the meeting.

Sheet *Jämförelse*: the 49 municipalities grouped by kommunalförbund, each group followed by its
subtotal, then the county total; base, each scenario, the difference in kronor and in percent.
Sheet *Per del* (more than one capability): the totals per capability. Sheet *Parametrar*: what
each scenario changed, so the workbook explains itself when it is forwarded. A sweep's workbook
has every combination, every municipality per combination and, for two parameters, the matrix.
Amounts are exact decimals in kronor with the format ``#,##0.00`` (a Swedish Excel shows
``9 300,00``), percentages real percentages.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]

from hos_avtal.money import ore_to_decimal
from hos_avtal.months import format_month
from hos_avtal.scenarios._compare import Comparison
from hos_avtal.scenarios._report import json_value
from hos_avtal.scenarios._sweep import Sweep

CAPABILITY_SV = {
    "betalningsansvar": "Betalningsansvar (utskrivningsklara)",
    "placements": "Placeringar (kommunens andel)",
    "home_care": "Hemtjänst/hemsjukvård i annan kommun (kommunens kostnad)",
}


class _Sheet:
    def __init__(self, book: Any, name: str, formats: dict[str, Any]) -> None:
        self.ws = book.add_worksheet(name)
        self.fmt = formats
        self.row = 0

    def write_row(self, values: Sequence[Any], kinds: Sequence[str], *, bold: bool = False) -> None:
        for col, (value, kind) in enumerate(zip(values, kinds, strict=True)):
            key = f"{kind}_bold" if bold else kind
            self.ws.write(self.row, col, value, self.fmt.get(key))
        self.row += 1


def comparison_xlsx(comparison: Comparison) -> bytes:
    """The workbook as bytes (``.xlsx``).

    >>> from hos_avtal.synth import synth_episodes, month_range
    >>> from hos_avtal.scenarios import ScenarioData, compare, scenario_from_mapping
    >>> data = ScenarioData(episodes=synth_episodes(month_range("2022-03"), episodes_per_month=300, seed=2))
    >>> s = scenario_from_mapping({"name": "3,5 dagar", "base": "vgr-2018",
    ...                            "betalningsansvar": {"average_threshold_days": "3.5"}})
    >>> comparison_xlsx(compare(data, [s]))[:2]
    b'PK'
    """
    buffer, book, formats = _workbook("Scenariojämförelse")
    _comparison_sheet(book, formats, comparison)
    if len(comparison.capabilities) > 1:
        _capability_sheet(book, formats, comparison)
    _parameter_sheet(book, formats, comparison)
    book.close()
    return buffer.getvalue()


def _workbook(title: str) -> tuple[io.BytesIO, Any, dict[str, Any]]:
    """An in-memory workbook that never turns a cell into a formula or a link, and its formats."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    book.set_properties({"title": title, "created": None})
    return buffer, book, _formats(book)


def _formats(book: Any) -> dict[str, Any]:
    add = book.add_format
    return {
        "title": add({"bold": True, "font_size": 13}),
        "header": add({"bold": True, "bg_color": "#DDE5F0", "bottom": 1, "text_wrap": True}),
        "text": add({}),
        "text_bold": add({"bold": True, "top": 1}),
        "money": add({"num_format": "#,##0.00"}),
        "money_bold": add({"num_format": "#,##0.00", "bold": True, "top": 1}),
        "pct": add({"num_format": "0.0%"}),
        "pct_bold": add({"num_format": "0.0%", "bold": True, "top": 1}),
    }


def _headers(comparison: Comparison) -> list[str]:
    headers = [f"{comparison.variants[0].label} (kr)"]
    for variant in comparison.scenarios:
        headers += [
            f"{variant.label} (kr)",
            f"Skillnad {variant.label} (kr)",
            f"Skillnad {variant.label} (%)",
        ]
    return headers


def _amounts(row: Mapping[str, Any], comparison: Comparison) -> tuple[list[Any], list[str]]:
    values: list[Any] = [ore_to_decimal(row["base_ore"])]
    kinds = ["money"]
    for i in range(1, len(comparison.variants)):
        permille = row[f"s{i}_diff_permille"]
        values += [
            ore_to_decimal(row[f"s{i}_ore"]),
            ore_to_decimal(row[f"s{i}_diff_ore"]),
            None if permille is None else Decimal(permille) / 1000,
        ]
        kinds += ["money", "money", "pct"]
    return values, kinds


def _title(comparison: Comparison) -> str:
    months = comparison.months
    span = (
        format_month(months[0])
        if len(months) == 1
        else f"{format_month(months[0])}–{format_month(months[-1])}"
    )
    return f"Scenariojämförelse {span} – vad kommunerna hade betalat"


def _comparison_sheet(book: Any, formats: dict[str, Any], comparison: Comparison) -> None:
    sheet = _Sheet(book, "Jämförelse", formats)
    sheet.ws.write(0, 0, _title(comparison), formats["title"])
    sheet.row = 2
    headers = ["Kommun", "Kod", "Kommunalförbund", *_headers(comparison)]
    sheet.write_row(headers, ["header"] * len(headers))
    sheet.ws.freeze_panes(sheet.row, 1)
    municipalities = comparison.municipalities()
    subtotals = {row["kommunalforbund"]: row for row in comparison.kommunalforbund().iter_rows(named=True)}
    for association, row in subtotals.items():
        for kommun in municipalities.filter(municipalities["kommunalforbund"] == association).iter_rows(
            named=True
        ):
            values, kinds = _amounts(kommun, comparison)
            sheet.write_row([kommun["name"], kommun["kommun"], association, *values], ["text"] * 3 + kinds)
        values, kinds = _amounts(row, comparison)
        sheet.write_row([f"Summa {association}", "", "", *values], ["text"] * 3 + kinds, bold=True)
    values, kinds = _amounts(comparison.total(), comparison)
    sheet.write_row(["Totalt, 49 kommuner", "", "", *values], ["text"] * 3 + kinds, bold=True)
    sheet.ws.set_column(0, 0, 24)
    sheet.ws.set_column(1, 1, 7)
    sheet.ws.set_column(2, 2, 24)
    sheet.ws.set_column(3, 3 + len(headers), 17)
    sheet.ws.set_row(2, 45)
    sheet.ws.set_landscape()
    sheet.ws.fit_to_pages(1, 0)
    sheet.ws.repeat_rows(2)


def _capability_sheet(book: Any, formats: dict[str, Any], comparison: Comparison) -> None:
    sheet = _Sheet(book, "Per del", formats)
    sheet.ws.write(0, 0, _title(comparison), formats["title"])
    sheet.row = 2
    headers = ["Del", *_headers(comparison)]
    sheet.write_row(headers, ["header"] * len(headers))
    for capability in comparison.capabilities:
        values, kinds = _amounts(comparison.total(capability), comparison)
        sheet.write_row([CAPABILITY_SV[capability], *values], ["text", *kinds])
    values, kinds = _amounts(comparison.total(), comparison)
    sheet.write_row(["Totalt", *values], ["text", *kinds], bold=True)
    sheet.ws.set_column(0, 0, 48)
    sheet.ws.set_column(1, len(headers), 17)


def _parameter_sheet(book: Any, formats: dict[str, Any], comparison: Comparison) -> None:
    sheet = _Sheet(book, "Parametrar", formats)
    sheet.ws.write(0, 0, "Vad varje scenario ändrar jämfört med sin bas", formats["title"])
    sheet.row = 2
    headers = ["Variant", "Regelverk", "Del", "Parameter", "Värde", "Beskrivning"]
    sheet.write_row(headers, ["header"] * len(headers))
    text = ["text"] * len(headers)
    for variant in comparison.variants:
        ruleset = variant.ruleset.id if variant.ruleset is not None else "gällande VGR-avtal per månad"
        scenario = variant.scenario
        if scenario is None or not scenario.overrides:
            sheet.write_row([variant.label, ruleset, "", "", "", ""], text)
        else:
            for capability, changes in scenario.overrides.items():
                for name, value in changes.items():
                    shown = json_value(value)
                    sheet.write_row(
                        [variant.label, ruleset, capability, name, str(shown), scenario.description], text
                    )
        if variant.daily_amount_sek is not None:
            sheet.write_row(
                [
                    variant.label,
                    ruleset,
                    "betalningsansvar",
                    "daily_amount_sek (angivet)",
                    str(variant.daily_amount_sek),
                    "",
                ],
                text,
            )
    months = ", ".join(format_month(m) for m in comparison.months)
    sheet.row += 1
    sheet.write_row(["Månader", months, "", "", "", ""], text)
    for col, width in enumerate((26, 28, 18, 30, 14, 50)):
        sheet.ws.set_column(col, col, width)


def sweep_xlsx(result: Sweep) -> bytes:
    """A sweep as a workbook: every combination, every municipality, and for two parameters a matrix.

    >>> from hos_avtal.synth import synth_episodes, month_range
    >>> from hos_avtal.scenarios import ScenarioData
    >>> from hos_avtal.scenarios._sweep import parse_axis, sweep
    >>> data = ScenarioData(episodes=synth_episodes(month_range("2022-03"), episodes_per_month=300, seed=2))
    >>> axes = [parse_axis("average_threshold_days=2.5,3"), parse_axis("free_days=2,3")]
    >>> sweep_xlsx(sweep(data, axes, base="vgr-2018"))[:2]
    b'PK'
    """
    buffer, book, formats = _workbook("Parametersvep")
    names = [a.name for a in result.axes]
    months = result.months
    span = format_month(months[0]) + (f"–{format_month(months[-1])}" if len(months) > 1 else "")
    title = f"Parametersvep {span}, bas {result.ruleset.id}: {ore_to_decimal(result.base_total_ore)} kr"

    sheet = _Sheet(book, "Kombinationer", formats)
    sheet.ws.write(0, 0, title, formats["title"])
    sheet.row = 2
    headers = ["Kombination", *names, "Totalt (kr)", "Skillnad mot bas (kr)", "Skillnad (%)"]
    sheet.write_row(headers, ["header"] * len(headers))
    sheet.ws.freeze_panes(sheet.row, 0)
    for row in result.combinations.iter_rows(named=True):
        permille = row["diff_permille"]
        sheet.write_row(
            [
                row["combination"],
                *[row[n] for n in names],
                ore_to_decimal(row["total_ore"]),
                ore_to_decimal(row["diff_ore"]),
                None if permille is None else Decimal(permille) / 1000,
            ],
            ["text"] * (1 + len(names)) + ["money", "money", "pct"],
        )
    sheet.ws.set_column(0, len(headers), 18)

    per_kommun = _Sheet(book, "Per kommun", formats)
    per_kommun.ws.write(0, 0, f"{title} – belopp per kommun och kombination (kr)", formats["title"])
    per_kommun.row = 2
    wide = result.wide()
    combination_columns = [f"c{i}" for i in range(result.combinations.height)]
    headers = [
        "Kommun",
        "Kod",
        "Kommunalförbund",
        "Bas (kr)",
        *[f"Kombination {i}" for i in range(len(combination_columns))],
    ]
    per_kommun.write_row(headers, ["header"] * len(headers))
    per_kommun.ws.freeze_panes(per_kommun.row, 3)
    for row in wide.iter_rows(named=True):
        per_kommun.write_row(
            [
                row["name"],
                row["kommun"],
                row["kommunalforbund"],
                *[ore_to_decimal(row[c]) for c in ["base_ore", *combination_columns]],
            ],
            ["text"] * 3 + ["money"] * (1 + len(combination_columns)),
        )
    per_kommun.ws.set_column(0, 2, 20)
    per_kommun.ws.set_column(3, len(headers), 15)

    if len(names) == 2:
        _matrix_sheet(book, formats, result, title)
    book.close()
    return buffer.getvalue()


def _matrix_sheet(book: Any, formats: dict[str, Any], result: Sweep, title: str) -> None:
    """Totals with the second parameter down and the first across, coloured like the heatmap."""
    x, y = result.axes
    totals = {
        (row[x.name], row[y.name]): row["total_ore"] for row in result.combinations.iter_rows(named=True)
    }
    sheet = _Sheet(book, "Matris", formats)
    sheet.ws.write(0, 0, f"{title} – totalt (kr): {y.name} nedåt, {x.name} åt höger", formats["title"])
    sheet.row = 2
    sheet.write_row([f"{y.name} \\ {x.name}", *x.labels], ["header"] * (1 + len(x.labels)))
    for y_label in y.labels:
        sheet.write_row(
            [y_label, *[ore_to_decimal(totals[(x_label, y_label)]) for x_label in x.labels]],
            ["header"] + ["money"] * len(x.labels),
        )
    last_row, last_col = 2 + len(y.labels), len(x.labels)
    sheet.ws.conditional_format(3, 1, last_row, last_col, {"type": "3_color_scale"})
    sheet.ws.set_column(0, 0, 26)
    sheet.ws.set_column(1, last_col, 16)
