"""what the app earns: view and click counts, click records for attribution, the holdout salt

engagement_counts: views and clicks per shop, day, surface and module (aggregates only).
module_clicks: clicks on attributable links, kept for the attribution window only.
order_attributions: the module an order is credited to. shops.holdout_salt: salts the
stable hash that puts an order in the holdout; existing shops get their own random salt.

Revision ID: 0021_engagement
Revises: 0020_mail_outcomes
Create Date: 2026-12-07 12:00:00
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0021_engagement'
down_revision = '0020_mail_outcomes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('shops') as batch:
        batch.add_column(sa.Column('holdout_salt', sa.String(32), nullable=True))
    shops = sa.table('shops', sa.column('id', sa.Integer), sa.column('holdout_salt', sa.String))
    conn = op.get_bind()
    for (shop_id,) in conn.execute(sa.select(shops.c.id)).all():
        conn.execute(shops.update().where(shops.c.id == shop_id).values(holdout_salt=secrets.token_hex(16)))
    op.create_table(
        'engagement_counts',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('shop_id', sa.Integer(), sa.ForeignKey('shops.id', ondelete='CASCADE'), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('surface', sa.String(16), nullable=False),
        sa.Column('module', sa.String(40), nullable=False),
        sa.Column('views', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('clicks', sa.Integer(), nullable=False, server_default='0'),
        sa.UniqueConstraint('shop_id', 'day', 'surface', 'module'),
    )
    op.create_table(
        'module_clicks',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('shop_id', sa.Integer(), sa.ForeignKey('shops.id', ondelete='CASCADE'), nullable=False),
        sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customers.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('source_order_id', sa.Integer(), sa.ForeignKey('orders.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('module', sa.String(40), nullable=False),
        sa.Column('from_mail', sa.Boolean(), nullable=False),
        sa.Column('clicked_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_module_clicks_buyer', 'module_clicks', ['shop_id', 'customer_id', 'clicked_at'])
    op.create_index('ix_module_clicks_clicked', 'module_clicks', ['clicked_at'])
    op.create_table(
        'order_attributions',
        sa.Column('order_id', sa.Integer(), sa.ForeignKey('orders.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('shop_id', sa.Integer(), sa.ForeignKey('shops.id', ondelete='CASCADE'), nullable=False),
        sa.Column('module', sa.String(40), nullable=False),
        sa.Column('from_mail', sa.Boolean(), nullable=False),
        sa.Column('clicked_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_order_attributions_shop', 'order_attributions', ['shop_id', 'module'])


def downgrade() -> None:
    op.drop_index('ix_order_attributions_shop', table_name='order_attributions')
    op.drop_table('order_attributions')
    op.drop_index('ix_module_clicks_clicked', table_name='module_clicks')
    op.drop_index('ix_module_clicks_buyer', table_name='module_clicks')
    op.drop_table('module_clicks')
    op.drop_table('engagement_counts')
    with op.batch_alter_table('shops') as batch:
        batch.drop_column('holdout_salt')
