"""WooCommerce REST v3 order JSON (the webhook body) → normalised events. Pure functions.

A WooCommerce delivery carries the order's current state, not an event snapshot: one
order payload gives the order, its lines, its refunds (`refunds[]`) and its parcels (the
Shipment Tracking / Advanced Shipment Tracking meta `_wc_shipment_tracking_items`).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from connectors.base import (
    CatalogueProduct,
    FulfillmentEvent,
    IgnoredEvent,
    LifecycleEvent,
    LineItem,
    OrderEvent,
    Parcel,
    ParsedEvent,
    RefundEvent,
    ShipmentStatus,
)
from connectors.links import web_link
from connectors.payloads import money, optional_timestamp, parse_by_topic
from connectors.woocommerce.statuses import (
    TRACKSHIP_META_KEYS,
    TRACKSHIP_STATUS,
    OrderStatusMeaning,
    order_status,
)

ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.restored"})
TRACKING_META_KEY = "_wc_shipment_tracking_items"


def parse_webhook(topic: str, body: bytes) -> ParsedEvent:
    """Translate one verified webhook body; raise MalformedPayload when it does not fit."""
    return parse_by_topic(topic, body, MAPPERS)


def platform_id(value) -> str:
    """A WooCommerce id (a positive integer, sometimes as a string) as a string."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"invalid id {value!r}")
    if isinstance(value, int) and value > 0:
        return str(value)
    if isinstance(value, str) and value.strip().isdigit() and int(value) > 0:
        return value.strip()
    raise ValueError(f"invalid id {value!r} ({type(value).__name__})")


def optional_id(value) -> str | None:
    """0 / "" / null mean "none" (guest customer, no variation)."""
    return None if value in (None, "", 0, "0") else platform_id(value)


def _gmt(p: dict, field: str):
    """Prefer the `_gmt` twin; the plain field is the store's local time without offset."""
    return optional_timestamp(p.get(f"{field}_gmt") or p.get(field))


def order_event(p: dict) -> OrderEvent | IgnoredEvent:
    status = order_status(p.get("status"))
    order_id = platform_id(p["id"])
    if status.ignored:
        return IgnoredEvent(reason=f"order {order_id} is a {p.get('status')} order")
    billing = p.get("billing") or {}
    shipping = p.get("shipping") or {}
    updated = _gmt(p, "date_modified")
    refunds = tuple(refund_event(order_id, r) for r in p.get("refunds") or ())
    return OrderEvent(
        platform_order_id=order_id,
        name=f"#{p.get('number') or order_id}",
        currency=p.get("currency") or None,
        total_price=money(p.get("total")),
        financial_status=financial_status(status, p, refunds),
        fulfillment_status=status.fulfillment,
        placed_at=_gmt(p, "date_created"),
        updated_at=updated,
        cancelled_at=(updated or _gmt(p, "date_created")) if status.cancelled else None,
        email=(billing.get("email") or "").strip() or None,
        platform_customer_id=optional_id(p.get("customer_id")),
        locale=None,  # not in the order JSON; the shop's locale applies
        shipping_country=(shipping.get("country") or billing.get("country") or None),
        marketing_consent=None,  # WooCommerce core records no consent on the order
        lines=tuple(line_item(item) for item in p.get("line_items") or ()),
        fulfillments=germanized_fulfillments(order_id, p, updated)
        or tracking_fulfillments(order_id, p, status, updated),
        refunds=refunds,
        order_key=(p.get("order_key") or None),
    )


def financial_status(status: OrderStatusMeaning, p: dict, refunds: tuple[RefundEvent, ...]) -> str:
    """The Order.financial_status vocabulary: refunded, partially_refunded, paid, failed, pending."""
    if status.refunded:
        return "refunded"
    if refunds:
        return "partially_refunded"
    if status.paid or p.get("date_paid_gmt") or p.get("date_paid"):
        return "paid"
    return "failed" if status.name == "failed" else "pending"


def line_item(item: dict) -> LineItem:
    return LineItem(
        platform_line_id=platform_id(item["id"]),
        title=str(item.get("name") or "")[:500],
        quantity=int(item.get("quantity") or 0),
        product_id=optional_id(item.get("product_id")),
        variant_id=optional_id(item.get("variation_id")),
        sku=item.get("sku") or None,
        price=money(item.get("price")),
        # "" when the product has no picture (or is gone); a link that is not https is dropped.
        image_url=web_link((item.get("image") or {}).get("src"), https_only=True),
    )


def catalogue_product(p: dict) -> CatalogueProduct:
    """A REST v3 product: its permalink, and whether a buyer can find and buy it now."""
    available = (p.get("status") == "publish" and p.get("purchasable") is not False
                 and p.get("stock_status") != "outofstock"
                 and p.get("catalog_visibility", "visible") in ("visible", "catalog", "search"))
    return CatalogueProduct(
        platform_product_id=platform_id(p["id"]), title=str(p.get("name") or "")[:500],
        url=web_link(p.get("permalink")),
        available=available)


def refund_event(order_id: str, r: dict) -> RefundEvent:
    """An entry of `refunds[]`: {id, reason, total}; total is negative ("-5.00")."""
    amount = money(r.get("total"))
    return RefundEvent(
        platform_order_id=order_id,
        platform_refund_id=platform_id(r["id"]),
        created_at=None,  # the order JSON does not say; GET /orders/<id>/refunds would
        amount=abs(amount) if amount is not None else None,
    )


def deleted_event(p: dict) -> LifecycleEvent:
    """`order.deleted` (moved to the trash) carries only {"id": N}: cancel-like for us."""
    return LifecycleEvent(kind="order_deleted", shop_domain=None,
                          platform_order_ids=(platform_id(p["id"]),))


def tracking_items(p: dict) -> list[dict]:
    """The Shipment Tracking / AST items in `meta_data` (a PHP array: list, or object when sparse)."""
    for meta in p.get("meta_data") or ():
        if isinstance(meta, dict) and meta.get("key") == TRACKING_META_KEY:
            value = meta.get("value") or []
            items = value.values() if isinstance(value, dict) else value
            return [item for item in items if isinstance(item, dict)]
    return []


def tracking_fulfillments(order_id: str, p: dict, status: OrderStatusMeaning,
                          updated: datetime | None) -> tuple[FulfillmentEvent, ...]:
    """One fulfillment per tracking item; none when the status says nothing about parcels."""
    if status.parcels is None:
        return ()
    events = []
    carrier_says = trackship_statuses(p)
    for index, item in enumerate(tracking_items(p)):
        number = str(item.get("tracking_number") or "").strip()
        if not number:
            continue
        reported = carrier_says.get(index)
        carrier = str(item.get("custom_tracking_provider") or item.get("tracking_provider") or "").strip()
        link = str(item.get("tracking_link") or item.get("custom_tracking_link") or "").strip()
        events.append(FulfillmentEvent(
            platform_order_id=order_id,
            platform_fulfillment_id=str(item.get("tracking_id") or number or index)[:64],
            status=reported or status.parcels,
            raw_status=(f"trackship:{reported.value}" if reported
                        else status.name if status.name != "unknown" else str(p.get("status"))),
            parcels=(Parcel(tracking_number=number[:120], tracking_url=web_link(link),
                            carrier=carrier[:120] or None),),
            created_at=date_shipped(item.get("date_shipped")),
            updated_at=updated,
            carrier_reported=reported is not None,
        ))
    return tuple(events)


# Germanized (vendidero/woocommerce-germanized-shipments, src/Api.php prepare_order_shipments
# and src/Rest/ShipmentsController.php) adds its own shipments to the order's REST answer, and
# so to webhook bodies: `shipments: [{id, status, type, tracking_id, tracking_url,
# shipping_provider, date_sent_gmt, est_delivery_date_gmt, items: [{order_item_id, quantity}]}]`.
# Statuses (wc_gzd_get_shipment_statuses): draft, processing, shipped, delivered, requested;
# `type` "return" are returns. The shop sets them (by hand or through its carrier plugin), so
# they are the shop's word: "delivered" is a fact, "shipped" a guess the carrier may correct.
GERMANIZED_STATUS = {"shipped": ShipmentStatus.IN_TRANSIT, "delivered": ShipmentStatus.DELIVERED}


def germanized_fulfillments(order_id: str, p: dict, updated: datetime | None) -> tuple[FulfillmentEvent, ...]:
    """One fulfillment per sent Germanized shipment with a tracking number; () without any."""
    shipments = p.get("shipments")
    if not isinstance(shipments, list):
        return ()
    events = []
    for shipment in shipments:
        if not isinstance(shipment, dict) or shipment.get("type", "simple") != "simple":
            continue
        status = GERMANIZED_STATUS.get(str(shipment.get("status") or "").removeprefix("gzd-"))
        number = str(shipment.get("tracking_id") or "").strip()
        if status is None or not number:
            continue
        items = [item for item in shipment.get("items") or () if isinstance(item, dict)]
        events.append(FulfillmentEvent(
            platform_order_id=order_id,
            platform_fulfillment_id=f"gzd-{shipment.get('id')}"[:64],
            status=status,
            raw_status=f"germanized:{shipment.get('status')}",
            parcels=(Parcel(tracking_number=number[:120], tracking_url=web_link(shipment.get("tracking_url")),
                            carrier=str(shipment.get("shipping_provider") or "")[:120] or None),),
            created_at=_gmt(shipment, "date_sent"),
            updated_at=updated,
            line_items=tuple((str(item.get("order_item_id")), int(item.get("quantity") or 0))
                             for item in items if item.get("order_item_id")),
            estimated_delivery_at=_gmt(shipment, "est_delivery_date"),
        ))
    return tuple(events)


def trackship_statuses(p: dict) -> dict[int, ShipmentStatus]:
    """Tracking item position → the carrier's status as TrackShip recorded it (when it did)."""
    for meta in p.get("meta_data") or ():
        if isinstance(meta, dict) and meta.get("key") in TRACKSHIP_META_KEYS:
            value = meta.get("value") or []
            entries = list(value.values()) if isinstance(value, dict) else value
            if not isinstance(entries, list):
                return {}
            found = {}
            for position, entry in enumerate(entries):
                raw = entry.get("status") if isinstance(entry, dict) else None
                if isinstance(raw, str) and raw.lower() in TRACKSHIP_STATUS:
                    found[position] = TRACKSHIP_STATUS[raw.lower()]
            return found
    return {}


def date_shipped(value) -> datetime | None:
    """A unix timestamp (Shipment Tracking, usually a string); AST may store a date instead."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), tz=timezone.utc)
    try:
        return optional_timestamp(text)
    except ValueError:
        return None  # a plugin-formatted date we cannot read; the parcel still counts


# Each topic's mapper (after the mappers, which it names).
MAPPERS: dict[str, Callable[[dict], ParsedEvent]] = {
    **dict.fromkeys(ORDER_TOPICS, order_event),
    "order.deleted": deleted_event,
}
