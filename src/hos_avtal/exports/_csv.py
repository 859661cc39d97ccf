"""Fakturaunderlag as CSV: the machine-friendly form, for invoicing and accounting systems.

Decided format (people get Excel and PDF; this file is for programs): UTF-8 without BOM, ``,``
as separator, ``.`` as decimal point, money in kronor with exactly two decimals (``"9300.00"``,
the API's money format), ISO dates (``2022-06-30``) and months (``2022-06``), English snake_case
column names and codes (``pooled``, ``hemtjanst``) rather than Swedish labels.

A municipality's file is long: one row per line, and a ``section`` column says what the row is
(``header``, ``betalningsansvar``, ``episode``, ``placement``, ``home_care_invoiced``,
``home_care_owed``, ``home_care_payment``, ``accepted``, ``correction``, ``total``). Every row
repeats the run's identity (``kommun``, ``month``, ``run_id``, ``version``, ``state``, ``marking``),
so a row cut out of the file still says where it came from; ``marking`` is ``UTKAST`` on every row
of a draft (empty for a final run). Columns a section does not use are empty. Key/value sections
(``header``, ``betalningsansvar``, ``total``) name the fact in ``line_key`` and give counts and
flags in ``value``, money in ``amount_sek``.

The header names the run's ``seal`` (SHA-256 over its stored rows; ``hos-avtal run verify``
recomputes it) and what the user acknowledged (``accepted``); each acknowledged value is an
``accepted`` row (``category`` the kind, ``line_key`` the episode, ``value`` the days). The
``correction`` rows itemise every difference against the last final version, the pooled part
included (``line_key`` ``pooled``, with the pool's episodes and days before and after in
``previous_episodes``, ``current_episodes``, ``previous_days``, ``current_days``); their
``delta_sek`` sum to the ``total`` row ``correction``, per ``correction_<capability>`` too.

The all-49 summary is wide: one row per municipality (zero invoices included), with the columns
of :data:`~hos_avtal.exports._basis.SUMMARY_COLUMNS` (money columns end in ``_sek``).

Both are written through :func:`hos_avtal.io.safe_csv_bytes`: an id such as ``=HYPERLINK(…)``
comes out as ``'=HYPERLINK(…)``, while ``-706800.00`` stays a number.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from hos_avtal.exports._basis import DRAFT_MARK, SUMMARY_COLUMNS, InvoiceBasis, RunBasis, summary_rows
from hos_avtal.io import safe_csv_bytes
from hos_avtal.money import format_sek, format_sek_expr

COLUMNS = (
    "section", "kommun", "month", "run_id", "version", "state", "marking",
    "line_key", "status", "category", "counterpart", "start_date", "end_date",
    "visits", "minutes", "days", "billable_days", "tariff_sek",
    "amount_sek", "region_sek", "kommun_sek", "settlement_sek", "previous_sek", "delta_sek",
    "value", "note", "previous_episodes", "current_episodes", "previous_days", "current_days",
)  # fmt: skip

_SCHEMA = dict.fromkeys(COLUMNS, pl.String) | dict.fromkeys(
    (
        "run_id", "version", "visits", "minutes", "days", "billable_days",
        "previous_episodes", "current_episodes", "previous_days", "current_days",
    ),
    pl.Int64,
)  # fmt: skip


_RUN = ("kommun", "month", "run_id", "version", "state", "marking")


def _money(column: str) -> pl.Expr:
    return format_sek_expr(pl.col(column))


Fact = tuple[str, str, int | None]
"""(line_key, value, öre): a key/value row; ``value`` for counts and flags, ``amount_sek`` for money."""


def _facts(basis: InvoiceBasis) -> list[tuple[str, list[Fact]]]:
    run, ba = basis.run, basis.betalningsansvar
    daily = run.daily_amount_ore
    header: list[Fact] = [
        ("name", basis.name, None),
        ("kommunalforbund", basis.kommunalforbund, None),
        ("ruleset", run.ruleset_id, None),
        ("ruleset_hash", run.ruleset_hash, None),
        ("inputs_hash", run.inputs_hash, None),
        ("daily_amount", "" if daily is not None else "unknown", daily),
        ("corrects_run_id", "" if run.corrects_run_id is None else str(run.corrects_run_id), None),
        ("created_at", run.created_at.isoformat(), None),
        ("finalized_at", run.finalized_at.isoformat() if run.finalized_at else "", None),
        ("seal", run.seal or "", None),
        ("accepted", ";".join(run.accepted), None),
    ]
    betalningsansvar: list[Fact] = [
        ("average_episodes", str(ba.average_episodes), None),
        ("average_episodes_somatik", str(ba.average_episodes_somatik), None),
        ("average_episodes_psykiatri", str(ba.average_episodes_psykiatri), None),
        ("average_days", str(ba.average_days), None),
        ("average", ba.average, None),
        ("liable", str(ba.liable).lower(), None),
        ("liable_days", ba.liable_days, None),
        ("average_amount", "", ba.average_amount_ore),
        ("individual_episodes", str(ba.individual_episodes), None),
        ("individual_episodes_somatik", str(ba.individual_episodes_somatik), None),
        ("individual_episodes_psykiatri", str(ba.individual_episodes_psykiatri), None),
        ("individual_billable_days", str(ba.individual_billable_days), None),
        ("individual_amount", "", ba.individual_amount_ore),
        ("individual_amount_somatik", "", ba.individual_amount_ore_somatik),
        ("individual_amount_psykiatri", "", ba.individual_amount_ore_psykiatri),
        ("total_amount", "", ba.total_amount_ore),
        ("zero_invoice", str(ba.zero_invoice).lower(), None),
        ("not_covered_episodes", str(ba.not_covered_episodes), None),
        ("pending_episodes", str(ba.pending_episodes), None),
        ("consecutive_liable_months", str(ba.recurring_months), None),
        ("recurring_liability", str(ba.recurring_liability).lower(), None),
    ]
    totals: list[Fact] = [("betalningsansvar", "", ba.total_amount_ore)]
    if basis.placements is not None:
        totals.append(("placement_settlement", "", basis.placements.settlement_ore))
    totals.append(("to_region", "", basis.to_region_ore))
    if basis.home_care is not None:
        totals.append(("home_care_net", "", basis.home_care.net_ore))
    totals.append(("grand_total", "", basis.grand_total_ore))
    corr = basis.corrections
    totals += [(f"correction_{c}", "", v) for c, v in corr.by_capability.items()]
    totals.append(("correction", "", corr.net_ore))
    return [("header", header), ("betalningsansvar", betalningsansvar), ("total", totals)]


_ORDER = {
    "header": 0, "betalningsansvar": 1, "episode": 2, "placement": 3, "home_care_invoiced": 4,
    "home_care_owed": 5, "home_care_payment": 6, "accepted": 7, "correction": 8, "total": 9,
}  # fmt: skip


def _concat(frames: Sequence[pl.DataFrame]) -> pl.DataFrame | None:
    present = [f for f in frames if f.height]
    return pl.concat(present) if present else None


def invoice_frames(bases: Sequence[InvoiceBasis]) -> list[pl.DataFrame]:
    """Each municipality's fakturaunderlag as one long frame (the CSV's rows), in ``bases`` order.

    Built for all the municipalities at once, a section at a time, and split by kommun at the
    end: a dozen frame operations for the whole run instead of a dozen per municipality.
    """
    if not bases:
        return []
    run = bases[0].run
    facts: dict[str, list[object]] = {k: [] for k in ("kommun", "section", "line_key", "value", "amount_sek")}
    for basis in bases:
        for section, rows in _facts(basis):
            for key, value, ore in rows:
                facts["kommun"].append(basis.kommun)
                facts["section"].append(section)
                facts["line_key"].append(key)
                facts["value"].append(value or None)
                facts["amount_sek"].append(format_sek(ore) if ore is not None else None)
    parts = [pl.DataFrame(facts, schema=dict.fromkeys(facts, pl.String))]

    episodes = _concat([b.episodes for b in bases])
    if episodes is not None:
        parts.append(
            episodes.select(
                pl.col("kommun"),
                pl.lit("episode").alias("section"),
                pl.col("episode_id").alias("line_key"),
                pl.col("status"),
                pl.col("care_type").alias("category"),
                pl.col("hospital").alias("counterpart"),
                pl.col("ready_date").dt.to_string("%Y-%m-%d").alias("start_date"),
                pl.col("discharge_date").dt.to_string("%Y-%m-%d").alias("end_date"),
                pl.col("days"),
                pl.col("billable_days"),
                _money("amount_ore").alias("amount_sek"),
                pl.col("reasons").alias("note"),
            )
        )
    placements = _concat([b.placements.lines for b in bases if b.placements is not None])
    if placements is not None:
        parts.append(
            placements.select(
                pl.col("kommun"),
                pl.lit("placement").alias("section"),
                pl.col("placement_id").alias("line_key"),
                pl.col("method").alias("status"),
                pl.col("placed_by").alias("category"),
                pl.col("month").dt.to_string("%Y-%m").alias("start_date"),
                pl.col("days"),
                _money("cost_ore").alias("amount_sek"),
                _money("region_ore").alias("region_sek"),
                _money("kommun_ore").alias("kommun_sek"),
                _money("settlement_ore").alias("settlement_sek"),
                pl.col("flags").list.join(";").alias("note"),
            )
        )
    home_care = [b.home_care for b in bases if b.home_care is not None]
    for section, lines, own, other in (
        ("home_care_invoiced", _concat([h.invoiced_lines for h in home_care]), "host", "home"),
        ("home_care_owed", _concat([h.owed_lines for h in home_care]), "home", "host"),
    ):
        if lines is not None:
            parts.append(
                lines.select(
                    pl.col(own).alias("kommun"),
                    pl.lit(section).alias("section"),
                    pl.concat_str("host", "home", "service", separator=" ").alias("line_key"),
                    pl.col("service").alias("category"),
                    pl.col(other).alias("counterpart"),
                    pl.col("visits"),
                    pl.col("minutes"),
                    _money("tariff_ore").alias("tariff_sek"),
                    _money("amount_ore").alias("amount_sek"),
                )
            )
    payments = _concat([h.payments for h in home_care])
    if payments is not None:
        pays = pl.col("direction") == "betalar"
        parts.append(
            payments.select(
                pl.when(pays).then(pl.col("payer")).otherwise(pl.col("payee")).alias("kommun"),
                pl.lit("home_care_payment").alias("section"),
                pl.concat_str("payer", "payee", separator=" ").alias("line_key"),
                pl.when(pays).then(pl.lit("pays")).otherwise(pl.lit("receives")).alias("category"),
                pl.when(pays).then(pl.col("payee")).otherwise(pl.col("payer")).alias("counterpart"),
                _money("amount_ore").alias("amount_sek"),
            )
        )
    accepted = _concat([b.accepted for b in bases])
    if accepted is not None:
        parts.append(
            accepted.select(
                pl.col("kommun"),
                pl.lit("accepted").alias("section"),
                pl.col("line_key"),
                pl.col("kind").alias("category"),
                pl.col("value").cast(pl.String).alias("value"),
            )
        )
    corrections = _concat([b.corrections.lines for b in bases])
    if corrections is not None:
        parts.append(
            corrections.select(
                pl.col("kommun"),
                pl.lit("correction").alias("section"),
                pl.col("line_key"),
                pl.col("capability").alias("category"),
                _money("current_ore").alias("amount_sek"),
                _money("previous_ore").alias("previous_sek"),
                _money("delta_ore").alias("delta_sek"),
                "previous_episodes",
                "current_episodes",
                "previous_days",
                "current_days",
            )
        )

    frame = pl.concat(
        [p.with_columns(pl.col(c).cast(_SCHEMA[c]) for c in p.columns) for p in parts], how="diagonal"
    )
    frame = (
        frame.with_columns(
            pl.col("section").replace_strict(_ORDER, return_dtype=pl.Int32).alias("_part"),
            pl.int_range(pl.len()).alias("_row"),
            pl.lit(run.month_text).alias("month"),
            pl.lit(run.id, pl.Int64).alias("run_id"),
            pl.lit(run.version, pl.Int64).alias("version"),
            pl.lit(run.state).alias("state"),
            pl.lit(DRAFT_MARK if run.is_draft else None, pl.String).alias("marking"),
            *[pl.lit(None, _SCHEMA[c]).alias(c) for c in COLUMNS if c not in frame.columns and c not in _RUN],
        )
        .sort("kommun", "_part", "_row")
        .select(COLUMNS)
    )
    by_kommun = {str(k[0]): part for k, part in frame.partition_by("kommun", as_dict=True).items()}
    return [by_kommun[b.kommun] for b in bases]


def summary_frame(run_basis: RunBasis) -> pl.DataFrame:
    """All 49 municipalities, one wide row each, money as ``"1234.50"`` strings."""
    run = run_basis.run
    rows = summary_rows(run_basis)
    frame = pl.DataFrame(rows, infer_schema_length=None)
    money = [c for c, _, kind in SUMMARY_COLUMNS if kind == "money"]
    daily = format_sek(run.daily_amount_ore) if run.daily_amount_ore is not None else None
    return frame.select(
        pl.lit(run.month_text).alias("month"),
        pl.lit(run.id, pl.Int64).alias("run_id"),
        pl.lit(run.version, pl.Int64).alias("version"),
        pl.lit(run.state).alias("state"),
        pl.lit(DRAFT_MARK if run.is_draft else None, pl.String).alias("marking"),
        pl.lit(run.ruleset_id).alias("ruleset"),
        pl.lit(daily, pl.String).alias("daily_amount_sek"),
        *[
            format_sek_expr(pl.col(c)).alias(c.removesuffix("_ore") + "_sek") if c in money else pl.col(c)
            for c, _, _ in SUMMARY_COLUMNS
        ],
    )


def to_csv_bytes(frame: pl.DataFrame) -> bytes:
    """The file's bytes; a text cell a spreadsheet would evaluate gets a leading ``'``."""
    return safe_csv_bytes(frame, date_format="%Y-%m-%d")
