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
        "Så räknas det (docs/rules.md §4, HoS-avtal Del C §5): ett vårdtillfälle hör till den månad "
        "patienten skrevs ut. Dagar = utskrivningsdatum − datum för utskrivningsklar. Ett vårdtillfälle "
        "på mer än 7 dagar faktureras individuellt för dagarna efter dag 3 (från dag 4) och räknas "
        "inte in i genomsnittet. Övriga vårdtillfällen som omfattas bildar kommunens "
        "genomsnittsberäkning: när deras genomsnittliga antal dagar överstiger 3,0 (exakt, utan "
        "avrundning) betalar kommunen (D − 3,0·N) dagar. Beloppen bygger på fastställt belopp för "
        "månadens år. Vårdtillfällen som inte uppfyller ett villkor eller en förutsättning omfattas "
        "inte och listas med skäl; patienter från kommuner utanför avtalet redovisas separat och "
        "faktureras aldrig. Varje tal här är en parameter i regelverket (se 'hos-avtal rulesets show ID')."
    ),
)
def betalningsansvar(
    episodes: Annotated[
        Path,
        typer.Argument(
            help="Fil med vårdtillfällen: CSV (avgränsad med , eller ;, UTF-8) eller Parquet.",
            show_default=False,
        ),
    ],
    month: Annotated[
        str | None,
        typer.Option(
            "--month",
            "-m",
            help="Faktureringsmånad ÅÅÅÅ-MM. Standard: varje utskrivningsmånad i filen.",
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
                "Skriv också varje rad per vårdtillfälle (status, dagar, fakturerbara dagar, belopp, "
                "skäl) till denna .csv-, .parquet- eller .json-fil."
            ),
        ),
    ] = None,
    with_episodes: Annotated[
        bool,
        typer.Option(
            "--with-episodes",
            help="Med --format json: ta med raderna per vårdtillfälle i varje månadsobjekt.",
        ),
    ] = False,
    accept: AcceptOption = None,
    db: DbOption = None,
) -> None:
    """Beräkna kommunens betalningsansvar för utskrivningsklara patienter, per kommun och månad.

    Visar alla 49 kommuner (även de med noll kronor att betala) med genomsnittsdelen, den
    individuella delen och summan, och redovisar vårdtillfällen som inte omfattas, som ännu inte
    är utskrivna och som gäller patienter utanför avtalet.
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
