"""Made-up orders in each main state, for previews and test sends; never stored.

They are read-model views (app/read_model/views.py), the shape the presenter and the mail
renderer read for stored orders too; being frozen views of no row, no sample can reach the
database. A sample message is marked `sample`: its links act on nobody.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from app.domain.followups.mail_kinds import KINDS
from app.models import Shop
from app.models.states import MessageState
from app.read_model.from_orm import shop_view
from app.read_model.views import (
    CustomerView,
    EventView,
    LineView,
    MessageView,
    OrderView,
    ParcelView,
    ShopView,
)

SAMPLE_STATES = ("processing", "shipped", "out_for_delivery", "delivered", "cancelled")
SAMPLE_EMAIL = "kundin@example.com"
# Which sample order each mail kind is about.
KIND_STATE = {"shipped": "shipped", "review_request": "delivered", "not_shipped": "processing"}
PARCEL_ID = 1
SAMPLE_ORDER_ID = 0


def _parcel(status: str, now: datetime) -> ParcelView:
    shipped = now - timedelta(days=2)
    delivered = now - timedelta(hours=3) if status == "delivered" else None
    event = EventView(id=None, shipment_id=PARCEL_ID, status=status,
                      happened_at=delivered or now - timedelta(hours=5), location="Hamburg",
                      source="provider:dhl", message=None)  # a scan the carrier reported
    return ParcelView(id=PARCEL_ID, order_id=SAMPLE_ORDER_ID, parcel_index=0,
                      status=status, sub_status=None, carrier="DHL", tracking_number="00340434161094042557",
                      tracking_url=None, shipped_at=shipped, delivered_at=delivered, events=(event,),
                      line_items=[["l1", 1]], pickup_point=None, edd_start=None, edd_end=None,
                      edd_source=None)


PARCEL_STATUS = {"shipped": "in_transit", "out_for_delivery": "out_for_delivery", "delivered": "delivered"}


def _shop(shop: Shop | ShopView) -> ShopView:
    return shop if isinstance(shop, ShopView) else shop_view(shop)


def sample_order(shop: Shop | ShopView, state: str, locale: str, now: datetime,
                 email: str = SAMPLE_EMAIL) -> OrderView:
    """An order of `shop` in `state` (one of SAMPLE_STATES) for a buyer speaking `locale`."""
    shop = _shop(shop)
    customer = CustomerView(id=None, shop_id=shop.id, email=email, locale=locale,
                            marketing_consent="granted", suppressed_reason=None)
    shipments = (_parcel(PARCEL_STATUS[state], now),) if state in PARCEL_STATUS else ()
    placed = now - timedelta(days=4)
    return OrderView(
        id=SAMPLE_ORDER_ID, shop_id=shop.id, shop=shop, status=state, locale=locale, customer=customer,
        customer_id=None, name="#1001", platform_order_id="1001", platform_order_key="wc_order_sample",
        financial_status="paid", placed_at=placed, created_at=placed, currency="EUR",
        fulfillment_status="fulfilled" if shipments else None,
        total_price=Decimal("59.90"), shipping_country=shop.country or "DE", shipments=shipments,
        lines=(LineView(id=None, order_id=SAMPLE_ORDER_ID, platform_line_id="l1", title="Leinenhemd",
                        product_id="501", variant_id="9001", sku=None, quantity=1,
                        image_url=None),),
        refunds=(), cancelled_at=now - timedelta(days=3) if state == "cancelled" else None, refunded_at=None,
        facts_version=0, survey_answer=None)


def sample_message(shop: Shop | ShopView, kind_key: str, locale: str, now: datetime,
                   email: str = SAMPLE_EMAIL) -> MessageView:
    """A scheduled message of `kind_key` about the matching sample order, as the sender sees it;
    `sample`: its unsubscribe link leads to a notice instead (app/links/unsubscribe.py)."""
    kind = KINDS[kind_key]
    order = sample_order(shop, KIND_STATE.get(kind_key, "delivered"), locale, now, email)
    return MessageView(id=0, shop_id=order.shop_id, order_id=order.id, order=order, customer=order.customer,
                       customer_id=None, kind=kind.key, stream=kind.stream,
                       sequence=PARCEL_ID if kind_key == "shipped" else 0, send_at=now,
                       stale_after_seconds=None,
                       state=MessageState.PLANNED, attempts=0, sent_at=None, sample=True)
