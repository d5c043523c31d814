"""sender_domains: a shop's own sender domain and its DKIM key

Optional per shop: the domain its mail may go out From once the DKIM and SPF records are
published and checked, the key pair (the private key encrypted like the platform tokens),
the selector and the last check's verdicts. Goes with the shop (ON DELETE CASCADE).

Revision ID: 0024_sender_domains
Revises: 0023_order_status_views
Create Date: 2026-12-07 15:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0024_sender_domains'
down_revision = '0023_order_status_views'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sender_domains',
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('domain', sa.String(length=253), nullable=False),
        sa.Column('local_part', sa.String(length=64), nullable=False),
        sa.Column('selector', sa.String(length=63), nullable=False),
        sa.Column('private_key', sa.Text(), nullable=False),
        sa.Column('public_key', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('verified_at', sa.DateTime(), nullable=True),
        sa.Column('checked_at', sa.DateTime(), nullable=True),
        sa.Column('last_check', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('shop_id'),
    )


def downgrade() -> None:
    op.drop_table('sender_domains')
