"""Stored inputs: a run keeps its validated inputs, and a scenario dataset holds every kind of
input (episodes, placements, costs, agreements, visits, tariffs), not only episodes, and the
fastställt belopp its run used.

Written by hand from ``hos_avtal.storage._models`` and frozen here, like 0001–0003. The episodes
of existing datasets move to ``scenario_dataset_input`` and their ``sha256`` is recomputed the
new way (over each input's kind and Parquet bytes). Runs stored before this revision keep no
inputs (``data_parquet`` is null): their datasets are rebuilt from the episode lines, as before.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


_DATASET_COMMENT = "Data sets a negotiator compares scenarios on (an upload or a run's inputs)."
_OLD_DATASET_COMMENT = "Episode data sets a negotiator compares scenarios on (an upload or a run's lines)."
_SHA_COMMENT = "over the inputs' kinds and Parquet bytes"

_datasets = sa.table(
    "scenario_dataset",
    sa.column("id", sa.Integer()),
    sa.column("episodes", sa.BigInteger()),
    sa.column("sha256", sa.String()),
    sa.column("episodes_parquet", sa.LargeBinary()),
)
_inputs = sa.table(
    "scenario_dataset_input",
    sa.column("dataset_id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("rows", sa.BigInteger()),
    sa.column("data_parquet", sa.LargeBinary()),
)


def dataset_sha256(blobs: dict[str, bytes]) -> str:
    """The dataset's hash: over each input's kind and the SHA-256 of its Parquet, by kind."""
    digest = hashlib.sha256()
    for kind in sorted(blobs):
        digest.update(kind.encode() + b"\0" + hashlib.sha256(blobs[kind]).digest())
    return digest.hexdigest()


def upgrade() -> None:
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"
    with op.batch_alter_table("run_input") as batch:
        batch.add_column(sa.Column("data_parquet", sa.LargeBinary(), nullable=True))
    # Held in memory while the column goes: SQLite rebuilds the table to drop a column, and
    # rebuilding a parent table would cascade deletes into a child created before it.
    episodes = connection.execute(
        sa.select(_datasets.c.id, _datasets.c.episodes, _datasets.c.episodes_parquet)
    ).all()
    with op.batch_alter_table("scenario_dataset") as batch:
        batch.drop_column("episodes_parquet")
        batch.add_column(sa.Column("daily_amount_ore", sa.BigInteger(), nullable=True))
    op.create_table(
        "scenario_dataset_input",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("data_parquet", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["scenario_dataset.id"],
            name=op.f("fk_scenario_dataset_input_dataset_id_scenario_dataset"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", "kind", name=op.f("pk_scenario_dataset_input")),
        comment="The inputs of a scenario dataset: episodes, placements, costs, agreements, visits, tariffs.",
    )
    for id_, rows, blob in episodes:
        connection.execute(
            sa.insert(_inputs).values(dataset_id=id_, kind="episodes", rows=rows, data_parquet=blob)
        )
        connection.execute(
            sa.update(_datasets)
            .where(_datasets.c.id == id_)
            .values(sha256=dataset_sha256({"episodes": blob}))
        )
    if postgresql:  # SQLite keeps no comments
        op.alter_column(
            "scenario_dataset", "sha256", existing_type=sa.String(length=64), comment=_SHA_COMMENT
        )
        op.create_table_comment("scenario_dataset", _DATASET_COMMENT, existing_comment=_OLD_DATASET_COMMENT)


def downgrade() -> None:
    """Back to episodes only: a dataset without episodes cannot exist in 0003 and is deleted."""
    connection = op.get_bind()
    query = sa.select(_inputs.c.dataset_id, _inputs.c.data_parquet).where(_inputs.c.kind == "episodes")
    episodes: dict[int, bytes] = {int(id_): bytes(blob) for id_, blob in connection.execute(query)}
    op.drop_table("scenario_dataset_input")
    connection.execute(sa.delete(_datasets).where(_datasets.c.id.not_in(list(episodes))))
    with op.batch_alter_table("scenario_dataset") as batch:
        batch.drop_column("daily_amount_ore")
        batch.add_column(sa.Column("episodes_parquet", sa.LargeBinary(), nullable=True))
    for id_, blob in episodes.items():
        connection.execute(
            sa.update(_datasets)
            .where(_datasets.c.id == id_)
            .values(episodes_parquet=blob, sha256=hashlib.sha256(blob).hexdigest())
        )
    with op.batch_alter_table("scenario_dataset") as batch:
        batch.alter_column("episodes_parquet", existing_type=sa.LargeBinary(), nullable=False)
    if connection.dialect.name == "postgresql":
        op.alter_column("scenario_dataset", "sha256", existing_type=sa.String(length=64), comment=None)
        op.create_table_comment("scenario_dataset", _OLD_DATASET_COMMENT, existing_comment=_DATASET_COMMENT)
    with op.batch_alter_table("run_input") as batch:
        batch.drop_column("data_parquet")
