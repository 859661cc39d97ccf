"""``hos-avtal betalningsansvar``: one month or every month of an episode file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hos_avtal.cli._app import app
from hos_avtal.cli._options import (
    AcceptOption,
    DailyAmountOption,
    DbOption,
    FormatOption,
    OutputFormat,
    RulesetOption,
    accepted,
    amount_option,
    month_option,
    print_json,
    registered_rules,
)


@app.command(
    "betalningsansvar",
    epilog=(
        "How it is computed (docs/rules.md §4, HoS-avtal Del C §5): an episode belongs to the month it "
        "was discharged. Days = discharge date − ready date. An episode longer than 7 days is "
        "billed individually for its days beyond 3 (from day 4) and left out of the average. "
        "The other covered episodes form the municipality's pool: when their average days "
        "exceed 3.0 (exactly, no rounding), the municipality pays (D − 3.0·N) days. Amounts use "
        "the fastställt belopp of the month's year. Episodes that fail a villkor or "
        "förutsättning are not covered and listed with reasons; patients from municipalities "
        "outside the agreement are reported separately and never billed. Every number here is "
        "a parameter of the rule set (see 'hos-avtal rulesets show ID')."
    ),
)
def betalningsansvar(
    episodes: Annotated[
        Path,
        typer.Argument(help="Episode file: CSV (, or ; separated, UTF-8) or Parquet.", show_default=False),
    ],
    month: Annotated[
        str | None,
        typer.Option(
            "--month",
            "-m",
            help="Billing month YYYY-MM. Default: every discharge month in the file.",
        ),
    ] = None,
    ruleset: RulesetOption = None,
    daily_amount: DailyAmountOption = None,
    output_format: FormatOption = OutputFormat.table,
    episodes_out: Annotated[
        Path | None,
        typer.Option(
            "--episodes-out",
            help=(
                "Also write every episode line (status, days, billable days, amount, reasons) "
                "to this .csv, .parquet or .json file."
            ),
        ),
    ] = None,
    with_episodes: Annotated[
        bool,
        typer.Option(
            "--with-episodes",
            help="With --format json: include the episode lines in each month object.",
        ),
    ] = False,
    accept: AcceptOption = None,
    db: DbOption = None,
) -> None:
    """Compute kommunens betalningsansvar for discharge-ready inpatients, per municipality and month.

    Prints all 49 municipalities (zero invoices included) with the pooled average, the
    individual part and the total, and reports not-covered, pending and out-of-county episodes.
    """
    from hos_avtal.betalningsansvar import (
        calculate_betalningsansvar,
        contract,
        contract_json,
        csv_frame,
        episode_frame,
    )
    from hos_avtal.io import read_episodes, safe_csv_text, write_frame

    chosen_month = month_option(month)
    amount = amount_option(daily_amount)
    with registered_rules(db):
        if chosen_month is not None:
            # The month's rules first: a missing daily amount or rule set is said before the file is read.
            from hos_avtal.rules import select_ruleset

            select_ruleset(chosen_month, ruleset).betalningsansvar(chosen_month, daily_amount_sek=amount)
        frame = read_episodes(
            episodes, accept=accepted(accept), months=None if chosen_month is None else [chosen_month]
        )
        result = calculate_betalningsansvar(
            frame, chosen_month, ruleset=ruleset, daily_amount_sek=amount, validate=False
        )
    if episodes_out is not None:
        write_frame(episode_frame(result.episode_lines()), episodes_out)

    if output_format is OutputFormat.json and sys.stdout.isatty():
        objects = contract(result, episodes=with_episodes)
        print_json(objects[0] if chosen_month is not None else objects)
    elif output_format is OutputFormat.json:
        # The compact text print_json would write, without building the dicts.
        texts = contract_json(result, episodes=with_episodes)
        sys.stdout.write((texts[0] if chosen_month is not None else f"[{', '.join(texts)}]") + "\n")
    elif output_format is OutputFormat.csv:
        sys.stdout.write(safe_csv_text(csv_frame(result)))
    else:
        from hos_avtal.cli._render import render_betalningsansvar

        render_betalningsansvar(result, source=str(episodes))
