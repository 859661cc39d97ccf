"""Sealed runs: every run table guarded, a content seal per run and per municipality, what a
run's user acknowledged, and Idempotency-Keys kept only as hashes.

* ``billing_run.seal``: SHA-256 over the run's identity and every row it stored (see
  :mod:`hos_avtal.storage._seal`); ``run_digest`` holds the digest of each municipality's part,
  so one municipality's invoice basis is verified without reading the whole month.
* ``correction_line``: the pool's N and D before and after, on a pooled line (the lines now
  itemise every difference, and no line is a total).
* ``billing_run.accepted`` and ``accepted_value``: the implausible-but-possible values the user
  acknowledged (``--accept long-wait``), line by line.
* Triggers: until now only ``billing_run`` refused changes to a final run; now every table that
  holds a run's rows refuses INSERT, UPDATE and DELETE of a final run's rows (and PostgreSQL
  refuses TRUNCATE of any run table, which skips row triggers).
* ``idempotency_key.idempotency_key`` held the header verbatim; it now holds its SHA-256.
* ``settings.sealed_from_run_id``: the first run id that must have a seal, guarded like a final run.

Written by hand from ``hos_avtal.storage._models`` and frozen here, like 0001–0004. Runs stored
before this revision have no seal (``null``); ``hos-avtal run verify`` reports them as unsealed.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_ROW_TABLES = (
    "run_input", "betalningsansvar_row", "episode_line", "placement_line", "placement_municipality",
    "home_care_line", "home_care_municipality", "home_care_payment", "correction_line", "run_digest",
    "accepted_value",
)  # fmt: skip
"""Every table whose rows belong to one run (``run_id``)."""

_POOL_COLUMNS = ("previous_episodes", "current_episodes", "previous_days", "current_days")
"""Correction lines itemise the pooled part with its N and D before and after."""

_FINAL = "(SELECT state FROM billing_run WHERE id = {row}.run_id) = 'final'"
_MESSAGE = "a final billing run is never modified"


def _sqlite_guards(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_final_no_insert BEFORE INSERT ON {table} WHEN {_FINAL.format(row="NEW")}
            BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END""",
        f"""CREATE TRIGGER {table}_final_no_update BEFORE UPDATE ON {table}
            WHEN {_FINAL.format(row="OLD")} OR {_FINAL.format(row="NEW")}
            BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END""",
        f"""CREATE TRIGGER {table}_final_no_delete BEFORE DELETE ON {table} WHEN {_FINAL.format(row="OLD")}
            BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END""",
    ]


_SQLITE_SETTING_GUARDS = [
    f"""CREATE TRIGGER settings_sealed_from_no_{action} BEFORE {action.upper()} ON settings
        WHEN OLD.key = 'sealed_from_run_id'
        BEGIN SELECT RAISE(ABORT, 'the run id from which runs are sealed is never changed'); END"""
    for action in ("update", "delete")
]
_POSTGRES_SETTING_GUARDS = [
    """CREATE FUNCTION sealed_from_guard() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF OLD.key = 'sealed_from_run_id' THEN
           RAISE EXCEPTION 'the run id from which runs are sealed is never changed';
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER settings_sealed_from_guard BEFORE UPDATE OR DELETE ON settings
       FOR EACH ROW EXECUTE FUNCTION sealed_from_guard()""",
]

_POSTGRES_FUNCTIONS = (
    f"""CREATE FUNCTION final_run_rows_guard() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP IN ('UPDATE', 'DELETE')
            AND EXISTS (SELECT 1 FROM billing_run WHERE id = OLD.run_id AND state = 'final') THEN
           RAISE EXCEPTION '{_MESSAGE}';
         END IF;
         IF TG_OP IN ('UPDATE', 'INSERT')
            AND EXISTS (SELECT 1 FROM billing_run WHERE id = NEW.run_id AND state = 'final') THEN
           RAISE EXCEPTION '{_MESSAGE}';
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END $$""",
    """CREATE FUNCTION run_tables_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'billing run tables are never truncated: a final billing run is never deleted';
       END $$""",
)


def _postgres_guards(table: str) -> list[str]:
    truncate = f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION run_tables_no_truncate()"""
    if table == "billing_run":  # its rows are guarded since 0001 (final_run_guard)
        return [truncate]
    rows = f"""CREATE TRIGGER {table}_final_guard BEFORE INSERT OR UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION final_run_rows_guard()"""
    return [rows, truncate]


_settings = sa.table("settings", sa.column("key", sa.String()), sa.column("value", sa.Text()))
_runs = sa.table("billing_run", sa.column("id", sa.Integer()))
SEALED_FROM = "sealed_from_run_id"
"""Runs with this id or higher must have a seal: a missing one was removed, not never made."""

_keys = sa.table(
    "idempotency_key",
    sa.column("key_id", sa.Integer()),
    sa.column("idempotency_key", sa.String()),
)


def upgrade() -> None:
    connection = op.get_bind()
    dialect = connection.dialect.name
    # Plain ADD COLUMN, never a batch rebuild: rebuilding billing_run would drop its triggers and
    # cascade deletes into every run table.
    op.add_column("billing_run", sa.Column("accepted", sa.Text(), nullable=True))
    op.add_column("billing_run", sa.Column("seal", sa.String(length=64), nullable=True))
    for column in _POOL_COLUMNS:
        op.add_column("correction_line", sa.Column(column, sa.BigInteger(), nullable=True))
    op.create_table(
        "run_digest",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kommun", sa.String(length=4), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["billing_run.id"], name=op.f("fk_run_digest_run_id_billing_run"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "kommun", name=op.f("pk_run_digest")),
        comment="The digest of each municipality's part of a run; the run's seal is made from them.",
    )
    op.create_table(
        "accepted_value",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("kommun", sa.String(length=4), nullable=False),
        sa.Column("line_key", sa.Text(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["billing_run.id"],
            name=op.f("fk_accepted_value_run_id_billing_run"),
            ondelete="CASCADE",
        ),
        comment="Implausible but possible values a run's user acknowledged (e.g. a wait over a year).",
    )
    op.create_index("ix_accepted_value_run", "accepted_value", ["run_id"], unique=False)

    if dialect == "sqlite":
        statements = [s for table in _ROW_TABLES for s in _sqlite_guards(table)]
    elif dialect == "postgresql":
        statements = [
            *_POSTGRES_FUNCTIONS,
            *[s for table in (*_ROW_TABLES, "billing_run") for s in _postgres_guards(table)],
        ]
    else:
        statements = []
    for statement in statements:
        op.execute(statement)

    first = connection.execute(sa.select(sa.func.coalesce(sa.func.max(_runs.c.id), 0) + 1)).scalar_one()
    connection.execute(sa.insert(_settings).values(key=SEALED_FROM, value=str(first)))
    # Raising it would make every run look older than seals, and so unchecked.
    setting_guards = _SQLITE_SETTING_GUARDS if dialect == "sqlite" else _POSTGRES_SETTING_GUARDS
    for statement in setting_guards if dialect in ("sqlite", "postgresql") else []:
        op.execute(statement)

    for key_id, value in connection.execute(sa.select(_keys.c.key_id, _keys.c.idempotency_key)).all():
        connection.execute(
            sa.update(_keys)
            .where(_keys.c.key_id == key_id, _keys.c.idempotency_key == value)
            .values(idempotency_key=hashlib.sha256(str(value).encode("utf-8")).hexdigest())
        )


def downgrade() -> None:
    """The guards, seals and acknowledgements go; stored Idempotency-Keys stay hashed (their text
    is gone), so a retry after a downgrade is a new request."""
    connection = op.get_bind()
    dialect = connection.dialect.name
    if dialect == "sqlite":
        for table in _ROW_TABLES:
            for action in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_final_no_{action}")
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS settings_sealed_from_no_{action}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS settings_sealed_from_guard ON settings")
        op.execute("DROP FUNCTION IF EXISTS sealed_from_guard()")
        for table in (*_ROW_TABLES, "billing_run"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_final_guard ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS final_run_rows_guard()")
        op.execute("DROP FUNCTION IF EXISTS run_tables_no_truncate()")
    connection.execute(sa.delete(_settings).where(_settings.c.key == SEALED_FROM))
    op.drop_index("ix_accepted_value_run", table_name="accepted_value")
    op.drop_table("accepted_value")
    op.drop_table("run_digest")
    # SQLite drops a column in place since 3.35; a batch rebuild of billing_run would cascade.
    columns = [("billing_run", c) for c in ("seal", "accepted")] + [
        ("correction_line", c) for c in _POOL_COLUMNS
    ]
    for table, column in columns:
        if dialect == "sqlite":
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        else:
            op.drop_column(table, column)
