"""Rich tables for the scenario commands (people read them at a terminal)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hos_avtal.money import format_sek_sv
from hos_avtal.months import format_month

if TYPE_CHECKING:
    from rich.console import Console

    from hos_avtal.scenarios import Comparison, Sweep


def console() -> Console:
    from rich.console import Console

    probe = Console()
    return probe if probe.is_terminal else Console(width=200)


def kr(ore: int) -> str:
    return format_sek_sv(ore)


def pct(permille: int | None) -> str:
    """``125`` → ``"+12,5 %"``: the contract's percent, written the Swedish way for people."""
    from hos_avtal.scenarios import format_permille

    text = format_permille(permille)
    if text is None:
        return "–"
    return ("+" if permille and permille > 0 else "") + text.replace(".", ",") + " %"


def _cells(row: Mapping[str, Any], scenarios: int) -> list[str]:
    cells = [kr(row["base_ore"])]
    for i in range(1, scenarios + 1):
        diff = row[f"s{i}_diff_ore"]
        cells += [kr(row[f"s{i}_ore"]), ("+" if diff > 0 else "") + kr(diff), pct(row[f"s{i}_diff_permille"])]
    return cells


def render_comparison(comparison: Comparison) -> None:
    """All 49 grouped by kommunalförbund with subtotals, then the total, and what changed."""
    from rich.table import Table

    months = comparison.months
    span = format_month(months[0]) + (f"..{format_month(months[-1])}" if len(months) > 1 else "")
    table = Table(
        title=f"Scenariojämförelse {span}: vad kommunerna hade betalat (kr)",
        caption=_caption(comparison),
        caption_justify="left",
    )
    table.add_column("Kommun")
    table.add_column(comparison.variants[0].label, justify="right")
    for variant in comparison.scenarios:
        table.add_column(variant.label, justify="right")
        table.add_column("Skillnad", justify="right")
        table.add_column("%", justify="right")
    scenarios = len(comparison.scenarios)
    municipalities = comparison.municipalities()
    for row in comparison.kommunalforbund().iter_rows(named=True):
        association = row["kommunalforbund"]
        for kommun in municipalities.filter(municipalities["kommunalforbund"] == association).iter_rows(
            named=True
        ):
            table.add_row(f"{kommun['kommun']} {kommun['name']}", *_cells(kommun, scenarios))
        table.add_row(f"Summa {association}", *_cells(row, scenarios), style="bold", end_section=True)
    table.add_row("Totalt, 49 kommuner", *_cells(comparison.total(), scenarios), style="bold")
    console().print(table)


def _caption(comparison: Comparison) -> str:
    from hos_avtal.scenarios import json_value

    parts = [f"Delar: {', '.join(comparison.capabilities)}."]
    for variant in comparison.scenarios:
        scenario = variant.scenario
        assert scenario is not None
        changes = "; ".join(
            f"{name} = {json_value(value)}"
            for changes in scenario.overrides.values()
            for name, value in changes.items()
        )
        ruleset = variant.ruleset.id if variant.ruleset else "–"
        parts.append(f"{variant.label}: {changes or 'inga ändringar'} (bas {ruleset}).")
    return " ".join(parts)


MAX_TABLE_ROWS = 200
"""Beyond this many combinations the table shows the cheapest and dearest; CSV/Excel hold all."""


def render_sweep(result: Sweep) -> None:
    """One row per combination (or the extremes of a large grid), the base's total in the title."""
    from rich.table import Table

    names = [a.name for a in result.axes]
    rows = result.combinations
    note = ""
    if rows.height > MAX_TABLE_ROWS:
        half = MAX_TABLE_ROWS // 2
        ordered = rows.sort("total_ore")
        rows = ordered.head(half).vstack(ordered.tail(half))
        total = result.combinations.height
        note = f" The {MAX_TABLE_ROWS} lowest and highest of {total}; --format csv/xlsx has all."
    months = result.months
    span = format_month(months[0]) + (f"..{format_month(months[-1])}" if len(months) > 1 else "")
    table = Table(
        title=f"Parametersvep {span}, bas {result.ruleset.id}: totalt {kr(result.base_total_ore)} kr",
        caption=f"Delar: {', '.join(result.capabilities)}. Basens värden: "
        + ", ".join(f"{k} = {v}" for k, v in result.base_values.items())
        + "."
        + note,
        caption_justify="left",
    )
    table.add_column("#", justify="right")
    for name in names:
        table.add_column(name, justify="right")
    for header in ("Totalt kr", "Skillnad kr", "%"):
        table.add_column(header, justify="right")
    for row in rows.iter_rows(named=True):
        is_base = all(result.base_values.get(n) == row[n] for n in names)
        diff = row["diff_ore"]
        table.add_row(
            str(row["combination"]),
            *[row[n] for n in names],
            kr(row["total_ore"]),
            ("+" if diff > 0 else "") + kr(diff),
            pct(row["diff_permille"]),
            style="bold" if is_base else None,
        )
    console().print(table)
