"""Heatmap of a two-parameter sweep: one cell per combination, coloured by the total amount."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from hos_avtal.charts._common import (
    cell_decimals,
    draw_no_data,
    format_number_sv,
    money_unit,
    new_figure,
    render,
    require_columns,
    require_integer_ore,
    tick_label,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Beyond this many rows or columns the numbers no longer fit in their cells.
ANNOTATE_MAX = 15


class _Axis:
    """The distinct values of one sweep parameter, in display order, with their labels."""

    def __init__(self, values: Sequence[object]) -> None:
        distinct = list(dict.fromkeys(values))
        numbers = [_as_number(v) for v in distinct]
        self.numeric = all(n is not None for n in numbers)
        if self.numeric:
            # "10" must come after "2.5": sort by value, not by text; "3" and "3.0" are one value.
            by_number = dict(zip(reversed(numbers), reversed(distinct), strict=True))
            distinct = [by_number[n] for n in sorted(n for n in by_number if n is not None)]
        # Otherwise the caller's order is kept: it is usually the order the scenario lists them in.
        self.values = distinct
        self.labels = [_label(v) for v in distinct]
        self._index = {self._key(v): i for i, v in enumerate(distinct)}

    def _key(self, value: object) -> object:
        return _as_number(value) if self.numeric else str(value)

    def index(self, value: object) -> int | None:
        """The position of ``value``; ``"2.5"`` and ``2.5`` are the same value on a numeric axis."""
        return self._index.get(self._key(value))


def _as_number(value: object) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _label(value: object) -> str:
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if value is None:
        return "–"
    if isinstance(value, int | float):
        return str(value).replace(".", ",")
    text = str(value)
    # Numeric parameter text such as "2.5" is shown with a decimal comma like every other number.
    return text.replace(".", ",") if _as_number(text) is not None else text


def sweep_heatmap(
    grid: pl.DataFrame,
    x: str,
    y: str,
    out: Path,
    *,
    value: str = "total_ore",
    title: str,
    x_label: str | None = None,
    y_label: str | None = None,
    highlight: tuple[object, object] | None = None,
) -> Path:
    """A heatmap with parameter ``x`` across and ``y`` down, coloured by the öre column ``value``.

    Axes whose values all parse as numbers are ordered numerically; cells are annotated with the
    amount when the grid is at most 15×15. ``highlight`` is the ``(x, y)`` of the base cell,
    outlined; it must be in the grid. A combination missing from ``grid`` is left blank.

    >>> import tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> grid = pl.DataFrame(
    ...     {"threshold": ["2.5", "3.0", "2.5", "3.0"], "switch_day": [6, 6, 8, 8],
    ...      "total_ore": [61_000_000_00, 55_000_000_00, 58_500_000_00, 52_000_000_00]}
    ... )
    >>> path = sweep_heatmap(grid, "threshold", "switch_day", Path(tmp.name) / "svep.png",
    ...                      title="Totalt belopp", highlight=("3.0", 8))
    >>> path.read_bytes()[:4]
    b'\\x89PNG'
    >>> tmp.cleanup()
    """
    require_columns(grid, [x, y, value], "grid")
    require_integer_ore(grid, [value])
    x_axis = _Axis(grid[x].to_list())
    y_axis = _Axis(grid[y].to_list())
    cells: list[list[float]] = [[math.nan] * len(x_axis.values) for _ in y_axis.values]
    largest = 0
    for xv, yv, amount in grid.select(x, y, value).iter_rows():
        col, row = x_axis.index(xv), y_axis.index(yv)
        # Every value came from these very columns, so each has a position.
        assert col is not None
        assert row is not None
        if not math.isnan(cells[row][col]):
            raise ValueError(f"grid has more than one row for {x}={xv!r}, {y}={yv!r}")
        if amount is not None:
            cells[row][col] = amount
            largest = max(largest, abs(amount))
        else:
            cells[row][col] = math.inf  # taken, but no amount: shown blank below
    highlighted: tuple[int, int] | None = None
    if highlight is not None and grid.height:
        hx, hy = x_axis.index(highlight[0]), y_axis.index(highlight[1])
        if hx is None or hy is None:
            raise ValueError(f"highlight {highlight!r} is not a cell of the grid")
        highlighted = (hx, hy)

    unit = money_unit(largest)
    scaled = [[v / unit.divisor_ore if math.isfinite(v) else math.nan for v in row] for row in cells]

    def build() -> Figure:
        columns, rows = len(x_axis.values), len(y_axis.values)
        width = min(4 + 0.75 * max(columns, 3), 20)
        height = min(2.5 + 0.5 * max(rows, 3), 16)
        figure = new_figure(width, height)
        ax = figure.add_subplot()
        ax.set_title(title)
        if grid.height == 0:
            draw_no_data(ax)
            return figure

        image = ax.imshow(scaled, cmap="viridis", aspect="auto", origin="upper")
        bar = figure.colorbar(image, ax=ax, format=lambda v, _pos: tick_label(v, unit.name))
        bar.set_label(f"Belopp ({unit.name})")
        ax.set_xticks(range(columns), x_axis.labels, rotation=45 if columns > 12 else 0)
        ax.set_yticks(range(rows), y_axis.labels)
        ax.set_xlabel(x_label or x)
        ax.set_ylabel(y_label or y)
        ax.spines[:].set_visible(False)

        if columns <= ANNOTATE_MAX and rows <= ANNOTATE_MAX:
            finite = [v for row in scaled for v in row if not math.isnan(v)]
            decimals = cell_decimals(max((abs(v) for v in finite), default=0.0))
            low, high = min(finite, default=0.0), max(finite, default=0.0)
            for r, row_values in enumerate(scaled):
                for c, amount in enumerate(row_values):
                    if math.isnan(amount):
                        continue
                    # Dark text on the light (yellow) end of viridis, light text elsewhere.
                    shade = (amount - low) / (high - low) if high > low else 0.0
                    ax.text(
                        c,
                        r,
                        format_number_sv(amount, decimals),
                        ha="center",
                        va="center",
                        fontsize=9,
                        color="black" if shade > 0.6 else "white",
                    )

        if highlighted is not None:
            from matplotlib.patches import Rectangle

            hx, hy = highlighted
            ax.add_patch(
                Rectangle(
                    (hx - 0.5, hy - 0.5),
                    1,
                    1,
                    fill=False,
                    edgecolor="red",
                    linewidth=3,
                    label="Bas",
                    clip_on=False,
                )
            )
            # Outside the axes, so the key never covers a cell; constrained layout makes room for it.
            figure.legend(loc="outside lower left", frameon=False, fontsize=9)
        return figure

    return render(build, out)
