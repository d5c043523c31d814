"""The poller's bookkeeping on parcels (next look, looks, end) and its call counts.

Core statements, not the ORM: when a parcel is asked about next is no fact the block shows,
so writing it must not bump the order's facts version (app/domain/orders/facts_versions.py) and
empty the block's cache. A parcel is only touched while it still has the number it was
asked about (a new number makes it due afresh, see app/models/shipment.py).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, update

from app.db.base import insert_for
from app.domain.orders.facts_versions import FACTS_UNCHANGED
from app.extensions import db
from app.models import Shipment, TrackingUsage

_SHIPMENTS = Shipment.metadata.tables[Shipment.__tablename__]  # the Table: Core statements
# Said on each statement on shipments (app/domain/orders/facts_versions.py, tests/support/facts_guard.py).
_UNSHOWN = {FACTS_UNCHANGED: "the poller's bookkeeping on a parcel: no block or mail shows it"}


def record_looks(rows: list[dict]) -> None:
    """Parcels just asked about: {_id, _number, _next, _provider, _registered, _stopped} each."""
    if rows:
        db.session.execute(
            update(_SHIPMENTS).where(_SHIPMENTS.c.id == bindparam("_id"),
                                     _SHIPMENTS.c.tracking_number == bindparam("_number"))
            .values(next_poll_at=bindparam("_next"), poll_count=_SHIPMENTS.c.poll_count + 1,
                    tracking_provider=bindparam("_provider"), registered_at=bindparam("_registered"),
                    tracking_stopped_at=bindparam("_stopped")).execution_options(**_UNSHOWN), rows)


def stop(rows, now: datetime) -> None:
    """No more looks at these parcels (rows with an `id`)."""
    if rows:
        db.session.execute(
            update(_SHIPMENTS).where(_SHIPMENTS.c.id == bindparam("_id"))
            .values(next_poll_at=None, tracking_stopped_at=bindparam("_now"))
            .execution_options(**_UNSHOWN),
            [{"_id": row.id, "_now": now} for row in rows])


def defer(deferrals: list[tuple]) -> None:
    """(row with `id` and `number`, when): the next look at each parcel, nothing else."""
    if deferrals:
        db.session.execute(
            update(_SHIPMENTS).where(_SHIPMENTS.c.id == bindparam("_id"),
                                     _SHIPMENTS.c.tracking_number == bindparam("_number"))
            .values(next_poll_at=bindparam("_next")).execution_options(**_UNSHOWN),
            [{"_id": row.id, "_number": row.number, "_next": at} for row, at in deferrals])


def heard(shipment_id: int, next_at: datetime | None, now: datetime) -> None:
    """A provider pushed news: the safety net counts from now (or following the parcel ends)."""
    db.session.execute(update(_SHIPMENTS).where(_SHIPMENTS.c.id == shipment_id).values(
        next_poll_at=next_at, **({} if next_at else {"tracking_stopped_at": now}))
        .execution_options(**_UNSHOWN))


def count_call(shop_id: int, provider: str, lookups: int, now: datetime) -> None:
    """One call to `provider` for the shop's parcels (`lookups` of them) in this month's count."""
    table = TrackingUsage.__table__
    stmt = insert_for(db.dialect)(table).values(shop_id=shop_id, provider=provider,
                                                month=now.strftime("%Y-%m"),
                                                calls=1, lookups=lookups)
    db.session.execute(stmt.on_conflict_do_update(
        index_elements=["shop_id", "provider", "month"],
        set_={"calls": table.c.calls + stmt.excluded.calls,
              "lookups": table.c.lookups + stmt.excluded.lookups}))
