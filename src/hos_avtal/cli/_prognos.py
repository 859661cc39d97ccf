"""``hos-avtal prognos``: Läget i dag, the current month so far and the cost of one more day."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from hos_avtal.cli._app import app
from hos_avtal.cli._options import (
    AcceptOption,
    DailyAmountOption,
    DbOption,
    OutputFormat,
    RulesetOption,
    accepted,
    amount_option,
    date_option,
    format_flag,
    print_json,
    registered_rules,
)


@app.command(
    "prognos",
    epilog=(
        "För ett datum D: månadens belopp hittills (vårdtillfällen utskrivna senast D), vad det skulle "
        "bli om alla väntande patienter skrevs ut i dag, hur många fler väntedagar varje kommuns "
        "genomsnittsberäkning tål innan kommunen får betalningsansvar (negativt: så många dagar "
        "över), och för varje väntande patient vad en dag till kostar (den dag en patient går över "
        "till individuell fakturering kostar alla fakturerbara dagar på en gång). Samma beräkning "
        "och regler som fakturan."
    ),
)
def prognos_command(
    episodes: Annotated[
        Path,
        typer.Argument(
            help="Fil med vårdtillfällen: CSV (avgränsad med , eller ;, UTF-8) eller Parquet.",
            show_default=False,
        ),
    ],
    date: Annotated[str, typer.Option("--date", help="Dagen, ÅÅÅÅ-MM-DD (i dag eller tidigare).")],
    ruleset: RulesetOption = None,
    daily_amount: DailyAmountOption = None,
    kommun: Annotated[
        str | None, typer.Option("--kommun", help="Bara denna kommun (kod) och dess väntande patienter.")
    ] = None,
    output_format: Annotated[
        OutputFormat,
        format_flag("table (svensk tabell) att läsa; json eller csv (väntelistan) för andra system."),
    ] = OutputFormat.table,
    accept: AcceptOption = None,
    db: DbOption = None,
    store: Annotated[
        bool,
        typer.Option(
            "--store",
            help=(
                "Spara det också som dagens läge i databasen (--db), i stället för ett tidigare läge "
                "samma dag, med pseudonymiserade id:n: det som GET /v1/prognos/latest och webbsidan "
                "visar."
            ),
        ),
    ] = False,
) -> None:
    """Läget i dag: innevarande månad hittills, per kommun, och väntelistan med vad en dag till
    kostar för varje patient, så att kommunen kan agera innan fakturan kommer."""
    from hos_avtal import months
    from hos_avtal.errors import InputError, Problem
    from hos_avtal.forecasts import check_date, contract, part, prognos, waiting_csv_frame
    from hos_avtal.io import read_episodes, safe_csv_text
    from hos_avtal.municipalities import is_party

    day = check_date(date_option(date, "--date"), months.today(), "--date")
    if kommun is not None and not is_party(kommun):
        raise InputError("--kommun", [Problem(None, None, "är inte någon av avtalets 49 kommuner")])
    amount = amount_option(daily_amount)
    with registered_rules(db):
        from hos_avtal.rules import select_ruleset

        # The month's rules first: a missing daily amount or rule set is said before the file is read.
        month = day.replace(day=1)
        parameters = select_ruleset(month, ruleset).betalningsansvar(month, daily_amount_sek=amount)
        if store:
            data = _store(db, episodes, day, ruleset, amount, accepted(accept))
        else:
            frame = read_episodes(episodes, accept=accepted(accept), months=[month])
            data = contract(prognos(frame, day, ruleset=ruleset, daily_amount_sek=amount, validate=False))
    shown = part(data, kommun)
    if output_format is OutputFormat.json:
        print_json(shown)
    elif output_format is OutputFormat.csv:
        sys.stdout.write(safe_csv_text(waiting_csv_frame(shown)))
    else:
        _render(shown, parameters.average_threshold_days, str(episodes))


def _store(
    db: str | None,
    episodes: Path,
    day: dt.date,
    ruleset: str | None,
    amount: Decimal | None,
    accept: tuple[str, ...],
) -> dict[str, Any]:
    """Store the day's snapshot; its contract with the ``snapshot`` object the API adds."""
    from hos_avtal.forecasts import load_snapshot, save_snapshot
    from hos_avtal.runs import current_user
    from hos_avtal.storage import open_database

    database = open_database(db)
    try:
        stored = save_snapshot(
            database, episodes, day, created_by=current_user(), ruleset=ruleset,
            daily_amount_sek=amount, accept=accept,
        )  # fmt: skip
        result = load_snapshot(database, day).result
    finally:
        database.close()
    replaced = "; den ersätter dagens tidigare" if stored.replaced else ""
    typer.echo(
        f"Lagrad som dagens läge {day} (id {stored.id}: {stored.episodes} vårdtillfällen, "
        f"{stored.waiting} väntar){replaced}.",
        err=True,
    )
    return {**result, "snapshot": stored.record()}


def _render(data: dict[str, Any], threshold: Decimal, source: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from hos_avtal.exports import CARE_TYPE_SV, ORIGIN_SV, REASON_SV, STATUS_SV, sv_decimal
    from hos_avtal.money import format_sek_sv

    probe = Console()
    console = probe if probe.is_terminal else Console(width=150)

    def kr(text: str) -> str:
        return format_sek_sv(int(text.replace(".", "")))

    table = Table(
        title=f"Läget i dag {data['date']} — {source}",
        caption=(
            f"Regelverk {data['ruleset']}; fastställt belopp {kr(data['daily_amount_sek'])} kr per vårddygn "
            f"({ORIGIN_SV[data['daily_amount_origin']]}: {data['daily_amount_source']}). "
            f"Röd: genomsnittet hittills är över {sv_decimal(str(threshold))} dagar. Marginal: väntedagar "
            "som genomsnittet tål om alla väntande skrivs ut i dag (negativ: så många dagar över)."
        ),
        caption_justify="left",
    )
    for header, justify in (
        ("Kommun", "left"), ("Namn", "left"), ("Utskrivna", "right"), ("Snitt hittills", "right"),
        ("Belopp hittills", "right"), ("Väntar", "right"), ("Om alla skrivs ut i dag", "right"),
        ("Marginal (dagar)", "right"), ("Status", "left"),
    ):  # fmt: skip
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for m in data["municipalities"]:
        margin = "–" if m["pool_margin_days"] is None else str(m["pool_margin_days"])
        average = f"{m['average_so_far']:.2f}".replace(".", ",")
        so_far, today = kr(m["amount_so_far_sek"]), kr(m["amount_if_discharged_today_sek"])
        status = "röd" if m["status"] == "red" else "grön"
        table.add_row(
            m["kommun"], m["name"], str(m["discharged_episodes"]), average, so_far,
            str(m["waiting_episodes"]), today, margin, status,
        )  # fmt: skip
    console.print(table)
    by_kommun: dict[str, list[dict[str, Any]]] = {}
    for patient in data["waiting"]:
        by_kommun.setdefault(patient["kommun"], []).append(patient)
    names = {m["kommun"]: m["name"] for m in data["municipalities"]}
    headers = ("Vårdtillfälle", "Vårdform", "Utskrivningsklar", "Dagar", "Beräknas", "Individuell från",
               "En dag till kostar", "Skäl")  # fmt: skip
    for code in sorted(by_kommun):
        waiting = Table(title=f"Väntar: {code} {names.get(code, '')}")
        for header in headers:
            waiting.add_column(
                header, justify="right" if header in ("Dagar", "En dag till kostar") else "left"
            )
        for patient in by_kommun[code]:
            shown = STATUS_SV.get(patient["status"], patient["status"])
            waiting.add_row(
                patient["episode_id"], CARE_TYPE_SV[patient["care_type"]], patient["ready_date"],
                str(patient["days_waited"]), shown, patient["individual_from"] or "–",
                f"{kr(patient['marginal_cost_sek'])} kr",
                ", ".join(REASON_SV.get(r, r) for r in patient["reasons"]),
            )  # fmt: skip
        console.print(waiting)
    if not data["waiting"]:
        console.print("Ingen väntar.")
