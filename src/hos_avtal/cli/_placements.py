"""``hos-avtal placements``: placement cost splits between region and municipality."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hos_avtal.cli._app import app
from hos_avtal.cli._options import (
    DbOption,
    FormatOption,
    OutputFormat,
    RulesetOption,
    month_option,
    print_json,
    registered_rules,
)
from hos_avtal.cli._tables import totals_table

if TYPE_CHECKING:
    from hos_avtal.placements import PlacementResult


def _date_option(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(f"{value!r} är inget datum; skriv det ÅÅÅÅ-MM-DD", param_hint=name) from None


_FILE_HELP = "CSV (avgränsad med , eller ;, UTF-8) eller Parquet."


@app.command(
    "placements",
    epilog=(
        "Så räknas det (docs/rules.md §5, HoS-avtal Del C §6.3): varje månads kostnad fördelas enligt "
        "det skriftliga kostnadsavtal som gäller varje dag av placeringen under månaden; en månad "
        "som bara delvis täcks fördelas proportionellt efter kalenderdagar. Bland avtalen som "
        "beslutats senast --as-of gäller det senaste beslut som täcker dagen. schablon: regionen "
        "betalar exakt en tredjedel (en parameter i regelverket); percent: regionen betalar sin "
        "procentsats; fixed: en part betalar ett fast belopp per månad (högst kostnaden, flaggas "
        "fixed_capped), den andra resten. Dagar utan avtal betalas av den part som placerat; en akut "
        "placering som fortfarande saknar avtal 30 dagar efter start flaggas agreement_overdue, en "
        "icke-akut agreement_missing. Regionens andel avrundas till öre (halva uppåt) en gång per "
        "placering och månad, och kommunen betalar resten, så att andelarna tillsammans alltid "
        "blir exakt kostnaden."
    ),
)
def placements(
    placements_file: Annotated[
        Path, typer.Option("--placements", "-p", help=f"Placeringar: {_FILE_HELP}", show_default=False)
    ],
    costs_file: Annotated[
        Path, typer.Option("--costs", "-c", help=f"Kostnader per månad: {_FILE_HELP}", show_default=False)
    ],
    agreements_file: Annotated[
        Path, typer.Option("--agreements", "-a", help=f"Kostnadsavtal: {_FILE_HELP}", show_default=False)
    ],
    month: Annotated[
        str | None,
        typer.Option("--month", "-m", help="Månad ÅÅÅÅ-MM. Standard: varje månad i kostnadsfilen."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Använd bara avtal som beslutats senast detta datum (ÅÅÅÅ-MM-DD)."),
    ] = None,
    adjust_from: Annotated[
        str | None,
        typer.Option(
            "--adjust-from",
            help=(
                "Räkna också per detta datum (det som fakturerades) och lista raderna vars andelar "
                "har ändrats sedan dess (justering i efterhand), med skillnaden som plus eller minus."
            ),
        ),
    ] = None,
    ruleset: RulesetOption = None,
    output_format: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Fördela kostnader för placeringar (HVB, familjehem) mellan regionen och kommunen.

    Visar en rad per placering och månad (kostnad, regionens andel, kommunens andel, metod,
    flaggor), summor per kommun och part och, med --adjust-from, justeringsraderna.
    """
    from hos_avtal.io import safe_csv_text
    from hos_avtal.placements import calculate_placements, contract, csv_frame

    chosen_month = month_option(month)
    as_of_day = _date_option(as_of, "--as-of")
    adjust_day = _date_option(adjust_from, "--adjust-from")
    with registered_rules(db):
        result = calculate_placements(
            placements_file,
            costs_file,
            agreements_file,
            chosen_month,
            ruleset=ruleset,
            as_of=as_of_day,
            adjust_from=adjust_day,
        )
    if output_format is OutputFormat.json:
        print_json(contract(result))
    elif output_format is OutputFormat.csv:
        sys.stdout.write(safe_csv_text(csv_frame(result)))
    else:
        _render(result, source=str(costs_file))


def _render(result: PlacementResult, source: str) -> None:
    """Rich tables for people: the lines, the municipalities with placements, the adjustments."""
    from rich.console import Console

    from hos_avtal.exports import FLAG_SV, METHOD_SV, sv_decimal
    from hos_avtal.money import format_sek_sv
    from hos_avtal.months import format_month

    probe = Console()
    console = probe if probe.is_terminal else Console(width=150)
    months = ", ".join(format_month(m) for m in result.month_list())
    as_of = f" per {result.as_of.isoformat()}" if result.as_of else ""
    shares = ", ".join(dict.fromkeys(sv_decimal(str(p.schablon_region_share)) for p in result.months))
    totals = result.totals()
    lines = totals_table(
        f"Kostnadsfördelning för placeringar {months}{as_of} — {source}",
        (
            f"Regelverk {', '.join(result.ruleset_ids)}: regionens andel enligt schablon {shares}. "
            "Regionens andel avrundas till hela ören (halva uppåt); kommunen betalar resten."
        ),
        [
            ("Månad", "left", ""),
            ("Placering", "left", f"{result.lines.height} rader"),
            ("Kommun", "left", ""),
            ("Kostnad kr", "right", format_sek_sv(totals["cost_ore"])),
            ("Regionen kr", "right", format_sek_sv(totals["region_ore"])),
            ("Kommunen kr", "right", format_sek_sv(totals["kommun_ore"])),
            ("Metod", "left", ""),
            ("Flaggor", "left", ""),
        ],
    )
    for r in result.lines.iter_rows(named=True):
        lines.add_row(
            format_month(r["month"]),
            r["placement_id"],
            r["kommun"],
            format_sek_sv(r["cost_ore"]),
            format_sek_sv(r["region_ore"]),
            format_sek_sv(r["kommun_ore"]),
            METHOD_SV.get(r["method"], r["method"]),
            ", ".join(FLAG_SV.get(f, f) for f in r["flags"]),
            style="bold" if r["flags"] else None,
        )
    console.print(lines)

    per_kommun = totals_table(
        "Per kommun (kommuner utan placeringar visas inte)",
        None,
        [
            ("Kommun", "left", "Alla 49"),
            ("Placeringar", "right", str(int(result.municipalities["placements"].sum()))),
            ("Kostnad kr", "right", format_sek_sv(totals["cost_ore"])),
            ("Regionen kr", "right", format_sek_sv(totals["region_ore"])),
            ("Kommunen kr", "right", format_sek_sv(totals["kommun_ore"])),
        ],
    )
    for r in result.municipalities.filter(result.municipalities["placements"] > 0).iter_rows(named=True):
        per_kommun.add_row(
            f"{r['kommun']} {r['name']}",
            str(r["placements"]),
            format_sek_sv(r["cost_ore"]),
            format_sek_sv(r["region_ore"]),
            format_sek_sv(r["kommun_ore"]),
        )
    console.print(per_kommun)

    if result.adjustments is not None:
        assert result.adjust_from is not None
        sums = result.adjustment_totals()
        adjustments = totals_table(
            f"Justering i efterhand sedan {result.adjust_from.isoformat()}",
            None,
            [
                ("Månad", "left", ""),
                ("Placering", "left", f"{result.adjustments.height} rader"),
                ("Kommun", "left", ""),
                ("Regionen fakturerat kr", "right", ""),
                ("Regionen kr", "right", ""),
                ("Regionen Δ kr", "right", format_sek_sv(sums["region_delta_ore"])),
                ("Kommunen Δ kr", "right", format_sek_sv(sums["kommun_delta_ore"])),
                ("Metod", "left", ""),
            ],
        )
        for r in result.adjustments.iter_rows(named=True):
            adjustments.add_row(
                format_month(r["month"]),
                r["placement_id"],
                r["kommun"],
                format_sek_sv(r["billed_region_ore"]),
                format_sek_sv(r["region_ore"]),
                format_sek_sv(r["region_delta_ore"]),
                format_sek_sv(r["kommun_delta_ore"]),
                " → ".join(METHOD_SV.get(m, m) for m in (r["billed_method"], r["method"])),
            )
        console.print(adjustments)
