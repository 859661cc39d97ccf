"""Läget i dag: each day's prognos snapshot, its pseudonymised episodes and the answer computed.

* ``prognos_snapshot``: one row per day (a newer snapshot of the same day replaces the older, so
  the unique date is what two racing writers meet on), with the episodes as read (ids
  pseudonymised, as a billing run keeps its inputs) and the contract's JSON as computed then, so
  what a coordinator saw that morning is what is served later, whatever the registry says since.

Written by hand from ``hos_avtal.storage._models`` and frozen here, like 0001–0006.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "prognos_snapshot",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("ruleset_id", sa.Text(), nullable=False),
        sa.Column("daily_amount_ore", sa.BigInteger(), nullable=False),
        sa.Column("episodes", sa.BigInteger(), nullable=False),
        sa.Column("waiting", sa.BigInteger(), nullable=False),
        sa.Column(
            "inputs_sha256",
            sa.String(length=64),
            nullable=False,
            comment="over the Parquet of the episodes as kept",
        ),
        sa.Column("episodes_parquet", sa.LargeBinary(), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False, comment="the contract of POST /v1/prognos"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prognos_snapshot")),
        sa.UniqueConstraint("date", name=op.f("uq_prognos_snapshot_date")),
        comment="Läget i dag: each day's snapshot (POST /v1/prognos/snapshots, hos-avtal prognos --store).",
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("prognos_snapshot")
