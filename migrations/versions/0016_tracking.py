"""carrier tracking through providers (DHL Unified, 17TRACK)

tracking_provider_keys: a shop's own provider keys (encrypted like its tokens); app-wide
default keys come from the environment. tracking_usage: provider calls per shop and month.
shipments: who follows the parcel, when it is asked next (indexed: the poller's queue), how
often it was asked, when a pushing provider took it, when following it ended, and what the
carrier adds (pickup point, who signed). tracking_number indexed for pushes, which name the
parcel by its number. Parcels on their way at upgrade time are due at once.

Revision ID: 0016_tracking
Revises: 0015_security
Create Date: 2026-12-07 12:00:00
"""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision = '0016_tracking'
down_revision = '0015_security'
branch_labels = None
depends_on = None

FINAL = ('delivered', 'returned', 'cancelled', 'pending')


def upgrade() -> None:
    op.create_table(
        'tracking_provider_keys',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('shop_id', sa.Integer(), sa.ForeignKey('shops.id', ondelete='CASCADE'), nullable=False),
        sa.Column('provider', sa.String(20), nullable=False),
        sa.Column('api_key', sa.Text(), nullable=False),  # EncryptedText (app/keys/encryption.py)
        sa.Column('verified_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.String(255), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('shop_id', 'provider'),
    )
    op.create_table(
        'tracking_usage',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('shop_id', sa.Integer(), sa.ForeignKey('shops.id', ondelete='CASCADE'), nullable=False),
        sa.Column('provider', sa.String(20), nullable=False),
        sa.Column('month', sa.String(7), nullable=False),
        sa.Column('calls', sa.Integer(), nullable=False),
        sa.Column('lookups', sa.Integer(), nullable=False),
        sa.UniqueConstraint('shop_id', 'provider', 'month'),
    )
    with op.batch_alter_table('shipments') as batch:
        batch.add_column(sa.Column('tracking_provider', sa.String(20), nullable=True))
        batch.add_column(sa.Column('next_poll_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('poll_count', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('registered_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('tracking_stopped_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('pickup_point', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('signed_by', sa.String(255), nullable=True))
    op.create_index('ix_shipments_next_poll_at', 'shipments', ['next_poll_at'])
    op.create_index('ix_shipments_tracking_number', 'shipments', ['tracking_number'])
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.get_bind().execute(
        sa.text("UPDATE shipments SET next_poll_at = :now WHERE tracking_number IS NOT NULL "
                "AND status NOT IN :final AND shipped_at >= :since")
        .bindparams(sa.bindparam('final', expanding=True)),
        {"now": now, "final": list(FINAL), "since": now - timedelta(days=30)})


def downgrade() -> None:
    op.drop_index('ix_shipments_tracking_number', table_name='shipments')
    op.drop_index('ix_shipments_next_poll_at', table_name='shipments')
    with op.batch_alter_table('shipments') as batch:
        for column in ('signed_by', 'pickup_point', 'tracking_stopped_at', 'registered_at', 'poll_count',
                       'next_poll_at', 'tracking_provider'):
            batch.drop_column(column)
    op.drop_table('tracking_usage')
    op.drop_table('tracking_provider_keys')
