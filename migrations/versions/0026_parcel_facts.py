"""parcel_facts: each parcel's figures for the Carriers and WISMO pages, with a backfill

One row per shipment that left or was delivered (app/models/parcel_fact.py), written since
this revision by the session's flush hook (app/domain/arrival/parcel_records.py). The pages
GROUP BY carrier × country over a range of one shop's rows (indexes by shop and local ship
day, local delivery day, delivery moment) instead of reading every parcel and its events.

The parcels that exist already are filled here by the app's own `fill_parcel_facts` (the same
code the hook runs), only when there are any: an empty database never loads the app's models.
`flask shops parcel-facts [SHOP_ID...]` does the same by hand (after a bulk load, or to redo the figures
with a shop's changed delivery rule or stall delay).

Revision ID: 0026_parcel_facts
Revises: 0025_analytics_indexes
Create Date: 2026-12-07 18:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0026_parcel_facts'
down_revision = '0025_analytics_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'parcel_facts',
        sa.Column('shipment_id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('departed', sa.Boolean(), nullable=False),
        sa.Column('carrier', sa.String(length=90), nullable=False),
        sa.Column('carrier_name', sa.String(length=120), nullable=False),
        sa.Column('country', sa.String(length=8), nullable=False),
        sa.Column('ship_day', sa.Date(), nullable=True),
        sa.Column('reported', sa.Boolean(), nullable=False),
        sa.Column('delivered_day', sa.Date(), nullable=True),
        sa.Column('delivered_week', sa.Date(), nullable=True),
        sa.Column('transit', sa.Integer(), nullable=True),
        sa.Column('no_carrier_data', sa.Boolean(), nullable=False),
        sa.Column('on_time', sa.Boolean(), nullable=True),
        sa.Column('inside_rule', sa.Boolean(), nullable=True),
        sa.Column('exception', sa.Boolean(), nullable=False),
        sa.Column('attempt_failed', sa.Boolean(), nullable=False),
        sa.Column('stalled', sa.Boolean(), nullable=False),
        sa.Column('stall_due_at', sa.DateTime(), nullable=True),
        sa.Column('delivered_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_parcel_facts_order_id_orders'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'],
                                name=op.f('fk_parcel_facts_shipment_id_shipments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_parcel_facts_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('shipment_id', name=op.f('pk_parcel_facts')),
    )
    op.create_index('ix_parcel_facts_shop_ship_day', 'parcel_facts', ['shop_id', 'ship_day'])
    op.create_index('ix_parcel_facts_shop_delivered_day', 'parcel_facts', ['shop_id', 'delivered_day'])
    op.create_index('ix_parcel_facts_shop_delivered_at', 'parcel_facts', ['shop_id', 'delivered_at'])
    connection = op.get_bind()
    if connection.execute(sa.text("SELECT 1 FROM shipments LIMIT 1")).first() is None:
        return
    from sqlalchemy.orm import Session

    from app.domain.arrival.parcel_records import fill_parcel_facts
    fill_parcel_facts(Session(bind=connection))


def downgrade() -> None:
    op.drop_index('ix_parcel_facts_shop_delivered_at', table_name='parcel_facts')
    op.drop_index('ix_parcel_facts_shop_delivered_day', table_name='parcel_facts')
    op.drop_index('ix_parcel_facts_shop_ship_day', table_name='parcel_facts')
    op.drop_table('parcel_facts')
