"""Table rows written straight into a PDF page's content stream: the one place the product goes
past fpdf2's public drawing API (``FPDF._out``), because the exports' tables are their hot path.

fpdf2's ``table()`` draws the same rows, but each cell goes through its text layout and page
bookkeeping; a month's episode table (~5 000 rows, ~50 000 cells) takes seconds that way against
a tenth of a second here. Measured side by side on the same rows:
``python benchmarks/pdf_table.py`` (figures in ``benchmarks/README.md``). The rows here are plain
latin-1 text in the current core font, cut with "..." to their column, in black, so nothing that
``table()`` would add (wrapping, borders, images) is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, cast

from fpdf import FPDF
from fpdf.util import escape_parens

Align = Literal["L", "R"]
Col = tuple[str, float, Align]
"""(header, width in mm, alignment)."""


def place_rows(
    pdf: FPDF,
    columns: Sequence[Col],
    rows: Sequence[Sequence[str]],
    *,
    y: float,
    line_height: float,
    bottom: float,
    next_page: Callable[[], float],
    left: float = 12.0,
) -> None:
    """Place ``rows`` from ``y`` down in the current font; past ``bottom``, ``next_page()`` adds a
    page and answers where its rows start. One write to the content stream per page.

    >>> from fpdf import FPDF
    >>> pdf = FPDF(orientation="L", format="A4")
    >>> pdf.add_page(); pdf.set_font("Helvetica", "", 8)
    >>> def more() -> float:
    ...     pdf.add_page(); return 20.0
    >>> place_rows(pdf, [("Kod", 20, "L"), ("Kr", 30, "R")], [("1480", "12 345,00")] * 90,
    ...            y=20, line_height=4.1, bottom=190, next_page=more)
    >>> pdf.pages_count
    3
    """
    assert pdf.current_font is not None
    k, top = pdf.k, pdf.h
    widths = cast(dict[str, float], pdf.current_font.cw)  # core fonts: keyed by character
    scale = pdf.font_size_pt * 0.001 / k
    lefts = [sum(c[1] for c in columns[:j]) + left for j in range(len(columns))]
    ops: list[str] = []
    for row in rows:
        if y > bottom:
            _flush(pdf, ops)
            y = next_page()
        base = (top - y) * k
        for (_, width, align), x0, value in zip(columns, lefts, row, strict=True):
            if value:
                used = sum(widths[c] for c in value) * scale
                if used > width - 2:  # cut, never run into the next column or off the page
                    while value and sum(widths[c] for c in value + "...") * scale > width - 2:
                        value = value[:-1]
                    value += "..."
                    used = width - 2
                x = x0 + 1 if align == "L" else x0 + width - 1 - used
                ops.append(f"BT {x * k:.2f} {base:.2f} Td ({escape_parens(value)}) Tj ET")
        y += line_height
    _flush(pdf, ops)


def _flush(pdf: FPDF, ops: list[str]) -> None:
    """Write the collected text operators in black (the fill colour may be the header's)."""
    if ops:
        pdf._out("q 0 g\n" + "\n".join(ops) + "\nQ")
        ops.clear()
