"""Instant sliders: each scenario dataset's day histogram, made once when it is stored.

* ``scenario_dataset_days``: one row per dataset with episodes, the Parquet of its
  ``EpisodeDays`` (per month, kommun, care type, days and unmet conditions, how many episodes:
  counts only, no id), so a comparison with changed parameters never reads the episodes. A
  dataset stored before this revision has none; it is made the first time one is compared.

Written by hand from ``hos_avtal.storage._models`` and frozen here, like 0001–0007.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "scenario_dataset_days",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("data_parquet", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["scenario_dataset.id"],
            name=op.f("fk_scenario_dataset_days_dataset_id_scenario_dataset"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", name=op.f("pk_scenario_dataset_days")),
        comment="Each dataset's day histogram, made when it is stored: what a comparison reads.",
    )


def downgrade() -> None:
    op.drop_table("scenario_dataset_days")
