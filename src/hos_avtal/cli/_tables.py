"""Tables for people, built one way: rich tables whose long texts fold onto more lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.table import Table


def folding_table(title: str, headers: tuple[str, ...]) -> Table:
    """A table whose long texts (a source, a decision, a name) fold onto more lines instead of
    being cut off."""
    from rich.table import Table

    table = Table(title=title)
    for header in headers:
        table.add_column(header, overflow="fold")
    return table
