"""Which module earned an order: the buyer's last click on an attributed link (reorder,
recommendations, banner, any mail link) within the window before the order, on another order
of the same customer. Opens are never seen, so they never earn credit.

A click row lives only as long as an order could still be credited to it (its window plus
GRACE for a late order webhook); then it is deleted and only the day's click count stays.
Revenue is read when reported, net of refunds and cancellations (app/domain/analytics/earnings.py).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select

from app.domain.analytics.engagement_counts import count_click
from app.domain.shop.modules import MEASUREMENT, module_settings
from app.links.module_clicks import ATTRIBUTED_ON_PAGE, Click
from app.models import Order, OrderAttribution, Shop
from app.models.engagement import ModuleClick

MAX_WINDOW_DAYS = 30
DEFAULT_WINDOWS = {"window_on_page_days": 1, "window_mail_days": 5}
# An order may reach us this long after it was placed (a retried or reconciled webhook).
GRACE = timedelta(days=2)


def windows(shop) -> tuple[timedelta, timedelta]:
    """(after an on-page click, after a mail click); a stored value out of range counts as
    the default."""
    settings = module_settings(shop, MEASUREMENT)
    found = []
    for name, default in DEFAULT_WINDOWS.items():
        value = settings.get(name)
        found.append(timedelta(value if type(value) is int and 1 <= value <= MAX_WINDOW_DAYS else default))
    return found[0], found[1]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def record_click(session, click: Click, now: datetime) -> bool:
    """Count the click; keep it for attribution when its module earns credit and the order
    names a customer of the shop. Whether a click row was kept; the caller commits."""
    order = session.get(Order, click.order_id)
    if order is None or order.shop_id != click.shop_id:
        return False
    count_click(click.shop_id, "mail" if click.from_mail else "onpage", click.module)
    if not click.attributed or order.customer_id is None:
        return False
    session.add(ModuleClick(shop_id=order.shop_id, customer_id=order.customer_id,
                            source_order_id=order.id, module=click.module,
                            from_mail=click.from_mail, clicked_at=now))
    return True


def attribute_orders(session, shop: Shop, now: datetime) -> int:
    """Credit the shop's orders that reached us since the longest window (and GRACE) began
    and have no credit yet; the orders credited. The caller commits."""
    on_page, mail = windows(shop)
    since = now - max(on_page, mail) - GRACE
    credited = select(OrderAttribution.order_id).where(OrderAttribution.shop_id == shop.id)
    orders = session.execute(
        select(Order.id, Order.customer_id, Order.placed_at, Order.created_at)
        .where(Order.shop_id == shop.id, Order.customer_id.is_not(None), Order.created_at >= since,
               Order.id.not_in(credited))).all()
    if not orders:
        return 0
    earliest = min(_aware(order.placed_at or order.created_at) for order in orders)
    c = ModuleClick
    clicks: dict[int, list] = {}
    for click in session.execute(
            select(c.customer_id, c.source_order_id, c.module, c.from_mail, c.clicked_at)
            .where(c.shop_id == shop.id, c.clicked_at >= earliest - max(on_page, mail),
                   c.from_mail.is_(True) | c.module.in_(ATTRIBUTED_ON_PAGE))
            .order_by(c.clicked_at, c.id)).all():
        clicks.setdefault(click.customer_id, []).append(click)
    count = 0
    for order in orders:
        placed = _aware(order.placed_at or order.created_at)
        eligible = [
            click for click in clicks.get(order.customer_id, ()) if click.source_order_id != order.id
            and placed - (mail if click.from_mail else on_page) <= _aware(click.clicked_at) <= placed]
        if eligible:
            last = eligible[-1]  # ordered by time (then as recorded): the last click wins
            session.add(OrderAttribution(order_id=order.id, shop_id=shop.id, module=last.module,
                                         from_mail=last.from_mail, clicked_at=last.clicked_at))
            count += 1
    return count


def purge_clicks(session, shop: Shop, now: datetime) -> int:
    """Delete the shop's click rows no order can be credited to any more; the rows deleted."""
    on_page, mail = windows(shop)
    gone = 0
    for from_mail, window in ((False, on_page), (True, mail)):
        gone += session.execute(delete(ModuleClick).where(
            ModuleClick.shop_id == shop.id, ModuleClick.from_mail.is_(from_mail),
            ModuleClick.clicked_at < now - window - GRACE)).rowcount
    return gone
