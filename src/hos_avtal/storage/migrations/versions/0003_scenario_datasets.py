"""Scenario datasets: episode data a negotiator compares scenarios on, stored as Parquet.

Written by hand from ``hos_avtal.storage._models`` and frozen here, like 0001 and 0002.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "scenario_dataset",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("ruleset_id", sa.Text(), nullable=True),
        sa.Column("months", sa.Text(), nullable=False),
        sa.Column("episodes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("episodes_parquet", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenario_dataset")),
        comment="Episode data sets a negotiator compares scenarios on (an upload or a run's lines).",
    )


def downgrade() -> None:
    op.drop_table("scenario_dataset")
