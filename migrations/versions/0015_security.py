"""proof of a custom domain, and the addresses a shop may send test mails to

custom_domain_verified_at: a host serves a shop only after the shop proved it holds the
domain (a DNS TXT record; app/domain/shop/custom_domains.py). Domains set before this revision
were served unproven, so they start unverified and must be proven again.
test_recipients: a test send goes only to an address the merchant confirmed through a link
mailed to it (app/domain/privacy/test_recipients.py), so the admin is no open relay.

Revision ID: 0015_security
Revises: 0014_gaps
Create Date: 2026-12-07 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_security'
down_revision = '0014_gaps'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('shops') as batch:
        batch.add_column(sa.Column('custom_domain_verified_at', sa.DateTime(), nullable=True))
    op.create_table(
        'test_recipients',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('shop_id', sa.Integer(), sa.ForeignKey('shops.id', ondelete='CASCADE'), nullable=False),
        sa.Column('address', sa.String(320), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('shop_id', 'address'),
    )


def downgrade() -> None:
    op.drop_table('test_recipients')
    with op.batch_alter_table('shops') as batch:
        batch.drop_column('custom_domain_verified_at')
