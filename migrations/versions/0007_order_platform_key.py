"""orders.platform_order_key for WooCommerce embed tokens

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-23 09:15:00.000000

Re-chain at merge: down_revision must become the head of main when this lands.
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders') as batch_op:
        batch_op.add_column(sa.Column('platform_order_key', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('orders') as batch_op:
        batch_op.drop_column('platform_order_key')
