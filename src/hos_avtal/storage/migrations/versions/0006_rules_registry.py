"""The rules registry: rule sets, fastställda belopp and municipal tariffs entered in a deployment.

* ``registered_ruleset``: a rule set's TOML text, its content hash, who registered it and when.
* ``registered_daily_amount``: each year's fastställt belopp (Socialstyrelsen, every December).
* ``registered_tariff``: each municipality's own hemtjänst/hemsjukvård tariff per year.
* The three are append-only (triggers refuse UPDATE and DELETE; PostgreSQL also TRUNCATE): the
  latest row of a key is the value in force, and the earlier ones say what was in force before.
* ``audit_log``: a change made on the command line has no API key; ``actor`` names its user.

Written by hand from ``hos_avtal.storage._models`` and frozen here, like 0001–0005.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_TABLES = ("registered_ruleset", "registered_daily_amount", "registered_tariff")
_OLD_AUDIT_COMMENT = "Every write through the API: who (key id), when, what and the outcome; never bodies."
_MESSAGE = "the rules registry is append-only: register a new value instead"


def _who() -> list[sa.Column[object]]:
    return [
        sa.Column("registered_by", sa.Text(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "registered_ruleset",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ruleset_id", sa.Text(), nullable=False),
        sa.Column(
            "content_sha256",
            sa.String(length=64),
            nullable=False,
            comment="over the validated rule set, not its text",
        ),
        sa.Column("content", sa.Text(), nullable=False, comment="the TOML text as registered"),
        *_who(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registered_ruleset")),
        comment="Rule sets registered in this deployment (hos-avtal rulesets add, POST /v1/rulesets).",
    )
    op.create_index("ix_registered_ruleset_ruleset_id", "registered_ruleset", ["ruleset_id"])
    op.create_table(
        "registered_daily_amount",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount_ore", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        *_who(),
        sa.CheckConstraint("amount_ore > 0", name=op.f("ck_registered_daily_amount_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registered_daily_amount")),
        comment="Each year's fastställt belopp as entered (hos-avtal amounts set, PUT /v1/daily-amounts).",
    )
    op.create_index("ix_registered_daily_amount_year", "registered_daily_amount", ["year"])
    op.create_table(
        "registered_tariff",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kommun", sa.String(length=4), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=12), nullable=False),
        sa.Column("amount_ore", sa.BigInteger(), nullable=False),
        sa.Column("decided", sa.Date(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        *_who(),
        sa.CheckConstraint(
            "service IN ('hemtjanst', 'hemsjukvard')", name=op.f("ck_registered_tariff_service")
        ),
        sa.CheckConstraint("amount_ore > 0", name=op.f("ck_registered_tariff_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registered_tariff")),
        comment=("Each municipality's own hourly tariffs (hos-avtal tariffs set, PUT …/tariffs/{year})."),
    )
    op.create_index("ix_registered_tariff_kommun", "registered_tariff", ["kommun", "year"])

    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("key_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("actor", sa.Text(), nullable=True))
        batch.create_check_constraint(op.f("ck_audit_log_who"), "key_id IS NOT NULL OR actor IS NOT NULL")
    if dialect == "postgresql":  # SQLite keeps no comments
        op.create_table_comment(
            "audit_log",
            "Every write through the API or to the rules registry: who, when, what, outcome; never bodies.",
            existing_comment=_OLD_AUDIT_COMMENT,
        )

    if dialect == "postgresql":
        op.execute(
            f"""CREATE FUNCTION registry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN RAISE EXCEPTION '{_MESSAGE}'; END $$"""
        )
        for table in _TABLES:
            op.execute(
                f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                    FOR EACH ROW EXECUTE FUNCTION registry_append_only()"""
            )
            op.execute(
                f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                    FOR EACH STATEMENT EXECUTE FUNCTION registry_append_only()"""
            )
    else:
        for table in _TABLES:
            for action in ("update", "delete"):
                op.execute(
                    f"""CREATE TRIGGER {table}_no_{action} BEFORE {action.upper()} ON {table}
                        BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"""
                )


def downgrade() -> None:
    """The registry goes (its tables and guards), and with it the audit rows of command-line
    changes, which 0005's ``audit_log`` cannot hold without an API key."""
    dialect = op.get_bind().dialect.name
    for table in _TABLES:
        op.drop_table(table)  # its triggers and indexes go with it
    if dialect == "postgresql":
        op.execute("DROP FUNCTION registry_append_only()")
    op.execute("DELETE FROM audit_log WHERE key_id IS NULL")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint(op.f("ck_audit_log_who"), type_="check")
        batch.drop_column("actor")
        batch.alter_column("key_id", existing_type=sa.Integer(), nullable=False)
    if dialect == "postgresql":
        op.create_table_comment("audit_log", _OLD_AUDIT_COMMENT)
