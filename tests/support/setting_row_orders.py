"""Before a setting row's page opens (tests/support/setting_rows.py): its module switched on
with what it needs, and the real order whose block or next mail must follow the setting."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta, timezone
from typing import Any

from app.domain.arrival.work_calendars import is_working_day
from app.domain.followups.sync import sync_followups
from app.domain.shop.module_changes import save_derived, save_module
from app.extensions import db
from app.models import MessageState, Order, OrderLine, Refund, ScheduledMessage, Shop, SurveyAnswer
from app.presenters import shop_zone
from app.web.admin.live_preview import SAMPLE_RECOMMENDATIONS, sample_placed_at
from tests.support.factories import add_parcel, carrier_scan, make_order, mark_sent
from tests.support.setting_rows import Row

# What a module needs stored before any of its rows can show: how-to mail is planned only
# with advice, replenishment only with an interval.
NEEDS: dict[str, dict[str, Any]] = {
    "mail_how_to": {"content": {"de": "Kalt waschen.", "en": "Wash cold."}},
    "mail_replenishment": {"intervals": {"501": 30}},
    "banner": {"title": {"de": "Neu im Laden"}, "text": {"de": "Leinen für den Sommer."}},
}


def prepare(shop: Shop, row: Row, now: datetime) -> Order:
    """Switch the row's module on with what it needs stored, and make its real order."""
    stored = {**NEEDS.get(row.module, {}), **row.stored}
    save_module(db.session, shop, row.module, enabled=True, settings=stored)
    if row.module == "recommendations":
        save_derived(shop, "recommendations", SAMPLE_RECOMMENDATIONS)
    if row.module == "survey" and row.setting.startswith("voucher"):
        save_module(db.session, shop, "mail_nps", enabled=False)
    order = ORDERS[row.order](shop, now)
    db.session.flush()
    sync_followups(db.session, [order], now)
    db.session.commit()
    return order


def _order(shop: Shop, now: datetime, *, locale: str = "de", consent: str = "granted",
           status: str = "delivered", placed_at: datetime | None = None) -> Order:
    order = make_order(shop, platform_order_id=f"r{now.timestamp():.0f}",
                       placed_at=placed_at or now - timedelta(days=2), status=status,
                       shipping_country="DE", financial_status="paid", lines=())
    order.lines.append(OrderLine(platform_line_id="l1", title="Leinenhemd", quantity=1, product_id="501",
                                 variant_id="9001"))
    order.customer.locale, order.customer.marketing_consent = locale, consent
    order.customer.consent_at = now - timedelta(days=2)
    return order


def _delivered(shop: Shop, now: datetime, **kwargs: Any) -> Order:
    order = _order(shop, now, **kwargs)
    parcel = add_parcel(order, status="delivered", shipped_at=now - timedelta(days=1),
                        delivered_at=now - timedelta(hours=1))
    carrier_scan(parcel, "delivered", now - timedelta(hours=1))
    order.fulfillment_status = "fulfilled"
    return order


def _parcel_in(status: str) -> Callable[[Shop, datetime], Order]:
    def build(shop: Shop, now: datetime) -> Order:
        order = _order(shop, now, status="shipped")
        parcel = add_parcel(order, status=status, shipped_at=now - timedelta(days=1))
        carrier_scan(parcel, status, now - timedelta(hours=1))
        order.fulfillment_status = "fulfilled"
        return order
    return build


def _shipped_unnamed(shop: Shop, now: datetime) -> Order:
    order = _order(shop, now, status="shipped")
    add_parcel(order, status="in_transit", carrier=None, shipped_at=now - timedelta(hours=5))
    return order


def _processing_at(moment: Callable[[Shop, datetime], datetime]) -> Callable[[Shop, datetime], Order]:
    def build(shop: Shop, now: datetime) -> Order:
        return _order(shop, now, status="processing", placed_at=moment(shop, now))
    return build


def holiday_of(country: str, region: str | None, shop: Shop, now: datetime) -> datetime:
    """10:00 (shop time) on the next weekday Germany works and `country`/`region` does not."""
    day = now.astimezone(shop_zone(shop)).date() + timedelta(days=1)
    while day.weekday() >= 5 or not is_working_day(day, "DE") or is_working_day(day, country, region):
        day += timedelta(days=1)
    return datetime.combine(day, time(10), shop_zone(shop)).astimezone(timezone.utc)


def _refund(returned: bool) -> Callable[[Shop, datetime], Order]:
    def build(shop: Shop, now: datetime) -> Order:
        order = _delivered(shop, now)
        order.refunds.append(Refund(platform_refund_id="rf1", created_at=now - timedelta(minutes=30),
                                    returned=returned, amount=order.total_price or 59))
        return order
    return build


def _review_sent(shop: Shop, now: datetime) -> Order:
    order = _delivered(shop, now)
    db.session.flush()
    sent = ScheduledMessage(shop_id=shop.id, order_id=order.id, customer_id=order.customer.id,
                            kind="review_request", sequence=0, stream="marketing",
                            send_at=now - timedelta(days=1), state=MessageState.PLANNED)
    db.session.add(sent)
    mark_sent(sent, now - timedelta(days=1))
    return order


def _answered(shop: Shop, now: datetime) -> Order:
    order = _delivered(shop, now)
    db.session.flush()
    db.session.add(SurveyAnswer(shop_id=shop.id, order_id=order.id, score=9, answered_at=now, updated_at=now))
    return order


ORDERS: dict[str, Callable[[Shop, datetime], Order]] = {
    "processing": _processing_at(lambda shop, now: sample_placed_at(shop, now)),
    "processing_on_at_holiday": _processing_at(lambda shop, now: holiday_of("AT", None, shop, now)),
    "processing_on_by_holiday": _processing_at(lambda shop, now: holiday_of("DE", "BY", shop, now)),
    "shipped_unnamed": _shipped_unnamed,
    "shipped": _parcel_in("in_transit"),
    "delivered": _delivered,
    "delivered_en": lambda shop, now: _delivered(shop, now, locale="en"),
    "delivered_unsubscribed": lambda shop, now: _delivered(shop, now, consent="unknown"),
    "delivered_unsubscribed_en": lambda shop, now: _delivered(shop, now, consent="unknown", locale="en"),
    "answered": _answered,
    "out_for_delivery": _parcel_in("out_for_delivery"),
    "ready_for_pickup": _parcel_in("available_for_pickup"),
    "not_shipped": _processing_at(lambda shop, now: now - timedelta(hours=1)),
    "delayed": _parcel_in("in_transit"),  # the carrier spoke an hour ago: stalled after the delay
    "return_received": _refund(True),
    "refund_issued": _refund(False),
    "review_reminder": _review_sent,
    **{kind: _delivered for kind in ("review_request", "thank_you", "how_to", "nps", "replenishment",
                                     "anniversary", "win_back", "referral")},
}


