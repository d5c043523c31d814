"""order_status_views: per order, the status views before delivery

The view counters (app/domain/analytics/engagement_counts.py) also count, per order not yet
delivered, the views of its block or tracking page; the fold adds them here. Order data,
nothing about who looked; it goes with its order.

Revision ID: 0023_order_status_views
Revises: 0022_redaction_indexes
Create Date: 2026-12-07 13:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0023_order_status_views'
down_revision = '0022_redaction_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'order_status_views',
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('views', sa.Integer(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('order_id'),
    )
    op.create_index('ix_order_status_views_shop_id', 'order_status_views', ['shop_id'])


def downgrade() -> None:
    op.drop_index('ix_order_status_views_shop_id', table_name='order_status_views')
    op.drop_table('order_status_views')
