"""mail streams: suppression list, shop country and existing-customer exemption

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 09:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('suppressions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_suppressions_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppressions')),
    sa.UniqueConstraint('shop_id', 'email_hash', name=op.f('uq_suppressions_shop_id_email_hash'))
    )
    with op.batch_alter_table('shops') as batch:
        batch.add_column(sa.Column('country', sa.String(length=2), server_default='DE', nullable=False))
        batch.add_column(sa.Column('existing_customer_exemption', sa.Boolean(),
                                   server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('shops') as batch:
        batch.drop_column('existing_customer_exemption')
        batch.drop_column('country')
    op.drop_table('suppressions')
