"""unique vouchers: the single-use codes created on the platform, one per message or survey

issued_vouchers: reserved before the platform is asked (code, value, expiry), marked issued
once it answered; unique per (order, purpose) so a retried send reuses its code.

Revision ID: 0019_unique_vouchers
Revises: 0018_line_images
Create Date: 2026-12-07 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_unique_vouchers'
down_revision = '0018_line_images'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'issued_vouchers',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('shop_id', sa.Integer(), sa.ForeignKey('shops.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('order_id', sa.Integer(), sa.ForeignKey('orders.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('purpose', sa.String(60), nullable=False),
        sa.Column('code', sa.String(64), nullable=False),
        sa.Column('discount', sa.String(10), nullable=False),
        sa.Column('value', sa.Numeric(12, 2), nullable=False),
        sa.Column('minimum_order', sa.Numeric(12, 2), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('platform_id', sa.String(120), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('order_id', 'purpose'),
    )


def downgrade() -> None:
    op.drop_table('issued_vouchers')
