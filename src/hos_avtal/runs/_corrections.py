"""Correction lines: what a new version bills differently from the month's last final version.

A final run is never changed; new data for its month gives version N + 1, whose correction lines
say per municipality and per line how much more (a debit, ``delta_ore > 0``) or less (a credit)
is billed than version N did. Lines are compared on (capability, kommun, line key), so an episode
that moved to another municipality is a credit to the one and a debit to the other.

What a line bills: betalningsansvar — the episode's individual amount and the municipality's
total; placements — the municipality's share (``kommun_ore``) per placement and month, and its
total; home care — the invoice line's amount, owed by the home municipality, and each
municipality's net position.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

CORRECTION_SCHEMA: dict[str, pl.DataType] = {
    "capability": pl.String(),
    "kommun": pl.String(),
    "line_key": pl.String(),
    "previous_ore": pl.Int64(),
    "current_ore": pl.Int64(),
    "delta_ore": pl.Int64(),
}
TOTAL = "total"
_LINE = {"capability": pl.String, "kommun": pl.String, "line_key": pl.String, "amount_ore": pl.Int64}


def billed_lines(frames: Mapping[str, pl.DataFrame | None]) -> pl.DataFrame:
    """``capability, kommun, line_key, amount_ore`` for every billed line and municipality total."""
    parts: list[pl.DataFrame] = []

    def add(capability: str, frame: pl.DataFrame, kommun: str, key: pl.Expr, amount: str) -> None:
        parts.append(
            frame.select(
                pl.lit(capability).alias("capability"),
                pl.col(kommun).cast(pl.String).alias("kommun"),
                key.cast(pl.String).alias("line_key"),
                pl.col(amount).fill_null(0).cast(pl.Int64).alias("amount_ore"),
            )
        )

    ba, lines = frames.get("betalningsansvar"), frames.get("episode_lines")
    if ba is not None:
        add("betalningsansvar", ba, "kommun", pl.lit(TOTAL), "total_amount_ore")
    if lines is not None:
        add("betalningsansvar", lines, "kommun", pl.col("episode_id"), "amount_ore")
    placements, placement_totals = frames.get("placement_lines"), frames.get("placement_municipalities")
    if placement_totals is not None:
        add("placements", placement_totals, "kommun", pl.lit(TOTAL), "kommun_ore")
    if placements is not None:
        key = pl.concat_str([pl.col("placement_id"), pl.col("month").dt.strftime("%Y-%m")], separator=" ")
        add("placements", placements, "kommun", key, "kommun_ore")
    visits, positions = frames.get("home_care_lines"), frames.get("home_care_municipalities")
    if positions is not None:
        add("home_care", positions, "kommun", pl.lit(TOTAL), "net_ore")
    if visits is not None:
        key = pl.concat_str([pl.col("host"), pl.col("home"), pl.col("service")], separator=" ")
        add("home_care", visits, "home", key, "amount_ore")
    if not parts:
        return pl.DataFrame(schema=_LINE)
    keys = ["capability", "kommun", "line_key"]
    return pl.concat(parts).group_by(keys).agg(pl.col("amount_ore").sum())


def corrections(
    previous: Mapping[str, pl.DataFrame | None] | None, current: Mapping[str, pl.DataFrame | None]
) -> pl.DataFrame:
    """The changed lines between ``previous`` (the last final version) and ``current``.

    Empty without a previous version: a month's first run corrects nothing.
    """
    if previous is None:
        return pl.DataFrame(schema=CORRECTION_SCHEMA)
    keys = ["capability", "kommun", "line_key"]
    joined = (
        billed_lines(previous)
        .rename({"amount_ore": "previous_ore"})
        .join(billed_lines(current).rename({"amount_ore": "current_ore"}), on=keys, how="full", coalesce=True)
        .with_columns(pl.col("previous_ore", "current_ore").fill_null(0))
        .with_columns((pl.col("current_ore") - pl.col("previous_ore")).alias("delta_ore"))
        .filter(pl.col("delta_ore") != 0)
    )
    return (
        joined.sort(keys).select(list(CORRECTION_SCHEMA)).cast(CORRECTION_SCHEMA)  # type: ignore[arg-type]
    )


def stored_frames(run: object) -> dict[str, pl.DataFrame | None]:
    """The frames of a :class:`~hos_avtal.runs.StoredRun` by field name, for :func:`corrections`."""
    names = (
        "betalningsansvar", "episode_lines", "placement_lines", "placement_municipalities",
        "home_care_lines", "home_care_municipalities", "home_care_payments",
    )  # fmt: skip
    return {name: getattr(run, name) for name in names}
