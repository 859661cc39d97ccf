"""The storage schema: one row per billing run, its inputs, and every frame it computed.

Core tables rather than ORM classes: a run is written with bulk inserts of whole frames and read
back into frames, so objects per row would only cost time. Money is ``BigInteger`` öre (a year of
a large municipality's placements overflows 32 bits). No column holds a personal id in clear: ids
are pseudonymised before a frame reaches these tables (see :mod:`hos_avtal.runs._pseudonym`), and
``person_id`` is not stored at all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeEngine

from hos_avtal._types import CARE_TYPES

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    comment="Database-wide settings, e.g. the pseudonym key when none is given by environment.",
)

billing_run = Table(
    "billing_run",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("month", Date, nullable=False),
    Column("version", Integer, nullable=False),
    Column("state", String(5), nullable=False, server_default="draft"),
    Column("ruleset_id", Text, nullable=False),
    Column("ruleset_hash", String(64), nullable=False),
    Column("inputs_hash", String(64), nullable=False),
    Column("code_version", String(50), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("finalized_by", Text),
    Column("finalized_at", DateTime(timezone=True)),
    Column("daily_amount_ore", BigInteger),
    Column("corrects_run_id", Integer, ForeignKey("billing_run.id")),
    Column("capabilities", Text, nullable=False),
    # Migration 0005: what the user acknowledged (e.g. "long_wait"), and the content seal.
    Column("accepted", Text),
    Column("seal", String(64)),
    CheckConstraint("state IN ('draft', 'final')", name="state"),
    CheckConstraint("version >= 1", name="version"),
    # Idempotency lives in the database: two identical runs racing cannot both be inserted.
    UniqueConstraint("month", "inputs_hash", "ruleset_hash", name="uq_billing_run_identity"),
)

# At most one final run per (month, version): two finalizations racing cannot both win.
Index(
    "uq_billing_run_final_version",
    billing_run.c.month,
    billing_run.c.version,
    unique=True,
    sqlite_where=text("state = 'final'"),
    postgresql_where=text("state = 'final'"),
)

run_input = Table(
    "run_input",
    metadata,
    Column("run_id", Integer, ForeignKey("billing_run.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("rows", BigInteger, nullable=False),
    # The validated input (ids pseudonymised) as Parquet, so a run's inputs can be tried again
    # under other terms (scenario datasets). Null for runs stored before revision 0004.
    Column("data_parquet", LargeBinary),
)


def _run_id() -> Column[int]:
    return Column("run_id", Integer, ForeignKey("billing_run.id", ondelete="CASCADE"), nullable=False)


_INT = BigInteger
_KOMMUN = String(4)

_BA_COUNTS = (
    "average_episodes", "average_days", "individual_episodes", "individual_billable_days",
    "individual_amount_ore", "accruing_episodes", "not_covered_episodes",
    "not_covered_no_admission_notice", "not_covered_no_ready_notice", "not_covered_sip_not_invited",
    "not_covered_no_outpatient_plan", "not_covered_outpatient_unavailable",
    *[
        f"{name}_{care}"
        for care in CARE_TYPES
        for name in (
            "average_episodes", "average_days", "individual_episodes", "individual_billable_days",
            "individual_amount_ore", "not_covered_episodes",
        )
    ],
)  # fmt: skip

betalningsansvar_row = Table(
    "betalningsansvar_row",
    metadata,
    _run_id(),
    Column("month", Date, nullable=False),
    Column("threshold_den", _INT, nullable=False),
    Column("kommun", _KOMMUN, nullable=False),
    Column("name", Text, nullable=False),
    Column("kommunalforbund", Text),
    *[Column(name, _INT, nullable=False) for name in _BA_COUNTS],
    Column("liable", Boolean, nullable=False),
    Column("liable_units", _INT, nullable=False),
    Column("average_amount_ore", _INT, nullable=False),
    Column("average_amount_ore_somatik", _INT, nullable=False),
    Column("average_amount_ore_psykiatri", _INT, nullable=False),
    Column("pending_episodes", _INT, nullable=False),
    Column("total_amount_ore", _INT, nullable=False),
    Column("consecutive_liable_months", _INT, nullable=False),
    Column("recurring_liability", Boolean, nullable=False),
    Index("ix_betalningsansvar_row_run", "run_id"),
)

episode_line = Table(
    "episode_line",
    metadata,
    _run_id(),
    Column("month", Date, nullable=False),
    Column("episode_id", Text, nullable=False),
    Column("kommun", _KOMMUN, nullable=False),
    Column("care_type", String(20), nullable=False),
    Column("hospital", Text),
    Column("ready_date", Date, nullable=False),
    Column("discharge_date", Date),
    Column("status", String(20), nullable=False),
    Column("days", _INT),
    Column("billable_days", _INT),
    Column("amount_ore", _INT),
    Column("reasons", Text),
    Index("ix_episode_line_run", "run_id"),
)

placement_line = Table(
    "placement_line",
    metadata,
    _run_id(),
    Column("month", Date, nullable=False),
    Column("placement_id", Text, nullable=False),
    Column("kommun", _KOMMUN, nullable=False),
    Column("placed_by", String(10), nullable=False),
    Column("acute", Boolean, nullable=False),
    Column("ruleset", Text, nullable=False),
    Column("days", _INT, nullable=False),
    Column("cost_ore", _INT, nullable=False),
    Column("region_ore", _INT, nullable=False),
    Column("kommun_ore", _INT, nullable=False),
    Column("method", String(20), nullable=False),
    Column("flags", Text, nullable=False, comment="';'-separated flags"),
    Index("ix_placement_line_run", "run_id"),
)

placement_municipality = Table(
    "placement_municipality",
    metadata,
    _run_id(),
    Column("kommun", _KOMMUN, nullable=False),
    Column("name", Text, nullable=False),
    Column("kommunalforbund", Text),
    Column("cost_ore", _INT, nullable=False),
    Column("region_ore", _INT, nullable=False),
    Column("kommun_ore", _INT, nullable=False),
    Column("placements", _INT, nullable=False),
    Index("ix_placement_municipality_run", "run_id"),
)

home_care_line = Table(
    "home_care_line",
    metadata,
    _run_id(),
    Column("month", Date, nullable=False),
    Column("host", _KOMMUN, nullable=False),
    Column("home", _KOMMUN, nullable=False),
    Column("service", String(20), nullable=False),
    Column("year", _INT, nullable=False),
    Column("visits", _INT, nullable=False),
    Column("minutes", _INT, nullable=False),
    Column("tariff_ore", _INT, nullable=False),
    Column("amount_ore", _INT, nullable=False),
    Index("ix_home_care_line_run", "run_id"),
)

home_care_municipality = Table(
    "home_care_municipality",
    metadata,
    _run_id(),
    Column("month", Date, nullable=False),
    Column("kommun", _KOMMUN, nullable=False),
    Column("name", Text, nullable=False),
    Column("invoiced_ore", _INT, nullable=False),
    Column("owed_ore", _INT, nullable=False),
    Column("net_ore", _INT, nullable=False),
    Index("ix_home_care_municipality_run", "run_id"),
)

home_care_payment = Table(
    "home_care_payment",
    metadata,
    _run_id(),
    Column("month", Date, nullable=False),
    Column("payer", _KOMMUN, nullable=False),
    Column("payee", _KOMMUN, nullable=False),
    Column("amount_ore", _INT, nullable=False),
    Index("ix_home_care_payment_run", "run_id"),
)

correction_line = Table(
    "correction_line",
    metadata,
    _run_id(),
    Column("capability", String(20), nullable=False),
    Column("kommun", _KOMMUN, nullable=False),
    Column("line_key", Text, nullable=False),
    Column("previous_ore", _INT, nullable=False),
    Column("current_ore", _INT, nullable=False),
    Column("delta_ore", _INT, nullable=False),
    # Migration 0005: the pool's episodes N and days D before and after, on a pooled line.
    Column("previous_episodes", _INT),
    Column("current_episodes", _INT),
    Column("previous_days", _INT),
    Column("current_days", _INT),
    Index("ix_correction_line_run", "run_id"),
)

accepted_value = Table(
    "accepted_value",
    metadata,
    _run_id(),
    Column("kind", String(20), nullable=False),
    Column("kommun", _KOMMUN, nullable=False),
    Column("line_key", Text, nullable=False),
    Column("value", _INT, nullable=False),
    Index("ix_accepted_value_run", "run_id"),
    comment="Implausible but possible values a run's user acknowledged (e.g. a wait over a year).",
)

run_digest = Table(
    "run_digest",
    metadata,
    Column("run_id", Integer, ForeignKey("billing_run.id", ondelete="CASCADE"), primary_key=True),
    Column("kommun", _KOMMUN, primary_key=True),
    Column("sha256", String(64), nullable=False),
    comment="The digest of each municipality's part of a run; the run's seal is made from them.",
)

FRAME_TABLES: dict[str, Table] = {
    "betalningsansvar": betalningsansvar_row,
    "episode_lines": episode_line,
    "placement_lines": placement_line,
    "placement_municipalities": placement_municipality,
    "home_care_lines": home_care_line,
    "home_care_municipalities": home_care_municipality,
    "home_care_payments": home_care_payment,
    "corrections": correction_line,
    "accepted_values": accepted_value,
}
"""StoredRun field → the table holding that frame (columns named as in the frame, plus run_id)."""


def frame_columns(table: Table) -> list[Column[TypeEngine[object]]]:
    """The table's frame columns, in frame order (everything but ``run_id``)."""
    return [c for c in table.columns if c.name != "run_id"]


# ------------------------------------------------------------------ the HTTP API (migration 0002)

api_key = Table(
    "api_key",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # SHA-256 of the whole token. Tokens are 32 random bytes, so a fast unsalted hash cannot be
    # brute-forced; a slow password hash would only cost time on every request.
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("role", String(10), nullable=False),
    Column("kommun", _KOMMUN),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    CheckConstraint("role IN ('admin', 'billing', 'analyst', 'kommun')", name="role"),
    CheckConstraint("(role = 'kommun') = (kommun IS NOT NULL)", name="kommun"),
    comment="API keys of the HTTP API: only a hash of each token is stored.",
)

idempotency_key = Table(
    "idempotency_key",
    metadata,
    Column("key_id", Integer, ForeignKey("api_key.id"), primary_key=True),
    Column("idempotency_key", String(255), primary_key=True),
    Column("method", String(10), nullable=False),
    Column("path", Text, nullable=False),
    Column("body_sha256", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("location", Text),
    Column("response", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    comment="Stored responses of POSTs sent with an Idempotency-Key, replayed on a retry.",
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # No key for a change made on the command line (0006): ``actor`` then names the user.
    Column("key_id", Integer, ForeignKey("api_key.id")),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("method", String(10), nullable=False),
    Column("path", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("resource_id", Text),
    Column("actor", Text),
    Index("ix_audit_log_key", "key_id"),
    CheckConstraint("key_id IS NOT NULL OR actor IS NOT NULL", name="who"),
    comment="Every write through the API or to the rules registry: who, when, what, outcome; never bodies.",
)


# --------------------------------------------------------- scenario datasets (migration 0003)

scenario_dataset = Table(
    "scenario_dataset",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("ruleset_id", Text),
    Column("months", Text, nullable=False),
    Column("episodes", _INT, nullable=False),
    Column("sha256", String(64), nullable=False, comment="over the inputs' kinds and Parquet bytes"),
    # The fastställt belopp a billing run used, so its dataset prices days as the run did.
    Column("daily_amount_ore", _INT),
    comment="Data sets a negotiator compares scenarios on (an upload or a run's inputs).",
)


def _dataset_id() -> Column[int]:
    """The dataset a row belongs to (each table needs a column of its own)."""
    owner = ForeignKey("scenario_dataset.id", ondelete="CASCADE")
    return Column("dataset_id", Integer, owner, primary_key=True)


scenario_dataset_input = Table(
    "scenario_dataset_input",
    metadata,
    _dataset_id(),
    Column("kind", String(20), primary_key=True),
    Column("rows", _INT, nullable=False),
    # Parquet of the validated input: ids already pseudonymised, person_id always a pseudonym.
    Column("data_parquet", LargeBinary, nullable=False),
    comment="The inputs of a scenario dataset: episodes, placements, costs, agreements, visits, tariffs.",
)

scenario_dataset_days = Table(
    "scenario_dataset_days",
    metadata,
    _dataset_id(),
    Column("rows", _INT, nullable=False),
    # Parquet of hos_avtal.scenarios.EpisodeDays: counts only, no id of any episode or person.
    Column("data_parquet", LargeBinary, nullable=False),
    comment="Each dataset's day histogram, made when it is stored: what a comparison reads.",
)


# ------------------------------------------------------------- the rules registry (migration 0006)
# Append-only: a row is never changed or deleted (triggers refuse it), so what was in force when is
# always known. The current value of a key is its latest row (highest id).


def _registered() -> list[Column[Any]]:
    """Who registered a row, and when."""
    return [
        Column("registered_by", Text, nullable=False),
        Column("registered_at", DateTime(timezone=True), nullable=False),
    ]


registered_ruleset = Table(
    "registered_ruleset",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ruleset_id", Text, nullable=False),
    Column("content_sha256", String(64), nullable=False, comment="over the validated rule set, not its text"),
    Column("content", Text, nullable=False, comment="the TOML text as registered"),
    *_registered(),
    Index("ix_registered_ruleset_ruleset_id", "ruleset_id"),
    comment="Rule sets registered in this deployment (hos-avtal rulesets add, POST /v1/rulesets).",
)

registered_daily_amount = Table(
    "registered_daily_amount",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("amount_ore", _INT, nullable=False),
    Column("source", Text, nullable=False),
    *_registered(),
    Index("ix_registered_daily_amount_year", "year"),
    CheckConstraint("amount_ore > 0", name="positive"),
    comment="Each year's fastställt belopp as entered (hos-avtal amounts set, PUT /v1/daily-amounts).",
)

registered_tariff = Table(
    "registered_tariff",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kommun", _KOMMUN, nullable=False),
    Column("year", Integer, nullable=False),
    Column("service", String(12), nullable=False),
    Column("amount_ore", _INT, nullable=False),
    Column("decided", Date, nullable=False),
    Column("source", Text, nullable=False),
    *_registered(),
    Index("ix_registered_tariff_kommun", "kommun", "year"),
    CheckConstraint("service IN ('hemtjanst', 'hemsjukvard')", name="service"),
    CheckConstraint("amount_ore > 0", name="positive"),
    comment="Each municipality's own hourly tariffs (hos-avtal tariffs set, PUT …/tariffs/{year}).",
)

REGISTRY_TABLES = (registered_ruleset, registered_daily_amount, registered_tariff)


# ------------------------------------------------------------ prognos snapshots (migration 0007)

prognos_snapshot = Table(
    "prognos_snapshot",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # One per day: a newer snapshot of the day replaces the older, and two racing meet here.
    Column("date", Date, nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("ruleset_id", Text, nullable=False),
    Column("daily_amount_ore", _INT, nullable=False),
    Column("episodes", _INT, nullable=False),
    Column("waiting", _INT, nullable=False),
    Column("inputs_sha256", String(64), nullable=False, comment="over the Parquet of the episodes as kept"),
    # The episodes as read, ids pseudonymised (as a billing run keeps its inputs), and the answer
    # as computed that day: what a coordinator saw is what is served later.
    Column("episodes_parquet", LargeBinary, nullable=False),
    Column("result_json", Text, nullable=False, comment="the contract of POST /v1/prognos"),
    comment="Läget i dag: each day's snapshot (POST /v1/prognos/snapshots, hos-avtal prognos --store).",
    # A replaced snapshot's id is never given again (SQLite would reuse the highest).
    sqlite_autoincrement=True,
)
