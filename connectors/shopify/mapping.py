"""Shopify webhook payloads (REST-shaped JSON) → normalised events. Pure functions."""
from __future__ import annotations

from collections.abc import Callable
from functools import partial

from connectors.base import (
    FulfillmentEvent,
    LifecycleEvent,
    LineItem,
    OrderEvent,
    Parcel,
    ParsedEvent,
    RefundEvent,
    TrackingUpdate,
)
from connectors.links import web_link
from connectors.payloads import money, optional_timestamp, parse_by_topic
from connectors.shopify.statuses import carrier_reported, consent_state, shipment_status

ORDER_TOPICS = frozenset({
    "orders/create", "orders/updated", "orders/paid", "orders/cancelled",
    "orders/fulfilled", "orders/partially_fulfilled", "orders/edited",
})
FULFILLMENT_TOPICS = frozenset({"fulfillments/create", "fulfillments/update"})
LIFECYCLE_TOPICS = {
    "app/uninstalled": "uninstalled",
    "app/scopes_update": "scopes_update",
    "shop/redact": "shop_redact",
    "customers/redact": "customer_redact",
    "customers/data_request": "data_request",
}


def parse_webhook(topic: str, body: bytes) -> ParsedEvent:
    """Translate one verified webhook body; raise MalformedPayload when it does not fit."""
    return parse_by_topic(topic, body, MAPPERS)


def platform_id(value) -> str:
    """A Shopify id as an exact string; floats have already lost digits and are refused."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"invalid id {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        text = value.strip()
        return text.rsplit("/", 1)[-1] if text.startswith("gid://") else text
    raise ValueError(f"invalid id {value!r} ({type(value).__name__})")


def optional_id(value) -> str | None:
    return None if value in (None, "") else platform_id(value)


def order_event(p: dict) -> OrderEvent:
    customer = p.get("customer") or {}
    shipping = p.get("shipping_address") or {}
    locale = p.get("customer_locale") or None
    return OrderEvent(
        platform_order_id=platform_id(p["id"]),
        name=p.get("name"),
        currency=p.get("currency"),
        total_price=money(p.get("total_price")),
        financial_status=p.get("financial_status"),
        fulfillment_status=p.get("fulfillment_status"),
        placed_at=optional_timestamp(p.get("created_at")),
        updated_at=optional_timestamp(p.get("updated_at")),
        cancelled_at=optional_timestamp(p.get("cancelled_at")),
        email=(p.get("email") or p.get("contact_email") or customer.get("email") or None),
        platform_customer_id=optional_id(customer.get("id")),
        locale=locale[:10] if locale else None,
        shipping_country=(shipping.get("country_code") or None),
        marketing_consent=_marketing_consent(p, customer),
        marketing_state=consent_state((customer.get("email_marketing_consent") or {}).get("state")),
        marketing_consent_at=optional_timestamp(
            (customer.get("email_marketing_consent") or {}).get("consent_updated_at")),
        lines=tuple(_line(item) for item in p.get("line_items") or ()),
        fulfillments=tuple(
            fulfillment_event(f, order_id=p["id"]) for f in p.get("fulfillments") or ()
        ),
    )


def _marketing_consent(p: dict, customer: dict) -> bool | None:
    consent = customer.get("email_marketing_consent") or {}
    state = consent.get("state")
    if state:
        return state == "subscribed"
    if "buyer_accepts_marketing" in p:
        return bool(p["buyer_accepts_marketing"])
    return None


def _line(item: dict) -> LineItem:
    return LineItem(
        platform_line_id=platform_id(item["id"]),
        title=str(item.get("title") or item.get("name") or "")[:500],
        quantity=int(item.get("quantity") or 0),
        product_id=optional_id(item.get("product_id")),
        variant_id=optional_id(item.get("variant_id")),
        sku=item.get("sku") or None,
        price=money(item.get("price")),
        product_exists=item["product_exists"] if isinstance(item.get("product_exists"), bool) else None,
    )


def fulfillment_event(p: dict, order_id=None) -> FulfillmentEvent:
    numbers = list(p.get("tracking_numbers") or ([p["tracking_number"]] if p.get("tracking_number") else []))
    # A carrier link reaches buyers as an href: anything but an http(s) address is dropped here.
    urls = [web_link(u) for u in p.get("tracking_urls")
            or ([p["tracking_url"]] if p.get("tracking_url") else [])]
    carrier = p.get("tracking_company") or None
    parcels = tuple(
        Parcel(tracking_number=str(n), tracking_url=urls[i] if i < len(urls) else None, carrier=carrier)
        for i, n in enumerate(numbers)
    ) or (Parcel(tracking_number=None, tracking_url=urls[0] if urls else None, carrier=carrier),)
    return FulfillmentEvent(
        platform_order_id=platform_id(p["order_id"] if order_id is None else order_id),
        platform_fulfillment_id=platform_id(p["id"]),
        status=shipment_status(p.get("status"), p.get("shipment_status")),
        raw_status=p.get("shipment_status") or p.get("status"),
        parcels=parcels,
        created_at=optional_timestamp(p.get("created_at")),
        updated_at=optional_timestamp(p.get("updated_at")),
        line_items=tuple(
            (platform_id(li["id"]), int(li.get("quantity") or 0)) for li in p.get("line_items") or ()
        ),
        carrier_reported=carrier_reported(p.get("shipment_status")),
    )


def tracking_update(p: dict) -> TrackingUpdate:
    happened = optional_timestamp(p.get("happened_at")) or optional_timestamp(p.get("created_at"))
    if happened is None:
        raise ValueError("fulfillment event without happened_at")
    place = ", ".join(str(part) for part in (p.get("city"), p.get("country")) if part)
    return TrackingUpdate(
        platform_order_id=platform_id(p["order_id"]),
        platform_fulfillment_id=platform_id(p["fulfillment_id"]),
        status=shipment_status(None, p.get("status")),
        raw_status=p.get("status"),
        happened_at=happened,
        location=place or None,
        message=(str(p["message"])[:1000] if p.get("message") else None),
        estimated_delivery_at=optional_timestamp(p.get("estimated_delivery_at")),
    )


def refund_event(p: dict) -> RefundEvent:
    items = p.get("refund_line_items") or ()
    return RefundEvent(
        platform_order_id=platform_id(p["order_id"]),
        platform_refund_id=platform_id(p["id"]),
        created_at=optional_timestamp(p.get("created_at")),
        line_items=tuple((platform_id(i["line_item_id"]), int(i.get("quantity") or 0)) for i in items),
        returned=any(i.get("restock_type") == "return" for i in items),
    )


def lifecycle_event(kind: str, p: dict) -> LifecycleEvent:
    customer = p.get("customer") or {}
    return LifecycleEvent(
        kind=kind,
        shop_domain=p.get("shop_domain") or p.get("myshopify_domain") or p.get("domain"),
        customer_email=customer.get("email") or None,
        platform_order_ids=tuple(
            platform_id(i) for i in (p.get("orders_to_redact") or p.get("orders_requested") or ())
        ),
        scopes=tuple(str(s) for s in p.get("current") or ()),
        request_id=optional_id((p.get("data_request") or {}).get("id")),
    )


# Each topic's mapper (after the mappers, which it names).
MAPPERS: dict[str, Callable[[dict], ParsedEvent]] = {
    **dict.fromkeys(ORDER_TOPICS, order_event),
    **dict.fromkeys(FULFILLMENT_TOPICS, fulfillment_event),
    "fulfillment_events/create": tracking_update,
    "refunds/create": refund_event,
    **{topic: partial(lifecycle_event, kind) for topic, kind in LIFECYCLE_TOPICS.items()},
}
