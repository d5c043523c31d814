"""Save a module switch or its settings, and re-plan mail when a switch changes."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain.followups.sync import sync_followups
from app.domain.shop.modules import module_enabled
from app.models import MessageState, Order, ScheduledMessage, Shop, ShopModule

# Re-planning runs inside the merchant's request: bounded, newest orders first. Older
# orders are healed by the send-time re-check (a switched-off kind is skipped anyway).
REPLAN_LIMIT = 500
REPLAN_WINDOW = timedelta(days=45)


def _module_row(shop: Shop, key: str) -> ShopModule:
    row = next((m for m in shop.modules if m.key == key), None)
    if row is None:
        row = ShopModule(key=key, enabled=module_enabled(shop, key), settings={})
        shop.modules.append(row)
    return row


def save_module(session: Session, shop: Shop, key: str, enabled: bool | None = None,
                settings: dict | None = None) -> bool:
    """Store the switch and/or settings; return True when the switch flipped."""
    was = module_enabled(shop, key)
    row = _module_row(shop, key)
    if enabled is not None:
        row.enabled = enabled
    if settings is not None:
        # A new dict, so SQLAlchemy sees the JSON column change.
        row.settings = {**(row.settings or {}), **settings}
    return row.enabled != was


def save_derived(shop: Shop, key: str, derived: dict) -> None:
    """Store what a job computed for the module, beside its switch and settings."""
    _module_row(shop, key).derived = derived


def replan_open_orders(session: Session, shop: Shop, now: datetime) -> int:
    """Re-diff the plans of the shop's live orders (pending mail or recent); return how many."""
    session.flush()
    pending = select(ScheduledMessage.order_id).where(
        ScheduledMessage.shop_id == shop.id, ScheduledMessage.state == MessageState.PLANNED)
    orders = session.scalars(
        select(Order).where(Order.shop_id == shop.id, Order.cancelled_at.is_(None),
                            or_(Order.id.in_(pending), Order.created_at >= now - REPLAN_WINDOW))
        .order_by(Order.id.desc()).limit(REPLAN_LIMIT)
    ).all()
    sync_followups(session, orders, now)
    return len(orders)
