"""scale indexes: a buyer's orders and mails, found without reading every row

load_history and sync_followups look up the buyer's other orders and mails by customer_id on
every order event, and the send job counts the buyer's recent marketing mail the same way.
Without these indexes each lookup read the whole orders / scheduled_messages table: at 1M
orders the cost per order grew with the table (`make scale`, README "Scale").

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-23 12:30:00
"""
from alembic import op

revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_orders_customer_id', 'orders', ['customer_id'])
    op.create_index('ix_scheduled_messages_customer_id', 'scheduled_messages', ['customer_id'])


def downgrade() -> None:
    op.drop_index('ix_scheduled_messages_customer_id', table_name='scheduled_messages')
    op.drop_index('ix_orders_customer_id', table_name='orders')
