"""shop sync health: the periodic WooCommerce sync's verdict and when it last ran

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 09:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('shops') as batch:
        batch.add_column(sa.Column('sync_health', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column('last_synced_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('shops') as batch:
        batch.drop_column('last_synced_at')
        batch.drop_column('sync_health')
