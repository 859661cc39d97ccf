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
        raise typer.BadParameter(
            f"{value!r} is not a date; write it as YYYY-MM-DD", param_hint=name
        ) from None


_FILE_HELP = "CSV (, or ; separated, UTF-8) or Parquet."


@app.command(
    "placements",
    epilog=(
        "How it is computed (docs/rules.md §5, HoS-avtal Del C §6.3): each month's cost is split by the "
        "written cost agreement in force on each day of the placement in that month; a month "
        "only partly covered is split pro rata by calendar days. Among the agreements decided by "
        "--as-of, the latest decision covering a day applies. schablon: the region pays exactly "
        "one third (a rule-set parameter); percent: the region pays its percentage; fixed: one "
        "party pays a fixed amount per month (capped at the cost, flagged fixed_capped), the other "
        "the rest. Days without an agreement are paid by the placing party; an acute placement "
        "still without one 30 days after its start is flagged agreement_overdue, a non-acute one "
        "agreement_missing. The region's share is rounded half up to öre once per placement and "
        "month, and the municipality pays the rest, so the shares always sum to the cost."
    ),
)
def placements(
    placements_file: Annotated[
        Path, typer.Option("--placements", "-p", help=f"Placements: {_FILE_HELP}", show_default=False)
    ],
    costs_file: Annotated[
        Path, typer.Option("--costs", "-c", help=f"Monthly costs: {_FILE_HELP}", show_default=False)
    ],
    agreements_file: Annotated[
        Path, typer.Option("--agreements", "-a", help=f"Cost agreements: {_FILE_HELP}", show_default=False)
    ],
    month: Annotated[
        str | None,
        typer.Option("--month", "-m", help="Month YYYY-MM. Default: every month in the costs file."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Use only agreements decided on or before this date (YYYY-MM-DD)."),
    ] = None,
    adjust_from: Annotated[
        str | None,
        typer.Option(
            "--adjust-from",
            help=(
                "Also compute as of this date (what was billed) and list the lines whose shares "
                "changed since (justering i efterhand), with signed deltas."
            ),
        ),
    ] = None,
    ruleset: RulesetOption = None,
    output_format: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Split placement costs (HVB, familjehem) between the region and the municipality.

    Prints one line per placement and month (cost, region share, kommun share, method, flags),
    totals per municipality and party and, with --adjust-from, the adjustment lines.
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
