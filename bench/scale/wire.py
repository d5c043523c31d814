"""Steps of the simulated day as the platforms put them on the wire: signed webhook requests.

Shopify bodies start from the recorded samples in tests/payloads/shopify (the order and
fulfillment of Shopify's webhook reference, every field kept) and are compact JSON, as
Shopify sends them; fulfillment events and refunds follow the REST resources of those
topics. WooCommerce bodies start from an order recorded from a real WooCommerce 10.0.2
(tests/payloads/woocommerce/recorded) and are encoded like `wp_json_encode` (compact,
`/` as `\\/`, UTF-8 unescaped), so the HMAC is over the bytes WooCommerce would send.
"""
from __future__ import annotations

import copy
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.scale.day import Line, Order, Parcel, Refund, State, Step
from connectors.signature import body_signature

PAYLOADS = (Path(__file__).resolve().parents[2] / "tests") / "payloads"
SHOP_ZONE = ZoneInfo("Europe/Berlin")
COUNTRY_NAMES = {"DE": "Germany", "AT": "Austria", "CH": "Switzerland", "NL": "Netherlands", "FR": "France",
                 "US": "United States"}
Clock = Callable[[float], datetime]


@dataclass(frozen=True)
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes


@cache
def _template(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text())


def _digest(seed: int, *parts) -> str:
    return hashlib.sha256(":".join(map(str, (seed, *parts))).encode()).hexdigest()


def _shop_time(moment: datetime) -> str:
    return moment.astimezone(SHOP_ZONE).isoformat(timespec="seconds")


def _money(amount: str) -> dict:
    return {"shop_money": {"amount": amount, "currency_code": "EUR"},
            "presentment_money": {"amount": amount, "currency_code": "EUR"}}


# ---- Shopify -------------------------------------------------------------------------


def _shopify_line(line: Line) -> dict:
    item = copy.deepcopy(_template("shopify/orders_create.json")["line_items"][0])
    product = line.product
    item.update(id=line.line_id, admin_graphql_api_id=f"gid://shopify/LineItem/{line.line_id}",
                product_id=product.product_id, variant_id=product.variant_id, sku=product.sku,
                title=product.title, name=product.title, quantity=line.quantity,
                current_quantity=line.quantity,
                fulfillable_quantity=line.quantity, price=product.price, price_set=_money(product.price))
    return item


def _address(template: dict, country: str) -> dict:
    return dict(template, country_code=country, country=COUNTRY_NAMES[country])


def shopify_order(order: Order, state: State, clock: Clock) -> dict:
    p = copy.deepcopy(_template("shopify/orders_create.json"))
    placed, updated = _shop_time(clock(order.placed)), _shop_time(clock(state.updated))
    buyer = order.buyer
    consent = "subscribed" if buyer.subscribed else "not_subscribed"
    shipped = bool(state.parcels)
    p.update(
        id=order.order_id, admin_graphql_api_id=f"gid://shopify/Order/{order.order_id}",
        name=f"#{order.number}",
        number=order.number - 1000, order_number=order.number, token=_digest(0, order.order_id)[:32],
        confirmation_number=_digest(1, order.order_id)[:9].upper(), email=buyer.email,
        contact_email=buyer.email,
        created_at=placed, processed_at=placed, updated_at=updated, currency="EUR",
        presentment_currency="EUR",
        financial_status=state.financial, fulfillment_status="fulfilled" if shipped else None,
        cancelled_at=_shop_time(clock(state.cancelled)) if state.cancelled is not None else None,
        cancel_reason="customer" if state.cancelled is not None else None, customer_locale=buyer.locale,
        buyer_accepts_marketing=buyer.subscribed, total_price=order.total, subtotal_price=order.total,
        current_total_price=order.total, total_line_items_price=order.total, total_outstanding="0.00",
        total_discounts="0.00", total_price_set=_money(order.total), tags="", test=False,
        line_items=[_shopify_line(line) for line in order.lines],
        fulfillments=[shopify_fulfillment(order, parcel, status, state, clock) for parcel, status
                      in state.parcels],
        refunds=[shopify_refund(order, refund, clock) for refund in state.refunds],
        shipping_address=_address(p["shipping_address"], buyer.country),
        billing_address=_address(p["billing_address"], buyer.country),
    )
    p["customer"].update(id=buyer.customer_id, email=buyer.email, currency="EUR",
                         admin_graphql_api_id=f"gid://shopify/Customer/{buyer.customer_id}",
                         email_marketing_consent={"state": consent, "opt_in_level": "single_opt_in",
                                                  "consent_updated_at": placed if buyer.subscribed else None})
    return p


def shopify_fulfillment(order: Order, parcel: Parcel, status: str, state: State, clock: Clock) -> dict:
    p = copy.deepcopy(_template("shopify/fulfillments_create.json"))
    lines = {line.line_id: line for line in order.lines}
    index = parcel.fulfillment_id - order.order_id - 50
    p.update(
        id=parcel.fulfillment_id, order_id=order.order_id, status="success", shipment_status=status,
        created_at=_shop_time(clock(parcel.shipped)), updated_at=_shop_time(clock(state.updated)),
        tracking_company=parcel.carrier, tracking_number=parcel.tracking_number,
        tracking_numbers=[parcel.tracking_number], tracking_url=None, tracking_urls=[],
        email=order.buyer.email,
        name=f"#{order.number}.{index + 1}",
        admin_graphql_api_id=f"gid://shopify/Fulfillment/{parcel.fulfillment_id}",
        destination=_address(p["destination"], order.buyer.country),
        line_items=[dict(_shopify_line(lines[line_id]), quantity=quantity) for line_id, quantity
                    in parcel.lines],
    )
    return p


def shopify_fulfillment_event(order: Order, parcel: Parcel, status: str, at: datetime) -> dict:
    """The REST FulfillmentEvent resource (the fulfillment_events/create body)."""
    event_id = parcel.fulfillment_id * 10 + len(status)
    return {
        "id": event_id, "fulfillment_id": parcel.fulfillment_id, "status": status, "message": None,
        "happened_at": _shop_time(at), "city": None, "province": None,
        "country": COUNTRY_NAMES[order.buyer.country],
        "zip": None, "address1": None, "latitude": None, "longitude": None,
        "shop_id": 548380009 + order.shop.index,
        "created_at": _shop_time(at), "updated_at": _shop_time(at), "estimated_delivery_at": None,
        "order_id": order.order_id, "admin_graphql_api_id": f"gid://shopify/FulfillmentEvent/{event_id}",
    }


def shopify_refund(order: Order, refund: Refund, clock: Clock) -> dict:
    """The REST Refund resource (the refunds/create body)."""
    lines = {line.line_id: line for line in order.lines}
    at = _shop_time(clock(refund.at))
    restock = "return" if refund.returned else ("cancel" if refund.full else "no_restock")
    return {
        "id": refund.refund_id, "order_id": order.order_id, "created_at": at, "processed_at": at,
        "note": None, "user_id": None, "restock": refund.returned, "duties": [], "return": None,
        "admin_graphql_api_id": f"gid://shopify/Refund/{refund.refund_id}", "order_adjustments": [],
        "refund_line_items": [{
            "id": refund.refund_id + n, "quantity": quantity, "line_item_id": line_id, "location_id": None,
            "restock_type": restock, "subtotal": float(lines[line_id].product.price) * quantity,
            "total_tax": 0.0,
            "subtotal_set": _money(f"{float(lines[line_id].product.price) * quantity:.2f}"),
            "total_tax_set": _money("0.00"), "line_item": _shopify_line(lines[line_id]),
        } for n, (line_id, quantity) in enumerate(refund.lines)],
        "transactions": [{"id": refund.refund_id + 7, "order_id": order.order_id, "kind": "refund",
                          "gateway": "shopify_payments", "status": "success", "amount": refund.amount,
                          "currency": "EUR", "created_at": at, "processed_at": at, "test": False}],
    }


def _shopify_body(step: Step, clock: Clock) -> dict:
    if step.topic.startswith("orders/"):
        return shopify_order(step.order, step.state, clock)
    if step.topic == "refunds/create":
        return shopify_refund(step.order, step.refund, clock)
    status = dict((p.fulfillment_id, s) for p, s in step.state.parcels)[step.parcel.fulfillment_id]
    if step.topic == "fulfillment_events/create":
        return shopify_fulfillment_event(step.order, step.parcel, step.status, clock(step.at))
    return shopify_fulfillment(step.order, step.parcel, status, step.state, clock)


# ---- WooCommerce ---------------------------------------------------------------------


def _wc_times(name: str, moment: datetime | None) -> dict:
    if moment is None:
        return {name: None, f"{name}_gmt": None}
    return {name: moment.astimezone(SHOP_ZONE).strftime("%Y-%m-%dT%H:%M:%S"),
            f"{name}_gmt": moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")}


def woocommerce_status(order: Order, state: State) -> str:
    if state.cancelled is not None:
        return "cancelled"
    if state.financial == "refunded":
        return "refunded"
    if state.parcels:
        delivered = all(status == "delivered" for _, status in state.parcels)
        return "delivered" if delivered and order.shop.delivered_status else "completed"
    return "processing" if state.financial == "paid" else "on-hold"


def woocommerce_order(order: Order, state: State, clock: Clock) -> dict:
    p = copy.deepcopy(_template("woocommerce/recorded/03_order.updated.json"))
    status = woocommerce_status(order, state)
    paid = state.financial != "pending"
    shipped = clock(state.parcels[0][0].shipped) if state.parcels else None
    store = order.shop.domain
    line_template = p["line_items"][0]
    p.update(
        id=order.order_id, number=str(order.number), order_key=order.order_key, status=status, currency="EUR",
        total=order.total,
        customer_id=0 if order.buyer.customer_id % 3 == 0 else order.buyer.customer_id % 100_000,
        payment_method="bacs" if not paid or order.buyer.customer_id % 5 == 0 else "stripe",
        needs_payment=not paid, is_editable=not paid,
        **_wc_times("date_created", clock(order.placed)), **_wc_times("date_modified", clock(state.updated)),
        **_wc_times("date_paid", clock(order.placed) if paid else None),
        **_wc_times("date_completed", shipped if status in ("completed", "delivered") else None),
        billing=dict(p["billing"], email=order.buyer.email, country=order.buyer.country),
        shipping=dict(p["shipping"], country=order.buyer.country),
        line_items=[dict(line_template, id=line.line_id, name=line.product.title,
                         product_id=line.product.product_id,
                         variation_id=0, quantity=line.quantity, sku=line.product.sku,
                         price=float(line.product.price),
                         subtotal=f"{float(line.product.price) * line.quantity:.2f}",
                         total=f"{float(line.product.price) * line.quantity:.2f}") for line in order.lines],
        meta_data=[{"id": 3, "key": "_wc_shipment_tracking_items", "value": [{
            "tracking_provider": parcel.carrier_slug, "custom_tracking_provider": "",
            "custom_tracking_link": "",
            "tracking_number": parcel.tracking_number,
            "date_shipped": str(int(clock(parcel.shipped).timestamp())),
            "tracking_id": _digest(2, parcel.fulfillment_id)[:32]} for parcel, _ in state.parcels]}]
        if state.parcels else [],
        refunds=[{"id": refund.refund_id, "reason": "", "total": f"-{refund.amount}"} for refund
                 in state.refunds],
        payment_url=f"{store}/checkout/order-pay/{order.order_id}/?pay_for_order=true&key={order.order_key}",
        _links={"self": [{"href": f"{store}/wp-json/wc/v3/orders/{order.order_id}"}],
                "collection": [{"href": f"{store}/wp-json/wc/v3/orders"}]},
    )
    return p


def wp_json_encode(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).replace("/", "\\/").encode()


# ---- the request ---------------------------------------------------------------------


def render(step: Step, clock: Clock, *, seed: int, shopify_secret: str) -> Delivery:
    """The signed request the platform sends for this step (a duplicate is byte-identical)."""
    shop = step.order.shop
    ident = _digest(seed, step.order.order_id, step.seq)
    if shop.platform == "shopify":
        body = json.dumps(_shopify_body(step, clock), separators=(",", ":")).encode()
        return Delivery("/webhooks/shopify", {
            "Content-Type": "application/json", "X-Shopify-Topic": step.topic,
            "X-Shopify-Hmac-Sha256": body_signature(body, shopify_secret),
            "X-Shopify-Shop-Domain": shop.domain,
            "X-Shopify-API-Version": "2026-10", "X-Shopify-Webhook-Id": str(uuid.UUID(ident[:32])),
            "X-Shopify-Event-Id": str(uuid.UUID(ident[32:])),
            "X-Shopify-Triggered-At": clock(step.at).astimezone(timezone.utc)
            .isoformat(timespec="milliseconds"),
        }, body)
    body = wp_json_encode(woocommerce_order(step.order, step.state, clock))
    resource, event = step.topic.split(".")
    return Delivery(f"/webhooks/woocommerce/{shop.shop_key}", {
        "Content-Type": "application/json", "User-Agent": "WooCommerce/10.0.2 Hookshot (WordPress/6.8.3)",
        "X-WC-Webhook-Source": f"{shop.domain}/", "X-WC-Webhook-Topic": step.topic,
        "X-WC-Webhook-Resource": resource, "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": body_signature(body, shop.webhook_secret),
        "X-WC-Webhook-ID": str(shop.index * 4 + (1 if event == "created" else 2)),
        "X-WC-Webhook-Delivery-ID": ident[:32],
    }, body)


def fixed_clock(midnight: datetime, speed: float = 1.0) -> Clock:
    """Simulated seconds → timestamps: `speed` simulated seconds pass per real second."""
    return lambda seconds: midnight + timedelta(seconds=seconds / speed)
