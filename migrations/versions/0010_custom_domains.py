"""custom domains: a shop's own host for its tracking page and lookup

Revision ID: 0010
Revises: 0012
Create Date: 2026-12-01 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('shops') as batch:
        batch.add_column(sa.Column('custom_domain', sa.String(length=253), nullable=True))
        batch.create_unique_constraint(batch.f('uq_shops_custom_domain'), ['custom_domain'])


def downgrade() -> None:
    with op.batch_alter_table('shops') as batch:
        batch.drop_constraint(batch.f('uq_shops_custom_domain'), type_='unique')
        batch.drop_column('custom_domain')
