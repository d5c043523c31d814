"""Admin GraphQL order nodes (uppercase enums, gids) → the same normalised events. Pure."""
from __future__ import annotations

from connectors.base import FulfillmentEvent, LineItem, MalformedPayload, OrderEvent, Parcel
from connectors.links import web_link
from connectors.payloads import optional_timestamp
from connectors.shopify.mapping import money, optional_id, platform_id
from connectors.shopify.statuses import carrier_reported, consent_state, shipment_status


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else None


def _nodes(connection: dict | None) -> list:
    if not connection:
        return []
    if "nodes" in connection:
        return connection["nodes"] or []
    return [edge["node"] for edge in connection.get("edges") or []]


def _amount(money_bag: dict | None):
    shop_money = (money_bag or {}).get("shopMoney") or {}
    return money(shop_money.get("amount"))


def order_from_graphql(node: dict) -> OrderEvent:
    """Translate one `Order` node as the reconciliation query selects it."""
    try:
        order_id = platform_id(node["id"])
        customer = node.get("customer") or {}
        address = node.get("shippingAddress") or {}
        consent = (customer.get("defaultEmailAddress") or {}).get("marketingState")
        return OrderEvent(
            platform_order_id=order_id,
            name=node.get("name"),
            currency=node.get("currencyCode"),
            total_price=_amount(node.get("totalPriceSet")),
            financial_status=_lower(node.get("displayFinancialStatus")),
            fulfillment_status=_lower(node.get("displayFulfillmentStatus")),
            placed_at=optional_timestamp(node.get("createdAt")),
            updated_at=optional_timestamp(node.get("updatedAt")),
            cancelled_at=optional_timestamp(node.get("cancelledAt")),
            email=node.get("email") or None,
            platform_customer_id=optional_id(customer.get("id")),
            locale=(node.get("customerLocale") or None),
            shipping_country=address.get("countryCodeV2") or None,
            marketing_consent=(consent == "SUBSCRIBED") if consent else None,
            marketing_state=consent_state(consent),
            lines=tuple(_line(item) for item in _nodes(node.get("lineItems"))),
            fulfillments=tuple(_fulfillment(order_id, f) for f in node.get("fulfillments") or ()),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedPayload(f"GraphQL order: {type(exc).__name__}: {exc}") from exc


def _line(item: dict) -> LineItem:
    product = item.get("product") or {}
    handle = product.get("handle")
    return LineItem(
        platform_line_id=platform_id(item["id"]),
        title=str(item.get("title") or "")[:500],
        quantity=int(item.get("quantity") or 0),
        product_id=optional_id(product.get("id")),
        variant_id=optional_id((item.get("variant") or {}).get("id")),
        sku=item.get("sku") or None,
        price=_amount(item.get("originalUnitPriceSet")),
        product_handle=handle[:255] if isinstance(handle, str) and handle else None,
        # The query selects `product`: null there means the product was deleted.
        product_exists=bool(product) if "product" in item else None,
        image_url=web_link((item.get("image") or {}).get("url"), https_only=True),
    )


def _fulfillment(order_id: str, f: dict) -> FulfillmentEvent:
    tracking = f.get("trackingInfo") or []
    parcels = tuple(
        Parcel(tracking_number=t.get("number") or None, tracking_url=web_link(t.get("url")),
               carrier=t.get("company") or None)
        for t in tracking
    ) or (Parcel(tracking_number=None, tracking_url=None, carrier=None),)
    return FulfillmentEvent(
        platform_order_id=order_id,
        platform_fulfillment_id=platform_id(f["id"]),
        status=shipment_status(f.get("status"), f.get("displayStatus")),
        raw_status=f.get("displayStatus") or f.get("status"),
        parcels=parcels,
        created_at=optional_timestamp(f.get("createdAt")),
        updated_at=optional_timestamp(f.get("updatedAt")),
        line_items=tuple(
            (platform_id(n["lineItem"]["id"]), int(n.get("quantity") or 0))
            for n in _nodes(f.get("fulfillmentLineItems"))
        ),
        estimated_delivery_at=optional_timestamp(f.get("estimatedDeliveryAt")),
        carrier_reported=carrier_reported(f.get("displayStatus")),
    )
