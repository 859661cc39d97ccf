"""Per-municipality comparison of the base amount against one or more scenarios."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from hos_avtal.charts._common import (
    draw_no_data,
    money_unit,
    new_figure,
    render,
    require_columns,
    require_integer_ore,
    tick_label,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Inches per municipality row and per bar inside it: 49 rows stay legible at the default font.
_ROW_BASE_IN = 0.16
_BAR_IN = 0.12
_MARGIN_IN = 1.6


def comparison_bars(
    amounts: pl.DataFrame,
    series: Sequence[tuple[str, str]],
    out: Path,
    *,
    title: str,
    base: tuple[str, str] = ("base_ore", "Bas"),
) -> Path:
    """Horizontal grouped bars per municipality: the base and each scenario, largest base on top.

    ``amounts`` has ``name`` and one Int64 öre column per bar; ``series`` pairs a column with its
    legend label. The file type follows ``out``'s suffix (``.png`` or ``.svg``).

    >>> import tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> amounts = pl.DataFrame(
    ...     {"name": ["Borås", "Alingsås"], "base_ore": [120_000_000, 45_000_000],
    ...      "scen_ore": [100_000_000, 50_000_000]}
    ... )
    >>> path = comparison_bars(amounts, [("scen_ore", "Tröskel 2,5 dagar")],
    ...                        Path(tmp.name) / "jämförelse.svg", title="Betalningsansvar 2025")
    >>> path.name, path.stat().st_size > 1000
    ('jämförelse.svg', True)
    >>> tmp.cleanup()
    """
    columns = [base, *series]
    require_columns(amounts, ["name", *(c for c, _ in columns)], "amounts")
    require_integer_ore(amounts, [c for c, _ in columns])
    ordered = amounts.sort(base[0], descending=True, nulls_last=True, maintain_order=True)

    def build() -> Figure:
        rows = ordered.height
        height = _MARGIN_IN + max(rows, 3) * (_ROW_BASE_IN + _BAR_IN * len(columns))
        figure = new_figure(10, height)
        ax = figure.add_subplot()
        ax.set_title(title)
        if rows == 0:
            draw_no_data(ax)
            return figure

        largest = max((abs(v) for c, _ in columns for v in ordered[c].drop_nulls()), default=0)
        unit = money_unit(largest)
        bar_height = 0.8 / len(columns)
        positions = range(rows)
        for index, (column, label) in enumerate(columns):
            # Null öre means "no amount", drawn as no bar rather than as a zero bar.
            widths = [math.nan if v is None else v / unit.divisor_ore for v in ordered[column]]
            offsets = [p - 0.4 + bar_height * (index + 0.5) for p in positions]
            ax.barh(offsets, widths, height=bar_height, label=label, color=f"C{index}")

        ax.set_yticks(list(positions), [str(n) for n in ordered["name"]])
        ax.set_ylim(rows - 0.5, -0.5)  # largest base on top, reading order
        ax.set_xlabel(f"Belopp ({unit.name})")
        ax.xaxis.set_major_formatter(lambda value, _pos: tick_label(value, unit.name))
        ax.axvline(0, color="0.3", linewidth=0.8)
        ax.grid(axis="x", color="0.9")
        ax.set_axisbelow(True)
        # Rows are sorted largest first, so the bottom right is where the bars are shortest.
        ax.legend(loc="lower right")
        return figure

    return render(build, out)
