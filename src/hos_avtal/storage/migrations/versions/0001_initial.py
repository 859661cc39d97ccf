"""The initial schema: billing runs, their inputs and results, and the guards on final runs.

Rendered once from ``hos_avtal.storage._models`` and frozen here: a later change to the models
gets a migration of its own, so a database created by this one upgrades the same way as one
created long ago.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_TABLES = (
    "correction_line", "home_care_payment", "home_care_municipality", "home_care_line",
    "placement_municipality", "placement_line", "episode_line", "betalningsansvar_row", "run_input",
    "settings", "billing_run",
)  # fmt: skip

_SQLITE_GUARDS = (
    """CREATE TRIGGER final_run_no_update BEFORE UPDATE ON billing_run WHEN OLD.state = 'final'
       BEGIN SELECT RAISE(ABORT, 'a final billing run is never modified'); END""",
    """CREATE TRIGGER final_run_no_delete BEFORE DELETE ON billing_run WHEN OLD.state = 'final'
       BEGIN SELECT RAISE(ABORT, 'a final billing run is never deleted'); END""",
)

_POSTGRES_GUARDS = (
    """CREATE FUNCTION final_run_guard() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF OLD.state = 'final' THEN
           RAISE EXCEPTION 'a final billing run is never modified or deleted';
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER final_run_guard BEFORE UPDATE OR DELETE ON billing_run
       FOR EACH ROW EXECUTE FUNCTION final_run_guard()""",
)


def upgrade() -> None:
    op.create_table(
        "billing_run",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=5), server_default="draft", nullable=False),
        sa.Column("ruleset_id", sa.Text(), nullable=False),
        sa.Column("ruleset_hash", sa.String(length=64), nullable=False),
        sa.Column("inputs_hash", sa.String(length=64), nullable=False),
        sa.Column("code_version", sa.String(length=50), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finalized_by", sa.Text(), nullable=True),
        sa.Column("finalized_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("daily_amount_ore", sa.BigInteger(), nullable=True),
        sa.Column("corrects_run_id", sa.Integer(), nullable=True),
        sa.Column("capabilities", sa.Text(), nullable=False),
        sa.CheckConstraint("state IN ('draft', 'final')", name=op.f("ck_billing_run_state")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_billing_run_version")),
        sa.ForeignKeyConstraint(
            ["corrects_run_id"], ["billing_run.id"], name=op.f("fk_billing_run_corrects_run_id_billing_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_run")),
        sa.UniqueConstraint("month", "inputs_hash", "ruleset_hash", name="uq_billing_run_identity"),
    )
    op.create_index(
        "uq_billing_run_final_version",
        "billing_run",
        ["month", "version"],
        unique=True,
        sqlite_where=sa.text("state = 'final'"),
        postgresql_where=sa.text("state = 'final'"),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
        comment="Database-wide settings, e.g. the pseudonym key when none is given by environment.",
    )
    op.create_table(
        "betalningsansvar_row",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("threshold_den", sa.BigInteger(), nullable=False),
        sa.Column("kommun", sa.String(length=4), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kommunalforbund", sa.Text(), nullable=True),
        sa.Column("average_episodes", sa.BigInteger(), nullable=False),
        sa.Column("average_days", sa.BigInteger(), nullable=False),
        sa.Column("individual_episodes", sa.BigInteger(), nullable=False),
        sa.Column("individual_billable_days", sa.BigInteger(), nullable=False),
        sa.Column("individual_amount_ore", sa.BigInteger(), nullable=False),
        sa.Column("accruing_episodes", sa.BigInteger(), nullable=False),
        sa.Column("not_covered_episodes", sa.BigInteger(), nullable=False),
        sa.Column("not_covered_no_admission_notice", sa.BigInteger(), nullable=False),
        sa.Column("not_covered_no_ready_notice", sa.BigInteger(), nullable=False),
        sa.Column("not_covered_sip_not_invited", sa.BigInteger(), nullable=False),
        sa.Column("not_covered_no_outpatient_plan", sa.BigInteger(), nullable=False),
        sa.Column("not_covered_outpatient_unavailable", sa.BigInteger(), nullable=False),
        sa.Column("average_episodes_somatik", sa.BigInteger(), nullable=False),
        sa.Column("average_days_somatik", sa.BigInteger(), nullable=False),
        sa.Column("individual_episodes_somatik", sa.BigInteger(), nullable=False),
        sa.Column("individual_billable_days_somatik", sa.BigInteger(), nullable=False),
        sa.Column("individual_amount_ore_somatik", sa.BigInteger(), nullable=False),
        sa.Column("not_covered_episodes_somatik", sa.BigInteger(), nullable=False),
        sa.Column("average_episodes_psykiatri", sa.BigInteger(), nullable=False),
        sa.Column("average_days_psykiatri", sa.BigInteger(), nullable=False),
        sa.Column("individual_episodes_psykiatri", sa.BigInteger(), nullable=False),
        sa.Column("individual_billable_days_psykiatri", sa.BigInteger(), nullable=False),
        sa.Column("individual_amount_ore_psykiatri", sa.BigInteger(), nullable=False),
        sa.Column("not_covered_episodes_psykiatri", sa.BigInteger(), nullable=False),
        sa.Column("liable", sa.Boolean(), nullable=False),
        sa.Column("liable_units", sa.BigInteger(), nullable=False),
        sa.Column("average_amount_ore", sa.BigInteger(), nullable=False),
        sa.Column("average_amount_ore_somatik", sa.BigInteger(), nullable=False),
        sa.Column("average_amount_ore_psykiatri", sa.BigInteger(), nullable=False),
        sa.Column("pending_episodes", sa.BigInteger(), nullable=False),
        sa.Column("total_amount_ore", sa.BigInteger(), nullable=False),
        sa.Column("consecutive_liable_months", sa.BigInteger(), nullable=False),
        sa.Column("recurring_liability", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["billing_run.id"],
            name=op.f("fk_betalningsansvar_row_run_id_billing_run"),
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_betalningsansvar_row_run", "betalningsansvar_row", ["run_id"], unique=False)
    op.create_table(
        "correction_line",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("capability", sa.String(length=20), nullable=False),
        sa.Column("kommun", sa.String(length=4), nullable=False),
        sa.Column("line_key", sa.Text(), nullable=False),
        sa.Column("previous_ore", sa.BigInteger(), nullable=False),
        sa.Column("current_ore", sa.BigInteger(), nullable=False),
        sa.Column("delta_ore", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["billing_run.id"],
            name=op.f("fk_correction_line_run_id_billing_run"),
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_correction_line_run", "correction_line", ["run_id"], unique=False)
    op.create_table(
        "episode_line",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("episode_id", sa.Text(), nullable=False),
        sa.Column("kommun", sa.String(length=4), nullable=False),
        sa.Column("care_type", sa.String(length=20), nullable=False),
        sa.Column("hospital", sa.Text(), nullable=True),
        sa.Column("ready_date", sa.Date(), nullable=False),
        sa.Column("discharge_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("days", sa.BigInteger(), nullable=True),
        sa.Column("billable_days", sa.BigInteger(), nullable=True),
        sa.Column("amount_ore", sa.BigInteger(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["billing_run.id"],
            name=op.f("fk_episode_line_run_id_billing_run"),
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_episode_line_run", "episode_line", ["run_id"], unique=False)
    op.create_table(
        "home_care_line",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("host", sa.String(length=4), nullable=False),
        sa.Column("home", sa.String(length=4), nullable=False),
        sa.Column("service", sa.String(length=20), nullable=False),
        sa.Column("year", sa.BigInteger(), nullable=False),
        sa.Column("visits", sa.BigInteger(), nullable=False),
        sa.Column("minutes", sa.BigInteger(), nullable=False),
        sa.Column("tariff_ore", sa.BigInteger(), nullable=False),
        sa.Column("amount_ore", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["billing_run.id"],
            name=op.f("fk_home_care_line_run_id_billing_run"),
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_home_care_line_run", "home_care_line", ["run_id"], unique=False)
    op.create_table(
        "home_care_municipality",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kommun", sa.String(length=4), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("invoiced_ore", sa.BigInteger(), nullable=False),
        sa.Column("owed_ore", sa.BigInteger(), nullable=False),
        sa.Column("net_ore", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["billing_run.id"],
            name=op.f("fk_home_care_municipality_run_id_billing_run"),
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_home_care_municipality_run", "home_care_municipality", ["run_id"], unique=False)
    op.create_table(
        "home_care_payment",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("payer", sa.String(length=4), nullable=False),
        sa.Column("payee", sa.String(length=4), nullable=False),
        sa.Column("amount_ore", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["billing_run.id"],
            name=op.f("fk_home_care_payment_run_id_billing_run"),
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_home_care_payment_run", "home_care_payment", ["run_id"], unique=False)
    op.create_table(
        "placement_line",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("placement_id", sa.Text(), nullable=False),
        sa.Column("kommun", sa.String(length=4), nullable=False),
        sa.Column("placed_by", sa.String(length=10), nullable=False),
        sa.Column("acute", sa.Boolean(), nullable=False),
        sa.Column("ruleset", sa.Text(), nullable=False),
        sa.Column("days", sa.BigInteger(), nullable=False),
        sa.Column("cost_ore", sa.BigInteger(), nullable=False),
        sa.Column("region_ore", sa.BigInteger(), nullable=False),
        sa.Column("kommun_ore", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("flags", sa.Text(), nullable=False, comment="';'-separated flags"),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["billing_run.id"],
            name=op.f("fk_placement_line_run_id_billing_run"),
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_placement_line_run", "placement_line", ["run_id"], unique=False)
    op.create_table(
        "placement_municipality",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kommun", sa.String(length=4), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kommunalforbund", sa.Text(), nullable=True),
        sa.Column("cost_ore", sa.BigInteger(), nullable=False),
        sa.Column("region_ore", sa.BigInteger(), nullable=False),
        sa.Column("kommun_ore", sa.BigInteger(), nullable=False),
        sa.Column("placements", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["billing_run.id"],
            name=op.f("fk_placement_municipality_run_id_billing_run"),
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_placement_municipality_run", "placement_municipality", ["run_id"], unique=False)
    op.create_table(
        "run_input",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["billing_run.id"], name=op.f("fk_run_input_run_id_billing_run"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "kind", name=op.f("pk_run_input")),
    )

    # The database itself refuses to change or delete a final run, whatever client writes to it.
    dialect = op.get_bind().dialect.name
    guards = _SQLITE_GUARDS if dialect == "sqlite" else _POSTGRES_GUARDS if dialect == "postgresql" else ()
    for statement in guards:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS final_run_guard ON billing_run")
        op.execute("DROP FUNCTION IF EXISTS final_run_guard()")
    for table in _TABLES:
        op.drop_table(table)
