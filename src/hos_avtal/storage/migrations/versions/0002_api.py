"""The HTTP API: API keys (hashed), stored responses of idempotent POSTs, and the audit log.

Written by hand from ``hos_avtal.storage._models`` and frozen here, like 0001.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("kommun", sa.String(length=4), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('admin', 'billing', 'analyst', 'kommun')", name=op.f("ck_api_key_role")),
        sa.CheckConstraint("(role = 'kommun') = (kommun IS NOT NULL)", name=op.f("ck_api_key_kommun")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_api_key_token_sha256")),
        comment="API keys of the HTTP API: only a hash of each token is stored.",
    )
    op.create_table(
        "idempotency_key",
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["api_key.id"], name=op.f("fk_idempotency_key_key_id_api_key")),
        sa.PrimaryKeyConstraint("key_id", "idempotency_key", name=op.f("pk_idempotency_key")),
        comment="Stored responses of POSTs sent with an Idempotency-Key, replayed on a retry.",
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["key_id"], ["api_key.id"], name=op.f("fk_audit_log_key_id_api_key")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        comment="Every write through the API: who (key id), when, what and the outcome; never bodies.",
    )
    op.create_index("ix_audit_log_key", "audit_log", ["key_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_key", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("idempotency_key")
    op.drop_table("api_key")
