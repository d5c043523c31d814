"""orders by shop and time placed: the index the analytics pages' period reads use

The Earnings page counts a period's orders in the database (GROUP BY, app/domain/analytics/earnings.py):
credited revenue per module and day, the cohort's repeat revenue, the currency. They select a
shop's orders by coalesce(placed_at, created_at); with this index that is a range read of the
period alone, however long the shop's history and however many other shops share the table.

Revision ID: 0025_analytics_indexes
Revises: 0024_sender_domains
Create Date: 2026-12-07 15:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0025_analytics_indexes'
down_revision = '0024_sender_domains'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_orders_shop_placed', 'orders',
                    ['shop_id', sa.text('coalesce(placed_at, created_at)')])


def downgrade() -> None:
    op.drop_index('ix_orders_shop_placed', table_name='orders')
