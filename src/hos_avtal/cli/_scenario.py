"""``hos-avtal scenario``: what-if comparisons and parameter sweeps for negotiators (docs/rules.md §7)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hos_avtal.cli._app import command_group
from hos_avtal.cli._options import (
    DbOption,
    amount_option,
    ensure_folder,
    months_option,
    print_json,
    registered_rules,
)
from hos_avtal.errors import HosAvtalError

if TYPE_CHECKING:
    from decimal import Decimal

    from hos_avtal._types import Month
    from hos_avtal.scenarios import Comparison, ScenarioData

scenario_app = command_group(
    "scenario",
    (
        "What-if scenarios: compare a base rule set with scenario files on the same data, or sweep "
        "a grid of parameter values; tables, CSV, JSON, Excel and charts (PNG/SVG)."
    ),
)


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


EpisodesOption = Annotated[
    Path | None,
    typer.Option("--episodes", "-e", help="Episode file (CSV or Parquet): compares betalningsansvar."),
]
PlacementsOption = Annotated[
    Path | None, typer.Option("--placements", help="Placements file (with --costs and --agreements).")
]
CostsOption = Annotated[Path | None, typer.Option("--costs", help="Placement costs per month.")]
AgreementsOption = Annotated[Path | None, typer.Option("--agreements", help="Cost-split agreements.")]
VisitsOption = Annotated[
    Path | None, typer.Option("--visits", help="Home-care visit file: compares hemtjänst/hemsjukvård.")
]
TariffsOption = Annotated[
    Path | None, typer.Option("--tariffs", help="The host municipalities' own tariffs (they stay fixed).")
]
MonthsOption = Annotated[
    str | None,
    typer.Option(
        "--months", help="Months FROM..TO (YYYY-MM..YYYY-MM) or one month. Default: all in the data."
    ),
]
DailyAmountOption = Annotated[
    str | None,
    typer.Option(
        "--daily-amount",
        help="Fastställt belopp (SEK per day) for years none ships for; a scenario may set its own.",
    ),
]
FormatOption = Annotated[
    ReportFormat,
    typer.Option("--format", "-f", help="table for people; json or csv for systems; xlsx (needs --out)."),
]
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write the json, csv or xlsx report to this file.")
]


RunOption = Annotated[
    int | None,
    typer.Option(
        "--run",
        help="A stored billing run's inputs instead of files (its month and fastställt belopp are the "
        "defaults of --months and --daily-amount); see 'hos-avtal run list'.",
        min=1,
        max=2**31 - 1,
    ),
]


def read_data(
    files: dict[str, Path | None],
    run: int | None,
    db: str | None,
    months: str | None,
    daily_amount: str | None,
) -> tuple[ScenarioData, list[Month] | None, Decimal | None]:
    """The data from files or a stored run, and the months and fastställt belopp to use."""
    from hos_avtal.scenarios import ScenarioData

    chosen_months, amount = months_option(months), amount_option(daily_amount)
    given = [f"--{name}" for name, path in files.items() if path is not None]
    if run is not None:
        if given:
            raise typer.BadParameter(f"give --run or input files, not both ({', '.join(given)})")
        from hos_avtal.cli._run import _open
        from hos_avtal.scenarios import run_data

        database = _open(db)
        try:
            stored = run_data(database, run)
        finally:
            database.close()
        default_amount = amount if amount is not None else stored.daily_amount_sek
        return stored.data, chosen_months or [stored.month], default_amount
    data = ScenarioData.read(**files)
    if not data.capabilities:
        raise typer.BadParameter(
            "give the data: --episodes, --placements/--costs/--agreements, --visits or --run"
        )
    return data, chosen_months, amount


def require_out(output_format: ReportFormat, out: Path | None) -> None:
    """Checked before any work: Excel is a file, never bytes on a terminal; a table is for the
    terminal, so a file asked for with it would silently not be written."""
    if output_format is ReportFormat.xlsx and out is None:
        raise typer.BadParameter("--format xlsx writes a file: give --out FILE.xlsx", param_hint="--out")
    if output_format is ReportFormat.table and out is not None:
        raise typer.BadParameter(
            "--format table prints to the terminal; to write a file choose --format json, csv or xlsx",
            param_hint="--out",
        )


def emit(
    output_format: ReportFormat,
    out: Path | None,
    *,
    json_payload: Callable[[], Any],
    csv_text: Callable[[], str],
    xlsx_bytes: Callable[[], bytes],
    table: Callable[[], None],
) -> None:
    """Write the report in the chosen format: to ``out``, or to standard output (table, JSON, CSV)."""
    if output_format is ReportFormat.table:
        table()
    elif output_format is ReportFormat.json and out is None:
        print_json(json_payload())
    elif output_format is ReportFormat.json:
        import json

        write_report(json.dumps(json_payload(), ensure_ascii=False, indent=2), out, output_format)
    elif output_format is ReportFormat.csv:
        write_report(csv_text(), out, output_format)
    else:
        write_report(xlsx_bytes(), out, output_format)


def write_report(payload: bytes | str, out: Path | None, output_format: ReportFormat) -> None:
    if out is None:
        assert isinstance(payload, str), "require_out() refuses binary output without --out"
        sys.stdout.write(payload)
        return
    from hos_avtal.io import write_private

    ensure_folder(out.parent)
    write_private(out, payload if isinstance(payload, bytes) else payload.encode("utf-8"))
    print(f"wrote {out}", file=sys.stderr)


@scenario_app.command(
    "compare",
    epilog=(
        "Each scenario file (TOML) names a base rule set and the parameters it changes "
        "(see scenarios/ in the repository). Every variant runs the same engines as a billing run; "
        "the amount compared is what each municipality pays: its betalningsansvar, its share of "
        "placement costs, and what it owes other municipalities for home care."
    ),
)
def compare_command(
    scenario: Annotated[
        list[Path], typer.Option("--scenario", "-s", help="Scenario file (TOML); repeat for several.")
    ],
    base: Annotated[
        str | None,
        typer.Option(
            "--base", "-b", help="Base rule set (id or .toml file). Default: the first scenario's base."
        ),
    ] = None,
    episodes: EpisodesOption = None,
    placements: PlacementsOption = None,
    costs: CostsOption = None,
    agreements: AgreementsOption = None,
    visits: VisitsOption = None,
    tariffs: TariffsOption = None,
    run: RunOption = None,
    db: DbOption = None,
    months: MonthsOption = None,
    daily_amount: DailyAmountOption = None,
    output_format: FormatOption = ReportFormat.table,
    out: OutOption = None,
    chart: Annotated[
        Path | None,
        typer.Option(
            "--chart", help="Bar chart per municipality, base against the scenarios (.png or .svg)."
        ),
    ] = None,
    trend_chart: Annotated[
        Path | None,
        typer.Option(
            "--trend-chart", help="The pooled average per month against the threshold (.png or .svg)."
        ),
    ] = None,
    kommun: Annotated[
        str | None,
        typer.Option("--kommun", help="The trend chart for one municipality (code) instead of all 49."),
    ] = None,
) -> None:
    """Compare the base with one or more scenarios: per municipality, per kommunalförbund and in total."""
    from hos_avtal.scenarios import compare, comparison_csv, comparison_json, load_scenario

    require_out(output_format, out)
    files = {"episodes": episodes, "placements": placements, "costs": costs, "agreements": agreements,
             "visits": visits, "tariffs": tariffs}  # fmt: skip
    with registered_rules(db):
        scenarios = [load_scenario(path) for path in scenario]
        data, chosen, amount = read_data(files, run, db, months, daily_amount)
        comparison = compare(data, scenarios, base=base, months=chosen, daily_amount_sek=amount)
    if chart is not None:
        _bar_chart(comparison, chart)
    if trend_chart is not None:
        _trend_chart(comparison, trend_chart, kommun)
    from hos_avtal.cli._scenario_tables import render_comparison
    from hos_avtal.scenarios import comparison_xlsx

    emit(
        output_format,
        out,
        json_payload=lambda: comparison_json(comparison),
        csv_text=lambda: comparison_csv(comparison),
        xlsx_bytes=lambda: comparison_xlsx(comparison),
        table=lambda: render_comparison(comparison),
    )


def _bar_chart(comparison: Comparison, path: Path) -> None:
    from hos_avtal.charts import comparison_bars

    series = [(f"s{i}_ore", v.label) for i, v in enumerate(comparison.scenarios, start=1)]
    try:
        comparison_bars(
            comparison.municipalities(),
            series,
            path,
            title="Vad kommunerna hade betalat: bas och scenarier",
            base=("base_ore", comparison.variants[0].label),
        )
    except ValueError as exc:
        raise HosAvtalError(f"--chart {path}: {exc}") from None
    print(f"wrote {path}", file=sys.stderr)


def _trend_chart(comparison: Comparison, path: Path, kommun: str | None) -> None:
    import polars as pl

    from hos_avtal.charts import pooled_trend

    if not comparison.betalningsansvar:
        raise typer.BadParameter("the trend chart needs --episodes", param_hint="--trend-chart")
    # One threshold line per chart: the base, and the scenarios that keep its threshold (a
    # different switch day changes which episodes are pooled, so their average moves too).
    base = comparison.trend(0, kommun)
    frames = []
    for index, variant in enumerate(comparison.variants):
        frame = base if index == 0 else comparison.trend(index, kommun)
        if index and not frame.get_column("threshold_days").equals(base.get_column("threshold_days")):
            continue
        label = frame.get_column("series")[0] if frame.height else ""
        frames.append(frame.with_columns(pl.lit(f"{label} – {variant.label}").alias("series")))
    try:
        pooled_trend(
            pl.concat(frames), path, title="Genomsnittligt antal dagar efter utskrivningsklar per månad"
        )
    except ValueError as exc:
        raise HosAvtalError(f"--trend-chart {path}: {exc}") from None
    print(f"wrote {path}", file=sys.stderr)


@scenario_app.command(
    "sweep",
    epilog=(
        "Sweepable: every parameter the parameter catalog marks so ('hos-avtal rulesets "
        "parameters', column Sweep). Betalningsansvar parameters are evaluated from the episodes' "
        "day histograms, so a thousand combinations cost about one calculation. Example: "
        "--param average_threshold_days=2.0:4.0:0.1 --param individual_after_days=5:10:1"
    ),
)
def sweep_command(
    base: Annotated[str, typer.Option("--base", "-b", help="Base rule set (id or .toml file).")],
    param: Annotated[
        list[str],
        typer.Option(
            "--param", "-p", help="NAME=START:STOP:STEP (STOP included) or NAME=V1,V2,…; repeat for a grid."
        ),
    ],
    episodes: EpisodesOption = None,
    placements: PlacementsOption = None,
    costs: CostsOption = None,
    agreements: AgreementsOption = None,
    visits: VisitsOption = None,
    tariffs: TariffsOption = None,
    run: RunOption = None,
    db: DbOption = None,
    months: MonthsOption = None,
    daily_amount: DailyAmountOption = None,
    output_format: FormatOption = ReportFormat.table,
    out: OutOption = None,
    heatmap: Annotated[
        Path | None,
        typer.Option("--heatmap", help="With two parameters: the totals as a heatmap (.png or .svg)."),
    ] = None,
) -> None:
    """Every combination of the parameter values at once: totals per combination and per municipality."""
    from hos_avtal.scenarios import parse_axis, sweep, sweep_csv, sweep_json

    require_out(output_format, out)
    axes = [parse_axis(text) for text in param]
    if heatmap is not None and len(axes) != 2:
        raise typer.BadParameter("a heatmap needs exactly two --param", param_hint="--heatmap")
    files = {"episodes": episodes, "placements": placements, "costs": costs, "agreements": agreements,
             "visits": visits, "tariffs": tariffs}  # fmt: skip
    with registered_rules(db):
        data, chosen, amount = read_data(files, run, db, months, daily_amount)
        result = sweep(data, axes, base=base, months=chosen, daily_amount_sek=amount)
    if heatmap is not None:
        from hos_avtal.charts import sweep_heatmap
        from hos_avtal.scenarios import label_sv

        x, y = (a.name for a in axes)
        highlight = (
            (result.base_values[x], result.base_values[y]) if {x, y} <= result.base_values.keys() else None
        )
        try:
            sweep_heatmap(
                result.combinations, x, y, heatmap, title=f"Totalt för 49 kommuner, bas {result.ruleset.id}",
                x_label=label_sv(x), y_label=label_sv(y), highlight=highlight,
            )  # fmt: skip
        except ValueError as exc:
            raise HosAvtalError(f"--heatmap {heatmap}: {exc}") from None
        print(f"wrote {heatmap}", file=sys.stderr)
    from hos_avtal.cli._scenario_tables import render_sweep
    from hos_avtal.scenarios import sweep_xlsx

    emit(
        output_format,
        out,
        json_payload=lambda: sweep_json(result),
        csv_text=lambda: sweep_csv(result),
        xlsx_bytes=lambda: sweep_xlsx(result),
        table=lambda: render_sweep(result),
    )


@scenario_app.command("check")
def check_command(
    files: Annotated[
        list[Path], typer.Argument(help="Scenario files (TOML) to validate.", show_default=False)
    ],
    db: DbOption = None,
) -> None:
    """Validate scenario files and show what each changes (a broken file names the key)."""
    import json

    from hos_avtal.scenarios import json_value, load_scenario

    for path in files:
        with registered_rules(db):
            scenario = load_scenario(path)
            scenario.ruleset()  # the base must load too
        print(f"{path}: {scenario.name} — base {scenario.base}")
        if scenario.description:
            print(f"  {scenario.description}")
        for capability, changes in scenario.overrides.items():
            for name, value in changes.items():
                print(f"  {capability}.{name} = {json.dumps(json_value(value), ensure_ascii=False)}")
        if not scenario.overrides:
            print("  (changes nothing: the base itself)")
