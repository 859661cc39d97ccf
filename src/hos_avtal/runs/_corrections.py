"""Correction lines: what a new version bills differently from the month's last final version.

A final run is never changed; new data for its month gives version N + 1, whose correction lines
itemise every difference against version N, per municipality. Every line is an amount the
municipality pays in the month (negative: receives), so for each municipality the lines sum
exactly to the change of its grand total on the fakturaunderlag, and over all municipalities to
the change of the month's total. ``delta_ore > 0`` is a debit, ``< 0`` a credit. The lines:

* ``betalningsansvar``, one per episode with an individual amount (``line_key``: the episode
  id), and one per municipality for the pooled part (``line_key`` ``pooled``), which also
  carries the pool's episodes N and days D before and after;
* ``placements``, one per placement and month (``"placement_id YYYY-MM"``): the settlement
  between the municipality and VGR (what the municipality pays VGR, or minus what VGR pays it);
* ``home_care``, one per invoice line (``"host home service"``), twice: the home municipality
  owes the amount, the host (vistelsekommun) receives it.

Lines are compared on (capability, kommun, line key), so an episode that moved to another
municipality is a credit to the one and a debit to the other. No line is a total: a total is the
sum of the lines (runs stored before schema revision 0005 had ``"total"`` rows as well; they are
left out wherever lines are summed).
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
    "previous_episodes": pl.Int64(),
    "current_episodes": pl.Int64(),
    "previous_days": pl.Int64(),
    "current_days": pl.Int64(),
}
POOLED = "pooled"
"""The line key of a municipality's pooled betalningsansvar."""
LEGACY_TOTAL = "total"
"""The line key of the totals that runs stored before revision 0005 kept among their lines."""

_KEYS = ["capability", "kommun", "line_key"]
_LINE = {
    "capability": pl.String,
    "kommun": pl.String,
    "line_key": pl.String,
    "amount_ore": pl.Int64,
    "episodes": pl.Int64,
    "days": pl.Int64,
}


def billed_lines(frames: Mapping[str, pl.DataFrame | None]) -> pl.DataFrame:
    """``capability, kommun, line_key, amount_ore, episodes, days``: every amount a municipality
    pays (negative: receives) in a run, line by line; ``episodes``/``days`` only on pooled lines."""
    parts: list[pl.DataFrame] = []

    def add(
        capability: str,
        frame: pl.DataFrame,
        kommun: str,
        key: pl.Expr,
        amount: pl.Expr,
        pool: tuple[str, str] | None = None,
    ) -> None:
        parts.append(
            frame.select(
                pl.lit(capability).alias("capability"),
                pl.col(kommun).cast(pl.String).alias("kommun"),
                key.cast(pl.String).alias("line_key"),
                amount.fill_null(0).cast(pl.Int64).alias("amount_ore"),
                (pl.col(pool[0]) if pool else pl.lit(None)).cast(pl.Int64).alias("episodes"),
                (pl.col(pool[1]) if pool else pl.lit(None)).cast(pl.Int64).alias("days"),
            )
        )

    ba, lines = frames.get("betalningsansvar"), frames.get("episode_lines")
    if ba is not None:
        pool = ("average_episodes", "average_days")
        add("betalningsansvar", ba, "kommun", pl.lit(POOLED), pl.col("average_amount_ore"), pool)
    if lines is not None:
        billed = lines.filter(pl.col("amount_ore").fill_null(0) != 0)
        add("betalningsansvar", billed, "kommun", pl.col("episode_id"), pl.col("amount_ore"))
    placements = frames.get("placement_lines")
    if placements is not None:
        key = pl.concat_str([pl.col("placement_id"), pl.col("month").dt.strftime("%Y-%m")], separator=" ")
        add("placements", placements, "kommun", key, settlement_ore())
    visits = frames.get("home_care_lines")
    if visits is not None:
        key = pl.concat_str([pl.col("host"), pl.col("home"), pl.col("service")], separator=" ")
        add("home_care", visits, "home", key, pl.col("amount_ore"))
        add("home_care", visits, "host", key, -pl.col("amount_ore"))
    if not parts:
        return pl.DataFrame(schema=_LINE)
    return (
        pl.concat(parts)
        .group_by(_KEYS)
        .agg(pl.col("amount_ore").sum(), pl.col("episodes").sum(), pl.col("days").sum())
        .with_columns(
            pl.when(pl.col("line_key") == POOLED).then(pl.col(c)).otherwise(None).alias(c)
            for c in ("episodes", "days")
        )
    )


def settlement_ore() -> pl.Expr:
    """A placement line's settlement between its municipality and VGR, signed as the municipality
    pays it. The placing party pays the provider and invoices the other its share: a placement by
    the region makes the municipality pay its ``kommun_ore``; one by the municipality makes the
    region pay it ``region_ore`` (a negative amount for the municipality)."""
    return (
        pl.when(pl.col("placed_by") == "region").then(pl.col("kommun_ore")).otherwise(-pl.col("region_ore"))
    )


def corrections(
    previous: Mapping[str, pl.DataFrame | None] | None, current: Mapping[str, pl.DataFrame | None]
) -> pl.DataFrame:
    """The changed lines between ``previous`` (the last final version) and ``current``.

    Empty without a previous version: a month's first run corrects nothing.

    >>> import polars as pl
    >>> def run(average, individual):
    ...     ba = pl.DataFrame({"kommun": ["1480"], "average_amount_ore": [average],
    ...                        "average_episodes": [5], "average_days": [16]})
    ...     lines = pl.DataFrame({"kommun": ["1480"], "episode_id": ["e1"], "amount_ore": [individual]})
    ...     return {"betalningsansvar": ba, "episode_lines": lines}
    >>> changed = corrections(run(930000, 6510000), run(0, 5580000))
    >>> changed.select("line_key", "delta_ore").rows()
    [('e1', -930000), ('pooled', -930000)]
    """
    if previous is None:
        return pl.DataFrame(schema=CORRECTION_SCHEMA)
    before = billed_lines(previous).rename(
        {"amount_ore": "previous_ore", "episodes": "previous_episodes", "days": "previous_days"}
    )
    after = billed_lines(current).rename(
        {"amount_ore": "current_ore", "episodes": "current_episodes", "days": "current_days"}
    )
    joined = (
        before.join(after, on=_KEYS, how="full", coalesce=True)
        .with_columns(pl.col("previous_ore", "current_ore").fill_null(0))
        .with_columns((pl.col("current_ore") - pl.col("previous_ore")).alias("delta_ore"))
        .filter(pl.col("delta_ore") != 0)
    )
    return joined.sort(_KEYS).select(list(CORRECTION_SCHEMA)).cast(CORRECTION_SCHEMA)  # type: ignore[arg-type]


def itemised(frame: pl.DataFrame) -> pl.DataFrame:
    """Stored correction lines without the totals runs before revision 0005 kept among them."""
    return frame.filter(pl.col("line_key") != LEGACY_TOTAL)


def stored_frames(run: object) -> dict[str, pl.DataFrame | None]:
    """The frames of a :class:`~hos_avtal.runs.StoredRun` by field name, for :func:`corrections`."""
    names = (
        "betalningsansvar", "episode_lines", "placement_lines", "placement_municipalities",
        "home_care_lines", "home_care_municipalities", "home_care_payments",
    )  # fmt: skip
    return {name: getattr(run, name) for name in names}
