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
        "Scenarier (vad händer om …?): jämför ett basregelverk med scenariofiler på samma data, eller "
        "svep ett rutnät av parametervärden; tabeller, CSV, JSON, Excel och diagram (PNG/SVG)."
    ),
)


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


EpisodesOption = Annotated[
    Path | None,
    typer.Option(
        "--episodes", "-e", help="Fil med vårdtillfällen (CSV eller Parquet): jämför betalningsansvar."
    ),
]
PlacementsOption = Annotated[
    Path | None, typer.Option("--placements", help="Fil med placeringar (med --costs och --agreements).")
]
CostsOption = Annotated[Path | None, typer.Option("--costs", help="Placeringarnas kostnader per månad.")]
AgreementsOption = Annotated[
    Path | None, typer.Option("--agreements", help="Kostnadsavtal (hur kostnaden fördelas).")
]
VisitsOption = Annotated[
    Path | None,
    typer.Option("--visits", help="Fil med besök: jämför hemtjänst och hemsjukvård."),
]
TariffsOption = Annotated[
    Path | None, typer.Option("--tariffs", help="Vistelsekommunernas egna timpriser (de ligger fast).")
]
MonthsOption = Annotated[
    str | None,
    typer.Option(
        "--months",
        help="Månader FRÅN..TILL (ÅÅÅÅ-MM..ÅÅÅÅ-MM) eller en månad. Standard: alla månader i datan.",
    ),
]
DailyAmountOption = Annotated[
    str | None,
    typer.Option(
        "--daily-amount",
        help="Fastställt belopp (kronor per vårddygn) för år som inget belopp medföljer för; ett scenario "
        "kan ange sitt eget.",
    ),
]
FormatOption = Annotated[
    ReportFormat,
    typer.Option(
        "--format", "-f", help="table att läsa; json eller csv för andra system; xlsx (kräver --out)."
    ),
]
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Skriv rapporten i json, csv eller xlsx till denna fil.")
]


RunOption = Annotated[
    int | None,
    typer.Option(
        "--run",
        help="Indata från en lagrad faktureringskörning i stället för filer (dess månad och fastställt "
        "belopp blir standard för --months och --daily-amount); se 'hos-avtal run list'.",
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
            raise typer.BadParameter(f"ange --run eller indatafiler, inte båda ({', '.join(given)})")
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
        raise typer.BadParameter("--format xlsx skriver en fil: ange --out FIL.xlsx", param_hint="--out")
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
    print(f"skrev {out}", file=sys.stderr)


@scenario_app.command(
    "compare",
    epilog=(
        "Varje scenariofil (TOML) anger ett basregelverk och de parametrar den ändrar (se scenarios/ "
        "i repositoriet). Varje variant räknas med samma beräkningar som en faktureringskörning; "
        "beloppet som jämförs är det varje kommun betalar: dess betalningsansvar, dess andel av "
        "kostnaderna för placeringar och vad den är skyldig andra kommuner för hemtjänst och "
        "hemsjukvård."
    ),
)
def compare_command(
    scenario: Annotated[
        list[Path], typer.Option("--scenario", "-s", help="Scenariofil (TOML); upprepa för flera.")
    ],
    base: Annotated[
        str | None,
        typer.Option(
            "--base", "-b", help="Basregelverk (id eller .toml-fil). Standard: det första scenariots bas."
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
        typer.Option("--chart", help="Stapeldiagram per kommun, basen mot scenarierna (.png eller .svg)."),
    ] = None,
    trend_chart: Annotated[
        Path | None,
        typer.Option(
            "--trend-chart",
            help="Genomsnittligt antal dagar per månad i genomsnittsberäkningen, mot gränsvärdet "
            "(.png eller .svg).",
        ),
    ] = None,
    kommun: Annotated[
        str | None,
        typer.Option("--kommun", help="Trenddiagrammet för en kommun (kod) i stället för alla 49."),
    ] = None,
) -> None:
    """Jämför basen med ett eller flera scenarier: per kommun, per kommunalförbund och totalt."""
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
    print(f"skrev {path}", file=sys.stderr)


def _trend_chart(comparison: Comparison, path: Path, kommun: str | None) -> None:
    import polars as pl

    from hos_avtal.charts import pooled_trend

    if not comparison.betalningsansvar:
        raise typer.BadParameter("trenddiagrammet kräver --episodes", param_hint="--trend-chart")
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
    print(f"skrev {path}", file=sys.stderr)


@scenario_app.command(
    "sweep",
    epilog=(
        "Kan svepas: varje parameter som parameterkatalogen markerar så ('hos-avtal rulesets "
        "parameters', kolumnen Svep). Parametrar för betalningsansvar beräknas ur vårdtillfällenas "
        "histogram över dagar, så tusen kombinationer kostar ungefär som en beräkning. Exempel: "
        "--param average_threshold_days=2.0:4.0:0.1 --param individual_after_days=5:10:1"
    ),
)
def sweep_command(
    base: Annotated[str, typer.Option("--base", "-b", help="Basregelverk (id eller .toml-fil).")],
    param: Annotated[
        list[str],
        typer.Option(
            "--param",
            "-p",
            help="NAMN=START:SLUT:STEG (SLUT ingår) eller NAMN=V1,V2,…; upprepa för ett rutnät.",
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
        typer.Option("--heatmap", help="Med två parametrar: summorna som värmekarta (.png eller .svg)."),
    ] = None,
) -> None:
    """Alla kombinationer av parametervärdena på en gång: summor per kombination och per kommun."""
    from hos_avtal.scenarios import parse_axis, sweep, sweep_csv, sweep_json

    require_out(output_format, out)
    axes = [parse_axis(text) for text in param]
    if heatmap is not None and len(axes) != 2:
        raise typer.BadParameter("en värmekarta kräver exakt två --param", param_hint="--heatmap")
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
        print(f"skrev {heatmap}", file=sys.stderr)
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
        list[Path], typer.Argument(help="Scenariofiler (TOML) att kontrollera.", show_default=False)
    ],
    db: DbOption = None,
) -> None:
    """Kontrollera scenariofiler och visa vad varje fil ändrar (för en felaktig fil anges nyckeln)."""
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
