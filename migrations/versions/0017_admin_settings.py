"""merchant admin: the shop's support address and the log of setting changes

shops.support_email: the Reply-To of every mail (buyers' answers reach the shop); marketing
mail waits for it. setting_changes: who changed which setting when, from the admin (secrets
only as "changed"), newest first per shop.

Revision ID: 0017_admin_settings
Revises: 0016_tracking
Create Date: 2026-12-08 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0017_admin_settings'
down_revision = '0016_tracking'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('shops') as batch:
        batch.add_column(sa.Column('support_email', sa.String(254), nullable=True))
    op.create_table(
        'setting_changes',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('shop_id', sa.Integer(), sa.ForeignKey('shops.id', ondelete='CASCADE'), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('actor', sa.String(100), nullable=False),
        sa.Column('area', sa.String(60), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
    )
    op.create_index('ix_setting_changes_shop_at', 'setting_changes', ['shop_id', 'at'])


def downgrade() -> None:
    op.drop_index('ix_setting_changes_shop_at', table_name='setting_changes')
    op.drop_table('setting_changes')
    with op.batch_alter_table('shops') as batch:
        batch.drop_column('support_email')
