"""Made-up orders in each main state, for previews and test sends; never stored.

They are plain objects with the attributes the presenter and the mail renderer read, so
no sample can reach the database through a relationship cascade.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from app.domain.followups.mail_kinds import KINDS

SAMPLE_STATES = ("processing", "shipped", "out_for_delivery", "delivered", "cancelled")
SAMPLE_EMAIL = "kundin@example.com"
# Which sample order each mail kind is about.
KIND_STATE = {"shipped": "shipped", "review_request": "delivered", "not_shipped": "processing"}
PARCEL_ID = 1


def _parcel(status: str, now: datetime) -> SimpleNamespace:
    shipped = now - timedelta(days=2)
    delivered = now - timedelta(hours=3) if status == "delivered" else None
    event = SimpleNamespace(status=status, happened_at=delivered or now - timedelta(hours=5), location="Hamburg",
                            source="provider:dhl", message=None)  # a scan the carrier reported
    return SimpleNamespace(id=PARCEL_ID, status=status, carrier="DHL", tracking_number="00340434161094042557",
                           tracking_url=None, shipped_at=shipped, delivered_at=delivered, events=[event],
                           line_items=[["l1", 1]], pickup_point=None,
                           edd_start=None, edd_end=None, edd_source=None)


PARCEL_STATUS = {"shipped": "in_transit", "out_for_delivery": "out_for_delivery", "delivered": "delivered"}


def sample_order(shop, state: str, locale: str, now: datetime, email: str = SAMPLE_EMAIL) -> SimpleNamespace:
    """An order of `shop` in `state` (one of SAMPLE_STATES) for a buyer speaking `locale`."""
    customer = SimpleNamespace(id=None, email=email, locale=locale, platform_customer_id=None,
                               marketing_consent="granted", suppressed_reason=None)
    shipments = [_parcel(PARCEL_STATUS[state], now)] if state in PARCEL_STATUS else []
    placed = now - timedelta(days=4)
    return SimpleNamespace(
        id=0, shop_id=shop.id, shop=shop, status=state, locale=locale, customer=customer, customer_id=None,
        name="#1001", platform_order_id="1001", platform_order_key="wc_order_sample", financial_status="paid",
        placed_at=placed, created_at=placed, currency="EUR",
        fulfillment_status="fulfilled" if shipments else None,
        total_price=Decimal("59.90"), shipping_country=shop.country or "DE", shipments=shipments,
        lines=[SimpleNamespace(id=None, platform_line_id="l1", title="Leinenhemd", product_id="501",
                               variant_id="9001", quantity=1, image_url=None)], refunds=[],
        cancelled_at=now - timedelta(days=3) if state == "cancelled" else None, refunded_at=None,
        survey_answer=None)


def sample_message(shop, kind_key: str, locale: str, now: datetime, email: str = SAMPLE_EMAIL):
    """A scheduled message of `kind_key` about the matching sample order, as the sender sees it.

    `preview` marks it for the links that would act on a real buyer: its unsubscribe link
    leads to a notice instead (app/links/unsubscribe.py).
    """
    kind = KINDS[kind_key]
    order = sample_order(shop, KIND_STATE.get(kind_key, "delivered"), locale, now, email)
    return SimpleNamespace(id=0, shop_id=shop.id, order=order, customer=order.customer, customer_id=None,
                           kind=kind.key, stream=kind.stream, sequence=PARCEL_ID if kind_key == "shipped" else 0,
                           preview=True)
