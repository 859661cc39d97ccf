"""Tables for people, built one way: rich tables whose long texts fold onto more lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.table import Table

TotalsColumn = tuple[str, str, str]
"""A column of a table with totals: header, justify (``left``/``right``), footer."""


def folding_table(title: str, headers: tuple[str, ...]) -> Table:
    """A table whose long texts (a source, a decision, a name) fold onto more lines instead of
    being cut off."""
    from rich.table import Table

    table = Table(title=title)
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def totals_table(
    title: str, caption: str | None, columns: Sequence[TotalsColumn], *, no_wrap: bool = False
) -> Table:
    """A table with a caption below and a footer of totals; ``no_wrap``: a name or an amount is
    never broken over lines (a header may hold its own line breaks)."""
    from rich.table import Table

    table = Table(title=title, caption=caption, caption_justify="left", show_footer=True)
    for header, justify, footer in columns:
        table.add_column(header, justify=justify, footer=footer, no_wrap=no_wrap)  # type: ignore[arg-type]
    return table
