"""shop token expiry, reauth flag, reconciliation cursor

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 08:05:14.206371
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refresh_token_expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('needs_reauth_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reconciled_through', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.drop_column('reconciled_through')
        batch_op.drop_column('needs_reauth_at')
        batch_op.drop_column('refresh_token_expires_at')
