"""Why the PDF tables are placed in bulk: ``exports/_pdf_rows.place_rows`` (text operators
written once per page) against fpdf2's own ``table()`` on the same rows, turn by turn.

The rows have the shape of a month's episode table in the fakturaunderlag (ten columns: a
pseudonym, then dates, days and amounts as text); 1 000 rows by default, in A4 landscape, 7.5 pt
Helvetica, no borders, the header row repeated on every page in both.

Usage::

    python benchmarks/pdf_table.py [--rows 1000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fpdf import FPDF

from _common import turn_by_turn
from hos_avtal.exports._pdf_rows import Align, Col, place_rows  # the unit measured, private on purpose

RIGHT: Align = "R"
COLUMNS: list[Col] = [("Vårdtillfälle", 34.0, "L"), *((f"Kolumn {j}", 24.0, RIGHT) for j in range(1, 10))]


def rows_of(n: int) -> list[tuple[str, ...]]:
    return [(f"vt-{i:08x}", *(f"{(i * 37 + j * 101) % 100_000:,}".replace(",", " ") for j in range(1, 10)))
            for i in range(n)]  # fmt: skip


def with_place_rows(rows: list[tuple[str, ...]]) -> bytes:
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=False)

    def page() -> float:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 7.5)
        x = 12.0
        for header, width, _ in COLUMNS:
            pdf.text(x + 1, 20, header)
            x += width
        pdf.set_font("Helvetica", "", 7.5)
        pdf.text(12, 20, "")
        return 25.2

    place_rows(pdf, COLUMNS, rows, y=page(), line_height=4.1, bottom=pdf.h - 16, next_page=page)
    return bytes(pdf.output())


def with_table(rows: list[tuple[str, ...]]) -> bytes:
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    pdf.set_font("Helvetica", "", 7.5)
    aligns = tuple("LEFT" if align == "L" else "RIGHT" for _, _, align in COLUMNS)
    with pdf.table(
        col_widths=tuple(width for _, width, _ in COLUMNS), text_align=aligns, line_height=4.1,
        borders_layout="NONE", repeat_headings=1, width=sum(width for _, width, _ in COLUMNS),
    ) as table:  # fmt: skip
        table.row([header for header, _, _ in COLUMNS])
        for row in rows:
            table.row(row)
    return bytes(pdf.output())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()
    rows = rows_of(options.rows)
    runs = {"place_rows": lambda: with_place_rows(rows), "fpdf2 table()": lambda: with_table(rows)}
    fast_s, table_s = turn_by_turn(runs, options.repeats).values()
    print(
        f"{options.rows} rows x {len(COLUMNS)} columns: place_rows {fast_s * 1000:.1f} ms, "
        f"fpdf2 table() {table_s * 1000:.1f} ms (medians of {options.repeats}); "
        f"table/place_rows {table_s / fast_s:.1f}"
    )


if __name__ == "__main__":
    main()
