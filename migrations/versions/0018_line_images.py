"""order lines: the product's picture

order_lines.image_url: the picture the platform names for the line (WooCommerce `image.src`,
Shopify GraphQL `image.url`), shown beside what travels in each parcel.

Revision ID: 0018_line_images
Revises: 0017_admin_settings
Create Date: 2026-12-07 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0018_line_images'
down_revision = '0017_admin_settings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('order_lines') as batch:
        batch.add_column(sa.Column('image_url', sa.String(2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('order_lines') as batch:
        batch.drop_column('image_url')
