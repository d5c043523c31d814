"""follow-up kinds: refunds as events, clicks on tracked mail links

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 09:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('platform_refund_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('returned', sa.Boolean(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_refunds_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
    sa.UniqueConstraint('order_id', 'platform_refund_id', name=op.f('uq_refunds_order_id_platform_refund_id'))
    )
    with op.batch_alter_table('scheduled_messages') as batch:
        batch.add_column(sa.Column('clicked_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('scheduled_messages') as batch:
        batch.drop_column('clicked_at')
    op.drop_table('refunds')
