"""delivery retries in SQL: when a failed delivery's next attempt is due

The retry itself is an RQ job with a delay; Redis flushed or restarted loses it. With the
due time in the row the dispatcher redrives it (app/jobs/dispatch.py).

Revision ID: 0014_gaps
Revises: 0013
Create Date: 2026-11-24 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_gaps'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_deliveries') as batch:
        batch.add_column(sa.Column('retry_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('webhook_deliveries') as batch:
        batch.drop_column('retry_at')
