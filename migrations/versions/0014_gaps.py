"""delivery retries in SQL, and raw bodies that can be dropped

retry_at: the retry itself is an RQ job with a delay; Redis flushed or restarted loses it.
With the due time in the row the dispatcher redrives it (app/jobs/dispatch.py).
body nullable, and a partial index on the deliveries that still hold one: bodies hold
buyers' personal data and go after WEBHOOK_BODY_RETENTION_DAYS (app/jobs/purge.py).

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
        batch.alter_column('body', existing_type=sa.LargeBinary(), nullable=True)
    kept = sa.text('body IS NOT NULL')
    op.create_index('ix_webhook_deliveries_body_kept', 'webhook_deliveries', ['received_at'],
                    postgresql_where=kept, sqlite_where=kept)


def downgrade() -> None:
    op.drop_index('ix_webhook_deliveries_body_kept', table_name='webhook_deliveries')
    op.execute("UPDATE webhook_deliveries SET body = '' WHERE body IS NULL")
    with op.batch_alter_table('webhook_deliveries') as batch:
        batch.alter_column('body', existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_column('retry_at')
