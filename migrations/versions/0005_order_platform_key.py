"""orders.platform_order_key for WooCommerce embed tokens

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 09:15:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders') as batch_op:
        batch_op.add_column(sa.Column('platform_order_key', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('orders') as batch_op:
        batch_op.drop_column('platform_order_key')
