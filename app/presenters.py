"""One presenter for every output: block JSON, block HTML, tracking page and mails."""
from __future__ import annotations

from sqlalchemy.orm import contains_eager, joinedload

from app.domain.modules import module_enabled
from app.domain.statuses import OrderStatus
from app.i18n import pick_locale, translate
from app.models import Order, Shipment, Shop

PRESENTER_VERSION = 1
TIMELINE = ("placed", "processing", "shipped", "out_for_delivery", "delivered")
# Where each order status stands on the timeline; branches stand where they left it.
TIMELINE_POSITION = {
    OrderStatus.PLACED: 0, OrderStatus.PROCESSING: 1, OrderStatus.PARTIALLY_SHIPPED: 2,
    OrderStatus.SHIPPED: 2, OrderStatus.NEEDS_ATTENTION: 2, OrderStatus.OUT_FOR_DELIVERY: 3,
    OrderStatus.DELIVERED: 4,
}
BRANCHES = {OrderStatus.CANCELLED, OrderStatus.REFUNDED, OrderStatus.RETURNED,
            OrderStatus.NEEDS_ATTENTION}


def order_status_loads(shop_joined: bool = False) -> list:
    """Loader options that fetch all order_status() reads in two queries, none lazily.

    `shop_joined`: the query already joins Shop (to filter on it), so reuse that join.
    """
    shop = contains_eager(Order.shop) if shop_joined else joinedload(Order.shop)
    return [shop.selectinload(Shop.modules), joinedload(Order.customer),
            joinedload(Order.shipments).joinedload(Shipment.events)]


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def order_status(order: Order, locale: str | None = None) -> dict:
    """The facts a buyer sees about an order, in their language, as plain data."""
    shop = order.shop
    lang = pick_locale(locale, order.locale, order.customer.locale if order.customer else None,
                       shop.locale)
    status = OrderStatus(order.status)
    result: dict = {
        "version": PRESENTER_VERSION,
        "locale": lang,
        "order": {
            "name": order.name or f"#{order.platform_order_id}",
            "status": status.value,
            "status_label": translate(lang, f"order.{status.value}"),
            "placed_at": _iso(order.placed_at),
            "currency": order.currency,
            "total": str(order.total_price) if order.total_price is not None else None,
        },
        "shop": {"name": shop.name or shop.domain, "branding": shop.branding or {}},
        "modules": {},
    }
    if module_enabled(shop, "delivery_status"):
        result["modules"]["delivery_status"] = {"timeline": _timeline(status, lang),
                                                "branch": status.value if status in BRANCHES else None}
    if module_enabled(shop, "tracking"):
        result["modules"]["tracking"] = {"parcels": [
            _parcel(shipment, n, lang) for n, shipment in enumerate(_live_parcels(order), start=1)
        ]}
    return result


def _timeline(status: OrderStatus, lang: str) -> list[dict]:
    position = TIMELINE_POSITION.get(status, -1)
    steps = []
    for index, step in enumerate(TIMELINE):
        state = "done" if index < position else "current" if index == position else "todo"
        if status == OrderStatus.DELIVERED and index == position:
            state = "done"
        steps.append({"step": step, "label": translate(lang, f"order.{step}"), "state": state})
    return steps


def _live_parcels(order: Order):
    return [s for s in order.shipments if s.status != "cancelled"]


def _parcel(shipment, number: int, lang: str) -> dict:
    return {
        "id": shipment.id,
        "label": translate(lang, "block.parcel", n=number),
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_url,
        "status": shipment.status,
        "status_label": translate(lang, f"parcel.{shipment.status}"),
        "shipped_at": _iso(shipment.shipped_at),
        "delivered_at": _iso(shipment.delivered_at),
        "events": [
            {"status": e.status, "label": translate(lang, f"parcel.{e.status}"),
             "at": _iso(e.happened_at), "location": e.location}
            for e in reversed(shipment.events)
        ],
    }
