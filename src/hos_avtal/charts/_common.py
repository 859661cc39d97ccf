"""What the three charts share: output formats, rendering, Swedish number formatting.

>>> format_number_sv(1234567.891, 2)
'1\\xa0234\\xa0567,89'
>>> money_unit(250_000_000_00)
MoneyUnit(divisor_ore=100000000, name='mnkr')
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import polars as pl

from hos_avtal.io import write_private

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

FORMATS = {".png": "png", ".svg": "svg"}
NO_DATA = "Inga data"

# The same no-break space as hos_avtal.money.format_sek_sv, so charts and exports group digits alike
# and a number is never wrapped between its groups.
_GROUP_SEPARATOR = "\u00a0"
_MINUS = "\u2212"

# rcParams are process-global and matplotlib's text layout caches are not thread-safe, so a web
# server rendering several charts at once must take turns; a chart takes well under a second.
_RENDER_LOCK = threading.Lock()

_RC: dict[RcKeyType, Any] = {
    # Only the bundled font: nothing is looked up on the host, so output is the same everywhere.
    "font.family": "DejaVu Sans",
    # Text stays text in SVG: searchable, selectable and checkable in tests.
    "svg.fonttype": "none",
    # Fixed salt makes the SVG clip-path ids, and so the whole file, reproducible.
    "svg.hashsalt": "hos-avtal",
    "axes.unicode_minus": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
}

# Neither format gets a timestamp or a version string, so the same input gives the same bytes.
_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
}


class MoneyUnit(NamedTuple):
    """A display unit for amounts: how many öre make one unit, and its Swedish abbreviation."""

    divisor_ore: int
    name: str


def output_format(out: Path) -> str:
    """The matplotlib format for ``out``, chosen by its suffix; anything else is a ValueError."""
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        allowed = ", ".join(FORMATS)
        raise ValueError(f"cannot write a chart as {out.suffix or '(no suffix)'!r}: use one of {allowed}")
    return FORMATS[suffix]


def render(build: Callable[[], Figure], out: Path) -> Path:
    """Build a figure with shared settings and write it to ``out`` as PNG or SVG, mode ``0o600``.

    The suffix is checked before ``build`` runs, so a typo fails fast without drawing anything.
    """
    fmt = output_format(out)
    import matplotlib

    with _RENDER_LOCK, matplotlib.rc_context(_RC):
        figure = build()
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, dpi=100, metadata=_METADATA[fmt])
    # A chart shows what each municipality pays: like every data file, its owner's alone (0600),
    # and never left half written.
    out.parent.mkdir(parents=True, exist_ok=True)
    return write_private(out, buffer.getvalue())


def new_figure(width: float, height: float) -> Figure:
    """A figure not registered with pyplot, so nothing global keeps it alive or shows it."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def draw_no_data(ax: Axes) -> None:
    """Say plainly that there is nothing to show, rather than an empty frame that looks broken."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, NO_DATA, ha="center", va="center", fontsize=14, color="0.4", transform=ax.transAxes)


def format_number_sv(value: float, decimals: int = 0) -> str:
    """``value`` Swedish style: no-break space between thousands, decimal comma, true minus sign."""
    text = f"{abs(value):,.{decimals}f}".replace(",", _GROUP_SEPARATOR).replace(".", ",")
    if round(value, decimals) < 0:
        return _MINUS + text
    return text


def money_unit(largest_abs_ore: int) -> MoneyUnit:
    """The unit that keeps the largest amount readable: kr, tkr (thousands) or mnkr (millions)."""
    kronor = largest_abs_ore / 100
    if kronor >= 10_000_000:
        return MoneyUnit(100_000_000, "mnkr")
    if kronor >= 10_000:
        return MoneyUnit(100_000, "tkr")
    return MoneyUnit(100, "kr")


def cell_decimals(largest_in_unit: float) -> int:
    """Decimals giving about three significant digits: 123 → 0, 12,3 → 1, 1,23 → 2."""
    if largest_in_unit >= 100:
        return 0
    if largest_in_unit >= 10:
        return 1
    return 2


def tick_label(value: float, unit: str) -> str:
    """An axis tick such as ``"1,5 mnkr"``: as few decimals as the tick needs (ticks are round)."""
    for decimals in (0, 1, 2):
        if abs(value - round(value, decimals)) < 1e-9:
            break
    return f"{format_number_sv(value, decimals)} {unit}"


def require_columns(frame: pl.DataFrame, columns: Iterable[str], what: str) -> None:
    """Fail with the missing column's name instead of a KeyError deep inside drawing."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {', '.join(missing)}; it has {', '.join(frame.columns)}")


def require_integer_ore(frame: pl.DataFrame, columns: Iterable[str]) -> None:
    """Money arrives as integer öre; a float column here means someone already lost precision."""
    for column in columns:
        dtype = frame.schema[column]
        if not (dtype.is_integer() or dtype == pl.Null):
            raise ValueError(f"column {column!r} must hold integer öre, not {dtype}")
