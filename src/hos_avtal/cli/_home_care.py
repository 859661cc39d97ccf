"""``hos-avtal home-care``: hemtjänst and hemsjukvård invoiced between municipalities."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hos_avtal.cli._app import app
from hos_avtal.cli._options import DbOption, OutputFormat, month_option, print_json, registered_rules
from hos_avtal.cli._tables import totals_table

if TYPE_CHECKING:
    from hos_avtal.home_care import HomeCareResult


@app.command(
    "home-care",
    epilog=(
        "How it is computed (docs/rules.md §6): the municipality where the person stays (vistelsekommun, "
        "host_kommun) invoices the home municipality (hemkommun, home_kommun). A visit belongs to "
        "the month of its date and is priced at the host's tariff for the calendar year: the "
        "host's own tariff from --tariffs, else the one registered for it (hos-avtal tariffs set), "
        "else the rule set's (--ruleset), else VästKom's recommendation; none is an error, never a "
        "guess. One invoice line per month, host, home "
        "and service: minutes × tariff / 60, rounded half up to öre once per line. Each "
        "municipality's net position (invoiced − owed) is settled by at most one payment fewer "
        "than there are non-zero positions. Visits of people from outside the 49 are reported "
        "separately and never invoiced."
    ),
)
def home_care(
    visits: Annotated[
        Path,
        typer.Argument(
            help=(
                "Visit file: CSV (, or ; separated, UTF-8) or Parquet with visit_id, person_id, "
                "home_kommun, host_kommun, date, service (hemtjanst/hemsjukvard), minutes."
            ),
            show_default=False,
        ),
    ],
    month: Annotated[
        str | None,
        typer.Option("--month", "-m", help="Month YYYY-MM. Default: every month with a visit."),
    ] = None,
    tariffs: Annotated[
        Path | None,
        typer.Option(
            "--tariffs",
            "-t",
            help=(
                "The host municipalities' own tariffs: CSV or Parquet with kommun, year, service, "
                "sek_per_hour. They override the tariffs registered with 'hos-avtal tariffs set', "
                "the rule set's and VästKom's recommendation."
            ),
        ),
    ] = None,
    ruleset: Annotated[
        str | None,
        typer.Option(
            "--ruleset",
            "-r",
            help="A rule-set id or .toml file whose home_care tariffs replace VästKom's (a scenario).",
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            help="table for people; json (one object per month) or csv (invoice lines) for systems.",
        ),
    ] = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Invoice home care given during a temporary stay, per month, and net the invoices.

    Prints the invoice lines (host → home), every municipality's net position and the payments
    that settle them.
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
