"""facts versions: a counter per order and per shop, bumped when what the block shows changes

Revision ID: 0012
Revises: 0007
Create Date: 2026-11-23 11:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders') as batch:
        batch.add_column(sa.Column('facts_version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('shops') as batch:
        batch.add_column(sa.Column('facts_version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('shops') as batch:
        batch.drop_column('facts_version')
    with op.batch_alter_table('orders') as batch:
        batch.drop_column('facts_version')
