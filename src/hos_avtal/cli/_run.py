"""``hos-avtal run``: monthly billing runs, stored; finalize, list, show and compare them.

Every subcommand takes ``--db`` (a database URL or a SQLite file path; default
``HOS_AVTAL_DATABASE_URL``, else ``hos_avtal.sqlite`` in the current folder). Results go to
standard output, progress to standard error, so a script can read the first and a person watch
the second.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hos_avtal.cli._app import command_group
from hos_avtal.cli._options import (
    AcceptOption,
    DailyAmountOption,
    DbOption,
    RulesetOption,
    accepted,
    amount_option,
    ensure_folder,
    month_option,
)

if TYPE_CHECKING:
    from rich.console import Console

    from hos_avtal.runs import StoredRun
    from hos_avtal.storage import Database

run_app = command_group(
    "run",
    (
        "Månatliga faktureringskörningar (docs/rules.md §8): beräkna en månad med alla angivna indata "
        "och lagra körningen; fastställ, lista, visa och jämför lagrade körningar."
    ),
    no_args_is_help=False,
)

RunArgument = Annotated[
    int,
    typer.Argument(help="Körningens id (se 'hos-avtal run list').", min=1, max=2**31 - 1, show_default=False),
]


_STATE_SV = {"draft": "utkast", "final": "fastställd"}
"""A run's state as billing staff say it (the files say UTKAST / Fastställd)."""


class ShowFormat(StrEnum):
    table = "table"
    json = "json"


def _open(db: str | None) -> Database:
    from hos_avtal.storage import open_database

    return open_database(db)


def _console() -> Console:
    from rich.console import Console

    probe = Console()
    return probe if probe.is_terminal else Console(width=150)


@run_app.callback(invoke_without_command=True)
def run(
    ctx: typer.Context,
    month: Annotated[str | None, typer.Option("--month", "-m", help="Faktureringsmånad ÅÅÅÅ-MM.")] = None,
    episodes: Annotated[
        Path | None,
        typer.Option("--episodes", help="Fil med vårdtillfällen (CSV eller Parquet).", show_default=False),
    ] = None,
    placements: Annotated[
        Path | None, typer.Option("--placements", help="Fil med placeringar (med --costs och --agreements).")
    ] = None,
    costs: Annotated[
        Path | None, typer.Option("--costs", help="Fil med placeringarnas kostnader per månad.")
    ] = None,
    agreements: Annotated[Path | None, typer.Option("--agreements", help="Fil med kostnadsavtal.")] = None,
    visits: Annotated[
        Path | None, typer.Option("--visits", help="Fil med besök i hemtjänst och hemsjukvård.")
    ] = None,
    tariffs: Annotated[
        Path | None, typer.Option("--tariffs", help="Vistelsekommunernas egna timpriser (med --visits).")
    ] = None,
    ruleset: RulesetOption = None,
    daily_amount: DailyAmountOption = None,
    export_to: Annotated[
        Path | None,
        typer.Option(
            "--export-to",
            help="Skriv också körningens fakturaunderlag (CSV, Excel och PDF per kommun, och "
            "sammanställningen för alla 49) till denna mapp.",
        ),
    ] = None,
    accept: AcceptOption = None,
    db: DbOption = None,
) -> None:
    """Kör en månad och lagra den: betalningsansvar från --episodes; placeringar med --placements,
    --costs och --agreements; hemtjänst och hemsjukvård med --visits.

    Samma månad med identiska indata och regelverk ger den lagrade körningen i stället för en ny.
    Efter en fastställd körning ger ändrade indata nästa version, med rättelserader (krediteringar
    och debiteringar) mot den senaste fastställda versionen. Id:n som liknar ett personnummer
    ersätts med en nyckelbaserad hash innan något lagras.
    """
    if ctx.invoked_subcommand is not None:
        return
    if month is None or episodes is None:
        raise typer.BadParameter(
            "give --month YYYY-MM and --episodes FILE to run a month, or a subcommand "
            "(finalize, list, show, diff); see 'hos-avtal run --help'",
            param_hint="--month/--episodes",
        )
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

    from hos_avtal.runs import execute_run

    chosen = month_option(month)
    assert chosen is not None
    amount = amount_option(daily_amount)
    if export_to is not None:
        ensure_folder(export_to)  # before the run: a run stored but not exported is half a job
    database = _open(db)
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task(f"Run {chosen:%Y-%m}", total=1)

            def progress(description: str, done: int, total: int) -> None:
                bar.update(task, description=f"{chosen:%Y-%m}: {description}", completed=done, total=total)

            outcome = execute_run(
                database, chosen, episodes, placements, costs, agreements, visits, tariffs,
                ruleset=ruleset, daily_amount_sek=amount, progress=progress, accept=accepted(accept),
            )  # fmt: skip
            stored = None
            if export_to is not None:
                from hos_avtal.storage import load_run

                bar.update(task, description=f"{chosen:%Y-%m}: exporting the fakturaunderlag")
                stored = load_run(database, outcome.summary.id)
    finally:
        database.close()
    s = outcome.summary
    how = "ny" if outcome.created else "finns redan: samma indata och regelverk har körts"
    print(f"körning {s.id}: {s.month:%Y-%m} version {s.version}, {_STATE_SV[s.state]} ({how})")
    if s.daily_amount_ore is not None:
        from hos_avtal.exports import ORIGIN_SV
        from hos_avtal.money import format_sek_sv

        origin = outcome.daily_amount_origin or ""
        where = f"{ORIGIN_SV.get(origin, origin)}: {outcome.daily_amount_source}"
        print(f"fastställt belopp {format_sek_sv(s.daily_amount_ore)} kr per vårddygn ({where})")
    if export_to is not None and stored is not None:
        from hos_avtal.exports import export_run

        paths = export_run(stored, export_to)
        print(f"skrev {len(paths)} filer till {export_to}")


@run_app.command("finalize")
def finalize_run(
    run_id: RunArgument,
    by: Annotated[
        str | None, typer.Option("--by", help="Vem som fastställer den. Standard: användarnamnet.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Fastställ ett utkast. En fastställd körning ändras aldrig; nya data ger en ny version."""
    from hos_avtal.runs import current_user
    from hos_avtal.storage import finalize

    database = _open(db)
    try:
        summary, changed = finalize(database, run_id, by or current_user())
    finally:
        database.close()
    if changed:
        print(f"körning {summary.id} är fastställd: {summary.month:%Y-%m} version {summary.version}")
    else:
        print(
            f"körning {summary.id} var redan fastställd ({summary.month:%Y-%m} version {summary.version}, "
            f"av {summary.finalized_by}); inget ändrades"
        )


@run_app.command("list")
def list_command(
    month: Annotated[
        str | None, typer.Option("--month", "-m", help="Bara körningar för denna månad (ÅÅÅÅ-MM).")
    ] = None,
    state: Annotated[
        str | None,
        typer.Option("--state", help="Bara körningar som är draft (utkast) eller final (fastställda)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """De lagrade körningarna, äldsta månaden först."""
    from rich.table import Table

    from hos_avtal.storage import list_runs

    if state is not None and state not in ("draft", "final"):
        raise typer.BadParameter(f"{state!r}: välj draft eller final", param_hint="--state")
    chosen = month_option(month)
    database = _open(db)
    try:
        runs = list_runs(database, chosen, "final" if state == "final" else "draft" if state else None)
    finally:
        database.close()
    if not runs:
        print("inga körningar lagrade" + (" som matchar" if month or state else ""))
        return
    table = Table(title="Faktureringskörningar")
    for header in (
        "Körning",
        "Månad",
        "Version",
        "Status",
        "Regelverk",
        "Skapad",
        "Av",
        "Fastställd",
        "Rättar",
    ):
        table.add_column(header)
    for r in runs:
        table.add_row(
            str(r.id), f"{r.month:%Y-%m}", str(r.version), _STATE_SV[r.state], r.ruleset_id,
            f"{r.created_at:%Y-%m-%d %H:%M}", r.created_by,
            f"{r.finalized_at:%Y-%m-%d %H:%M} {r.finalized_by}" if r.finalized_at else "",
            str(r.corrects_run_id or ""),
        )  # fmt: skip
    _console().print(table)


@run_app.command("show")
def show_command(
    run_id: RunArgument,
    output_format: Annotated[
        ShowFormat, typer.Option("--format", "-f", help="table eller json.")
    ] = ShowFormat.table,
    db: DbOption = None,
) -> None:
    """En körning: dess granskningsspår, indata, summor per kommun och rättelserader."""
    from hos_avtal.storage import load_run

    database = _open(db)
    try:
        stored = load_run(database, run_id)
    finally:
        database.close()
    if output_format is ShowFormat.json:
        sys.stdout.write(json.dumps(_show_json(stored), ensure_ascii=False) + "\n")
    else:
        _show_table(stored)


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    pdf = "pdf"


@run_app.command("export")
def export_command(
    run_id: RunArgument,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Mapp att skriva filerna till (skapas om den saknas).")
    ],
    kommun: Annotated[
        str | None,
        typer.Option("--kommun", "-k", help="Bara denna kommun (kod med 4 tecken, t.ex. 1480)."),
    ] = None,
    formats: Annotated[
        list[ExportFormat] | None,
        typer.Option("--format", "-f", help="csv, xlsx eller pdf; upprepa för flera. Standard: alla tre."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Skriv en körnings fakturaunderlag: per kommun, och sammanställningen för alla 49.

    CSV för andra system, Excel för fakturerare (svenska rubriker, ett sammanställningsblad och ett
    blad med vårdtillfällen), PDF att läsa. Ett utkast märks UTKAST i varje fil. Id:n är
    pseudonymer; personers id skrivs aldrig ut.
    """
    from hos_avtal.exports import export_run
    from hos_avtal.storage import load_run

    chosen = [f.value for f in formats] if formats else ["csv", "xlsx", "pdf"]
    database = _open(db)
    try:
        stored = load_run(database, run_id)
    finally:
        database.close()
    ensure_folder(out)
    paths = export_run(stored, out, kommun=kommun, formats=chosen)  # type: ignore[arg-type]
    for path in paths:
        print(path)
    print(f"skrev {len(paths)} filer för körning {run_id} till {out}", file=sys.stderr)


@run_app.command("verify")
def verify_command(
    run_id: Annotated[
        int | None,
        typer.Argument(
            help="Körningens id; standard: alla lagrade körningar.", min=1, max=2**31 - 1, show_default=False
        ),
    ] = None,
    seals: Annotated[
        list[str] | None,
        typer.Option(
            "--seal",
            help="Ett sigill tryckt på ett fakturaunderlag (upprepa för flera): dess körning måste "
            "vara lagrad och oförändrad.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Kontrollera körningar mot deras sigill, för revisorer: slutkod 0 när alla körningar är
    oförändrade, 1 när någon körning har ändrats i databasen efter att den lagrades eller när en
    fastställd körning saknas.

    Varje körnings sigill (en SHA-256 tryckt på dess fakturaunderlag) räknas om från de lagrade
    raderna; en månad vars fastställda versioner har en lucka har förlorat en fastställd körning.
    ``--seal`` kontrollerar sigillen på fakturor som redan skickats: en körning som raderats förbi
    databasens skydd lämnar inget annat än dem att kontrollera mot. Körningar som lagrades innan
    sigill fanns (schemarevision 0005) listas som utan sigill.
    """
    from hos_avtal.errors import RunIntegrityError
    from hos_avtal.storage import find_sealed, list_runs, load_summary, verify_run, version_gaps

    database = _open(db)
    failed = 0
    try:
        summaries = [load_summary(database, run_id)] if run_id is not None else list_runs(database)
        for seal in seals or ():
            found = find_sealed(database, seal)
            if found is None:
                failed += 1
                print(
                    "ett tryckt sigill: SAKNAS — ingen lagrad körning har sigillet; "
                    "körningen det kom från finns inte"
                )
            elif found.id not in {s.id for s in summaries}:
                summaries.append(found)
        for s in summaries:
            label = f"körning {s.id} ({s.month:%Y-%m} version {s.version}, {_STATE_SV[s.state]})"
            try:
                sealed = verify_run(database, s.id)
            except RunIntegrityError as exc:
                failed += 1
                print(f"{label}: ÄNDRAD — {exc}")
                continue
            state = f"oförändrad, sigill {s.seal}" if sealed else "utan sigill (lagrad innan sigill fanns)"
            print(f"{label}: {state}")
        gaps = version_gaps(database) if run_id is None else []
    finally:
        database.close()
    for gap in gaps:
        failed += 1
        print(f"SAKNAS — {gap}")
    if not summaries and not seals:
        print("inga körningar lagrade")
    print(f"{len(summaries)} körningar kontrollerade, {failed} problem", file=sys.stderr)
    if failed:
        raise typer.Exit(1)


@run_app.command("diff")
def diff_command(run_a: RunArgument, run_b: RunArgument, db: DbOption = None) -> None:
    """Vad körning B fakturerar annorlunda än körning A: summor per kommun och varje ändrad rad."""
    import polars as pl
    from rich.table import Table

    from hos_avtal.exports import CAPABILITY_SV
    from hos_avtal.money import format_sek_sv
    from hos_avtal.runs import corrections, stored_frames
    from hos_avtal.storage import load_run

    database = _open(db)
    try:
        a, b = load_run(database, run_a), load_run(database, run_b)
    finally:
        database.close()
    if a.summary.month != b.summary.month:
        print(
            f"obs: körning {run_a} gäller {a.summary.month:%Y-%m} och körning {run_b} {b.summary.month:%Y-%m}"
        )
    changed = corrections(stored_frames(a), stored_frames(b))
    if changed.height == 0:
        print(f"körningarna {run_a} och {run_b} fakturerar samma belopp")
        return
    console = _console()
    totals = (
        changed.group_by("kommun", "capability")
        .agg(pl.col("previous_ore", "current_ore", "delta_ore").sum())
        .sort("kommun", "capability")
        .with_columns(pl.lit("(summan av raderna)").alias("line_key"))
    )
    for title, rows in (("Per kommun", totals), ("Ändrade rader", changed)):
        table = Table(title=f"{title}: körning {run_a} → körning {run_b}")
        for header in ("Del", "Kommun", "Rad", f"Körning {run_a}", f"Körning {run_b}", "Skillnad"):
            table.add_column(
                header, justify="right" if header.startswith(("Körning", "Skillnad")) else "left"
            )
        for r in rows.iter_rows(named=True):
            table.add_row(
                CAPABILITY_SV[r["capability"]], r["kommun"], r["line_key"], format_sek_sv(r["previous_ore"]),
                format_sek_sv(r["current_ore"]), format_sek_sv(r["delta_ore"]),
            )  # fmt: skip
        console.print(table)
    net = int(changed["delta_ore"].sum())
    print(f"{changed.height} ändrade rader; nettoförändring {format_sek_sv(net)} kr")


def _totals(stored: StoredRun) -> list[dict[str, Any]]:
    """Per municipality: betalningsansvar, placement share, home-care net (öre)."""
    import polars as pl

    frame = stored.betalningsansvar.select(
        "kommun", "name", pl.col("total_amount_ore").alias("betalningsansvar_ore")
    )
    if stored.placement_municipalities is not None:
        frame = frame.join(
            stored.placement_municipalities.select("kommun", pl.col("kommun_ore").alias("placements_ore")),
            on="kommun",
            how="left",
        )
    if stored.home_care_municipalities is not None:
        frame = frame.join(
            stored.home_care_municipalities.select("kommun", pl.col("net_ore").alias("home_care_net_ore")),
            on="kommun",
            how="left",
        )
    recurring = stored.recurring_liability
    return [
        {**row, "consecutive_liable_months": recurring.get(row["kommun"], 0)}
        for row in frame.sort("kommun").iter_rows(named=True)
    ]


def _show_json(stored: StoredRun) -> dict[str, Any]:
    return {
        "run": stored.summary.record(),
        "inputs": [
            {"kind": i.kind, "name": i.name, "sha256": i.sha256, "rows": i.rows} for i in stored.inputs
        ],
        "municipalities": _totals(stored),
        "episode_lines": stored.episode_lines.height,
        "placement_lines": None if stored.placement_lines is None else stored.placement_lines.height,
        "home_care_lines": None if stored.home_care_lines is None else stored.home_care_lines.height,
        "corrections": stored.corrections.to_dicts(),
    }


def _show_table(stored: StoredRun) -> None:
    from rich.table import Table

    from hos_avtal.money import format_sek_sv
    from hos_avtal.runs import itemised

    s = stored.summary
    console = _console()
    console.print(
        f"Körning {s.id}: {s.month:%Y-%m} version {s.version}, {_STATE_SV[s.state]}\n"
        f"Regelverk {s.ruleset_id} (parametrar {s.ruleset_hash[:12]}…), indata {s.inputs_hash[:12]}…, "
        f"hos_avtal {s.code_version}\n"
        f"Skapad {s.created_at:%Y-%m-%d %H:%M} UTC av {s.created_by}"
        + (f"; fastställd {s.finalized_at:%Y-%m-%d %H:%M} UTC av {s.finalized_by}" if s.finalized_at else "")
        + (f"\nRättar körning {s.corrects_run_id}" if s.corrects_run_id else "")
        + f"\nSigill {s.seal or '(inget: lagrad innan sigill fanns)'}"
        + (f"\nKvitterat: {', '.join(s.accepted)}" if s.accepted else "")
    )
    for i in stored.inputs:
        console.print(f"  {i.kind}: {i.name} ({i.rows} rader, sha256 {i.sha256[:12]}…)")
    rows = _totals(stored)
    table = Table(title="Per kommun (kr)")
    names = {"betalningsansvar_ore": "Betalningsansvar", "placements_ore": "Placeringar",
             "home_care_net_ore": "Hemtjänst och hemsjukvård, netto"}  # fmt: skip
    columns = [c for c in names if c in rows[0]]
    for header in ("Kommun", "Namn", *[names[c] for c in columns], "Månader i rad med betalningsansvar"):
        table.add_column(header, justify="left" if header in ("Kommun", "Namn") else "right")
    for r in rows:
        table.add_row(
            r["kommun"],
            r["name"],
            *[format_sek_sv(r[c] or 0) for c in columns],
            str(r["consecutive_liable_months"]),
        )
    console.print(table)
    lines = itemised(stored.corrections)
    if lines.height:
        console.print(
            f"{lines.height} rättelserader mot körning {s.corrects_run_id}; "
            f"netto {format_sek_sv(int(lines['delta_ore'].sum()))} kr "
            "(se 'hos-avtal run diff' för varje rad)"
        )
