"""``hos-avtal home-care``: hemtjänst and hemsjukvård invoiced between municipalities."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hos_avtal.cli._app import app
from hos_avtal.cli._options import (
    DbOption,
    OutputFormat,
    format_flag,
    month_option,
    print_json,
    registered_rules,
)
from hos_avtal.cli._tables import totals_table

if TYPE_CHECKING:
    from hos_avtal.home_care import HomeCareResult


@app.command(
    "home-care",
    epilog=(
        "Så räknas det (docs/rules.md §6): kommunen där personen vistas (vistelsekommun, host_kommun) "
        "fakturerar hemkommunen (home_kommun). Ett besök hör till månaden för sitt datum och "
        "prissätts med vistelsekommunens timpris för kalenderåret: vistelsekommunens eget timpris "
        "från --tariffs, annars det som registrerats för den (hos-avtal tariffs set), annars "
        "regelverkets (--ruleset), annars VästKoms rekommendation; finns inget är det ett fel, "
        "aldrig en gissning. En fakturarad per månad, vistelsekommun, hemkommun och insats: "
        "minuter × timpris / 60, avrundat till öre (halva uppåt) en gång per rad. Varje kommuns "
        "nettoposition (fakturerat − skyldigt) regleras med högst en betalning färre än antalet "
        "positioner skilda från noll. Besök av personer från andra kommuner än de 49 redovisas "
        "separat och faktureras aldrig."
    ),
)
def home_care(
    visits: Annotated[
        Path,
        typer.Argument(
            help=(
                "Fil med besök: CSV (avgränsad med , eller ;, UTF-8) eller Parquet med visit_id, "
                "person_id, home_kommun, host_kommun, date, service (hemtjanst/hemsjukvard), minutes."
            ),
            show_default=False,
        ),
    ],
    month: Annotated[
        str | None,
        typer.Option("--month", "-m", help="Månad ÅÅÅÅ-MM. Standard: varje månad med besök."),
    ] = None,
    tariffs: Annotated[
        Path | None,
        typer.Option(
            "--tariffs",
            "-t",
            help=(
                "Vistelsekommunernas egna timpriser: CSV eller Parquet med kommun, year, service, "
                "sek_per_hour. De går före timpriserna som registrerats med 'hos-avtal tariffs set', "
                "regelverkets och VästKoms rekommendation."
            ),
        ),
    ] = None,
    ruleset: Annotated[
        str | None,
        typer.Option(
            "--ruleset",
            "-r",
            help=(
                "Id eller .toml-fil för ett regelverk vars home_care-timpriser ersätter VästKoms "
                "(ett scenario)."
            ),
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat,
        format_flag("table att läsa; json (ett objekt per månad) eller csv (fakturarader) för andra system."),
    ] = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Fakturera hemtjänst och hemsjukvård vid tillfällig vistelse, per månad, och nettoavräkna.

    Visar fakturaraderna (vistelsekommun → hemkommun), varje kommuns nettoposition och de
    betalningar som reglerar dem.
    """
    from hos_avtal.home_care import calculate_home_care, contract, csv_frame
    from hos_avtal.io import read_tariffs, read_visits, safe_csv_text

    chosen_month = month_option(month)
    frame = read_visits(visits)
    own = read_tariffs(tariffs) if tariffs is not None else None
    with registered_rules(db):
        result = calculate_home_care(frame, chosen_month, tariffs=own, ruleset=ruleset, validate=False)

    if output_format is OutputFormat.json:
        objects = contract(result)
        payload = objects[0] if chosen_month is not None else objects
        print_json(payload)
    elif output_format is OutputFormat.csv:
        sys.stdout.write(safe_csv_text(csv_frame(result)))
    else:
        _render(result, source=str(visits))


def _render(result: HomeCareResult, source: str) -> None:
    """Rich tables per month: invoice lines, the non-zero net positions, and the payments."""
    from rich.console import Console
    from rich.table import Table

    from hos_avtal.exports import SERVICE_SV
    from hos_avtal.home_care import contract
    from hos_avtal.money import format_sek_sv, sek_to_ore

    def kr(text: str) -> str:
        return format_sek_sv(sek_to_ore(text))

    probe = Console()
    console = probe if probe.is_terminal else Console(width=150)
    for month in contract(result):
        totals = month["totals"]
        lines = totals_table(
            f"Hemtjänst och hemsjukvård i annan kommun {month['month']} — {source}",
            "Timpriser: "
            + "; ".join(
                f"{t['host']} {t['host_name']} {t['year']} {SERVICE_SV[t['service']].lower()} "
                f"{kr(t['sek_per_hour'])} kr/tim ({t['source']})"
                for t in month["tariffs"]
            )
            if month["tariffs"]
            else "Inga besök mellan två av de 49 kommunerna den här månaden.",
            [
                ("Vistelsekommun (fakturerar)", "left", "Totalt"),
                ("Hemkommun (betalar)", "left", ""),
                ("Insats", "left", ""),
                ("Besök", "right", str(totals["visits"])),
                ("Timmar", "right", ""),
                ("kr/tim", "right", ""),
                ("Belopp kr", "right", kr(totals["amount_sek"])),
            ],
        )
        for line in month["invoice_lines"]:
            lines.add_row(
                f"{line['host']} {line['host_name']}",
                f"{line['home']} {line['home_name']}",
                SERVICE_SV.get(line["service"], line["service"]),
                str(line["visits"]),
                line["hours"].replace(".", ","),
                kr(line["sek_per_hour"]),
                kr(line["amount_sek"]),
            )
        console.print(lines)

        positions = Table(
            title=f"Nettopositioner {month['month']} (kommuner med en position skild från noll)",
            caption="Netto = fakturerat som vistelsekommun − skyldigt som hemkommun; summan är noll.",
            caption_justify="left",
        )
        for header in ("Kommun", "Fakturerat kr", "Skyldigt kr", "Netto kr"):
            positions.add_column(header, justify="left" if header == "Kommun" else "right")
        for m in month["municipalities"]:
            if m["net_sek"] != "0.00":
                positions.add_row(
                    f"{m['kommun']} {m['name']}", kr(m["invoiced_sek"]), kr(m["owed_sek"]), kr(m["net_sek"])
                )
        console.print(positions)

        payments = Table(
            title=f"Betalningar {month['month']} ({totals['payments']} reglerar alla positioner)"
        )
        for header in ("Betalare", "Mottagare", "Belopp kr"):
            payments.add_column(header, justify="right" if header == "Belopp kr" else "left")
        for p in month["payments"]:
            payments.add_row(
                f"{p['payer']} {p['payer_name']}", f"{p['payee']} {p['payee_name']}", kr(p["amount_sek"])
            )
        console.print(payments)
        outside = month["outside_agreement"]
        if outside["visits"]:
            console.print(
                f"Utanför avtalet (faktureras aldrig): {outside['visits']} besök, {outside['minutes']} "
                f"minuter, för personer från {len(outside['by_kommun'])} kommuner utanför de 49."
            )
