"""Monthly pooled average of days against the agreement's threshold."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from hos_avtal.charts._common import draw_no_data, format_number_sv, new_figure, render, require_columns

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Half a month either side of each point: the threshold step then sits centred on its month.
_HALF_MONTH = dt.timedelta(days=15)


def _date_numbers(dates: Sequence[dt.date]) -> list[float]:
    """Dates as matplotlib's day numbers, so lines, markers and steps share one x axis."""
    import matplotlib.dates as mdates

    return [float(n) for n in mdates.date2num(dates)]  # type: ignore[no-untyped-call]


def _thresholds(trend: pl.DataFrame) -> list[tuple[dt.date, float]]:
    """One threshold per month; series disagreeing about a month's threshold is an input error."""
    per_month = (
        trend.filter(pl.col("threshold_days").is_not_null())
        .group_by("month")
        .agg(pl.col("threshold_days").unique())
        .sort("month")
    )
    result: list[tuple[dt.date, float]] = []
    for month, values in per_month.iter_rows():
        if len(values) > 1:
            raise ValueError(f"trend has different thresholds for {month:%Y-%m}: {sorted(values)}")
        result.append((month, values[0]))
    return result


def pooled_trend(trend: pl.DataFrame, out: Path, *, title: str) -> Path:
    """One line per ``series`` of ``average_days`` by ``month``, with the threshold as a dashed step.

    A null average (a month without pooled episodes) leaves a gap in its line; points above that
    month's threshold are ringed in red.

    >>> import datetime as dt, tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> trend = pl.DataFrame(
    ...     {"month": [dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)],
    ...      "series": ["Alla 49 kommuner"] * 3, "average_days": [2.4, None, 3.6],
    ...      "threshold_days": [3.0, 3.0, 3.0]}
    ... )
    >>> pooled_trend(trend, Path(tmp.name) / "trend.svg", title="Genomsnitt 2025").suffix
    '.svg'
    >>> tmp.cleanup()
    """
    require_columns(trend, ["month", "series", "average_days", "threshold_days"], "trend")
    if trend.schema["month"] != pl.Date and trend.height:
        raise ValueError(f"column 'month' must be Date, not {trend.schema['month']}")
    duplicated = trend.filter(pl.struct("series", "month").is_duplicated())
    if duplicated.height:
        first = duplicated.row(0, named=True)
        raise ValueError(f"trend has more than one row for {first['series']!r} in {first['month']:%Y-%m}")
    thresholds = _thresholds(trend) if trend.height else []

    def build() -> Figure:
        import matplotlib.dates as mdates

        figure = new_figure(10, 5)
        ax = figure.add_subplot()
        ax.set_title(title)
        if trend.height == 0:
            draw_no_data(ax)
            return figure

        for index, series in enumerate(trend["series"].unique(maintain_order=True)):
            rows = trend.filter(pl.col("series") == series).sort("month")
            months = _date_numbers(rows["month"].to_list())
            averages = [math.nan if v is None else v for v in rows["average_days"]]
            ax.plot(months, averages, marker="o", color=f"C{index}", label=str(series))

        above = trend.filter(pl.col("average_days") > pl.col("threshold_days"))
        if above.height:
            ax.scatter(
                _date_numbers(above["month"].to_list()),
                above["average_days"].to_list(),
                s=140,
                facecolors="none",
                edgecolors="red",
                linewidths=2,
                zorder=3,
                label="Över tröskeln",
            )

        if thresholds:
            threshold_months = [m for m, _ in thresholds]
            # Step edges halfway between consecutive months, so a change shows between the points.
            edges = [threshold_months[0] - _HALF_MONTH]
            edges += [a + (b - a) / 2 for a, b in itertools.pairwise(threshold_months)]
            edges.append(threshold_months[-1] + _HALF_MONTH)
            ax.stairs(
                [t for _, t in thresholds],
                _date_numbers(edges),
                baseline=None,
                linestyle="--",
                color="0.2",
                linewidth=1.5,
                label="Tröskel",
            )

        first, last = trend["month"].min(), trend["month"].max()
        assert isinstance(first, dt.date)
        assert isinstance(last, dt.date)
        span_months = (last.year - first.year) * 12 + last.month - first.month + 1
        ax.xaxis.set_major_locator(
            mdates.MonthLocator(  # type: ignore[no-untyped-call]
                interval=max(1, math.ceil(span_months / 12))
            )
        )
        ax.xaxis.set_major_formatter(
            mdates.DateFormatter(  # type: ignore[no-untyped-call]
                "%Y-%m"
            )
        )
        ax.yaxis.set_major_formatter(lambda value, _pos: format_number_sv(value, 1))
        ax.set_xlabel("Månad")
        ax.set_ylabel("Genomsnittligt antal dagar")
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", color="0.9")
        ax.legend(loc="best")
        return figure

    return render(build, out)
