"""lookup indexes: the admin's latest deliveries of a shop and find-my-order by number

`make scale` at 1M orders: the admin overview read all of a shop's deliveries (348 ms a
page view) and the order lookup every order of the shop (≈159 ms); both are now index scans.

Revision ID: 0013
Revises: 0011
Create Date: 2026-11-23 13:35:00
"""
from alembic import op

revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_webhook_deliveries_shop_received', 'webhook_deliveries', ['shop_id', 'received_at'])
    op.create_index('ix_webhook_deliveries_domain_received', 'webhook_deliveries',
                    ['platform', 'shop_domain', 'received_at'])
    op.create_index('ix_orders_shop_name', 'orders', ['shop_id', 'name'])


def downgrade() -> None:
    op.drop_index('ix_orders_shop_name', table_name='orders')
    op.drop_index('ix_webhook_deliveries_domain_received', table_name='webhook_deliveries')
    op.drop_index('ix_webhook_deliveries_shop_received', table_name='webhook_deliveries')
