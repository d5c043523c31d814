"""Admin GraphQL (API 2026-10) through `shopifyapp`, with cost-aware retries."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import shopify_app

from connectors.base import (
    CatalogueProduct,
    DiscountType,
    IgnoredEvent,
    IssuedVoucher,
    MalformedPayload,
    NotSupported,
    OrderEvent,
    OrderPage,
    VoucherCodeTaken,
    VoucherRefused,
    VoucherRequest,
    WebhookRepair,
)
from connectors.links import web_link
from connectors.payloads import SHAPE_ERRORS
from connectors.shopify.client import (
    API_VERSION,
    ReauthorizeRequired,
    ShopifyApiError,
    http_client,
    shop_name,
)
from connectors.shopify.graphql_mapping import order_from_graphql
from connectors.shopify.storefront_links import product_page

ORDER_FIELDS = """
  id name email createdAt updatedAt cancelledAt currencyCode customerLocale
  displayFinancialStatus displayFulfillmentStatus
  totalPriceSet { shopMoney { amount currencyCode } }
  customer { id defaultEmailAddress { marketingState } }
  shippingAddress { countryCodeV2 }
  lineItems(first: 100) { nodes { id title quantity sku variant { id } product { id handle }
    image { url } originalUnitPriceSet { shopMoney { amount } } } }
  fulfillments(first: 25) { id status displayStatus createdAt updatedAt estimatedDeliveryAt
    deliveredAt inTransitAt trackingInfo { company number url }
    fulfillmentLineItems(first: 100) { nodes { quantity lineItem { id } } } }
"""

ORDERS_UPDATED_SINCE = """
query OrdersUpdatedSince($query: String!, $after: String) {
  orders(first: 50, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { %s }
  }
}
""" % ORDER_FIELDS

ORDER_BY_ID = """
query OrderById($id: ID!) { order(id: $id) { %s } }
""" % ORDER_FIELDS

ORDERS_COUNT = """
query OrdersCount($query: String!) { ordersCount(query: $query, limit: null) { count precision } }
"""

PRODUCTS_BY_ID = """
query ProductsById($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Product { id title handle status onlineStoreUrl featuredMedia { preview { image { url altText } } }
      variants(first: 1) { nodes { id availableForSale price } } }
  }
}
"""

# Amount off the whole order, entered as a code (needs write_discounts).
DISCOUNT_CODE_CREATE = """
mutation DiscountCodeCreate($basicCodeDiscount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) {
    codeDiscountNode {
      id codeDiscount { ... on DiscountCodeBasic { title codes(first: 1) { nodes { code } } } }
    }
    userErrors { field code message }
  }
}
"""

MAX_THROTTLE_WAITS = 5
IDS_PER_QUERY = 250  # nodes(ids:) takes at most 250


@dataclass(frozen=True)
class Product:
    """What a recommendation shows: id, title, link, image, and whether it can be bought."""

    platform_product_id: str
    title: str
    handle: str
    url: str | None
    image_url: str | None
    variant_id: str | None
    available: bool


class AdminClient:
    """One shop's Admin API (the Shopify `PlatformClient`); `origin` points it elsewhere in
    tests and demos."""

    platform = "shopify"
    # Shopify's search index can lag a little behind writes: look back over the seam.
    overlap = timedelta(minutes=5)
    updates_in_order = True  # sortKey: UPDATED_AT
    rereads_open_orders = False  # every change to an order or parcel comes as a webhook
    refusal_disconnects = False  # an uninstall comes as app/uninstalled; a refusal is re-auth

    def __init__(self, domain: str, access_token: str, origin: str | None = None,
                 sleep=time.sleep):
        self.domain = domain
        self.access_token = access_token
        self.origin = origin
        self.sleep = sleep

    def query(self, document: str, variables: dict | None = None) -> dict:
        """Run a query; wait out THROTTLED errors using the bucket's restore rate."""
        for _ in range(MAX_THROTTLE_WAITS + 1):
            with http_client(self.origin) as client:
                result = shopify_app.admin_graphql_request(
                    document, shop_name(self.domain), self.access_token, API_VERSION,
                    variables=variables, http_client=client, max_retries=2)
            if result.ok:
                return result.data or {}
            if result.response.status in (401, 403) or _access_denied(result.response.body):
                # 401: the token is dead; 403 / ACCESS_DENIED: it lacks a scope the merchant
                # must approve. Either way the merchant opens the app again.
                raise ReauthorizeRequired(
                    f"{self.domain}: access refused (HTTP {result.response.status})")
            wait = _throttle_wait(result.response.body)
            if wait is None:
                raise ShopifyApiError(f"{self.domain}: {result.log.code}: {result.response.body[:500]}")
            self.sleep(wait)
        raise ShopifyApiError(f"{self.domain}: still throttled after {MAX_THROTTLE_WAITS} waits")

    def close(self) -> None:
        """Nothing to release: each query opens and closes its own connection."""

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def orders_updated_since(self, since: datetime, cursor: str | None = None) -> OrderPage:
        """One page of the orders updated at or after `since`, oldest update first."""
        data = self.query(ORDERS_UPDATED_SINCE, {"query": _updated_since(since), "after": cursor})
        try:
            page = data["orders"]
            nodes, info = list(page["nodes"]), page["pageInfo"]
            after = info["endCursor"] if info["hasNextPage"] else None
        except SHAPE_ERRORS as exc:
            raise MalformedPayload(
                f"{self.domain}: orders page: {type(exc).__name__}: {exc}") from exc
        if info["hasNextPage"] and not isinstance(after, str):
            raise MalformedPayload(f"{self.domain}: orders page: a next page without a cursor")
        return OrderPage(tuple(_event(node) for node in nodes), after)

    def count_orders_updated_since(self, since: datetime) -> int:
        return int(self.query(ORDERS_COUNT, {"query": _updated_since(since)})["ordersCount"]["count"])

    def _order_node(self, platform_order_id: str) -> dict | None:
        variables = {"id": f"gid://shopify/Order/{platform_order_id}"}
        return self.query(ORDER_BY_ID, variables).get("order")

    def order(self, platform_order_id: str) -> OrderEvent | None:
        node = self._order_node(platform_order_id)
        return order_from_graphql(node) if node else None

    def orders_by_id(self, platform_order_ids: list[str]) -> list[OrderEvent | IgnoredEvent]:
        nodes = (self._order_node(platform_order_id) for platform_order_id in platform_order_ids)
        return [_event(node) for node in nodes if node]

    def ensure_webhooks(self, callback_url: str, secret: str,
                        stale_prefix: str | None = None) -> WebhookRepair:
        raise NotSupported("Shopify: webhook subscriptions come from shopify.app.toml")

    def catalogue(self, product_ids: list[str]) -> list[CatalogueProduct]:
        """The products still on sale among these ids, linked to their storefront page."""
        found = []
        for start in range(0, len(product_ids), IDS_PER_QUERY):
            for product in self.products(product_ids[start:start + IDS_PER_QUERY]):
                url = web_link(product.url) or product_page(
                    f"https://{self.domain}", product.platform_product_id, product.handle or None,
                    product.variant_id)
                found.append(CatalogueProduct(product.platform_product_id, product.title, url,
                                              product.available))
        return found

    def products(self, platform_product_ids: list[str]) -> list[Product]:
        """The products still on sale among these ids (archived, draft and deleted ones left out)."""
        if not platform_product_ids:
            return []
        ids = [f"gid://shopify/Product/{pid}" for pid in platform_product_ids[:IDS_PER_QUERY]]
        nodes = self.query(PRODUCTS_BY_ID, {"ids": ids}).get("nodes") or []
        return [_product(node) for node in nodes if node and node.get("status") == "ACTIVE"]

    def create_voucher(self, request: VoucherRequest) -> IssuedVoucher:
        """A single-use code (usageLimit 1, once per customer) for the buyer's customer id, or
        for anyone holding it when the order has no customer; its value off the whole order."""
        value: dict[str, object]
        if request.discount == DiscountType.PERCENT:
            value = {"percentage": float(request.value / 100)}
        else:
            value = {"discountAmount": {"amount": str(request.value), "appliesOnEachItem": False}}
        # API 2026-10: `context` replaces the deprecated `customerSelection` (same choices).
        context = ({"customers": {"add": [f"gid://shopify/Customer/{request.buyer_platform_id}"]}}
                   if request.buyer_platform_id else {"all": "ALL"})
        discount: dict[str, object] = {
            "title": request.title, "code": request.code, "startsAt": _iso(request.starts_at),
            "endsAt": _iso(request.ends_at), "context": context, "usageLimit": 1,
            "appliesOncePerCustomer": True,
            "customerGets": {"value": value, "items": {"all": True}},
        }
        if request.minimum_order is not None:
            discount["minimumRequirement"] = {
                "subtotal": {"greaterThanOrEqualToSubtotal": str(request.minimum_order)}}
        payload = self.query(DISCOUNT_CODE_CREATE, {"basicCodeDiscount": discount})["discountCodeBasicCreate"]
        errors = payload.get("userErrors") or []
        if any(error.get("code") == "TAKEN" for error in errors):
            raise VoucherCodeTaken(f"{self.domain}: code {request.code} exists: {errors}")
        if errors or not payload.get("codeDiscountNode"):
            raise VoucherRefused(f"{self.domain}: discount refused: {errors}")
        node = payload["codeDiscountNode"]
        code = node["codeDiscount"]["codes"]["nodes"][0]["code"]
        return IssuedVoucher(code=code, platform_id=node["id"], ends_at=request.ends_at)


def _event(node) -> OrderEvent | IgnoredEvent:
    """One listed order node; one that does not fit is ignored with the reason, not fatal."""
    try:
        if not isinstance(node, dict):
            raise MalformedPayload(f"expected an Order node, got {type(node).__name__}")
        return order_from_graphql(node)
    except MalformedPayload as exc:
        order_id = node.get("id") if isinstance(node, dict) else None
        return IgnoredEvent(reason=f"order {order_id!r} malformed: {exc}"[:300])


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _product(node: dict) -> Product:
    variant = ((node.get("variants") or {}).get("nodes") or [None])[0] or {}
    image = ((node.get("featuredMedia") or {}).get("preview") or {}).get("image") or {}
    return Product(
        platform_product_id=node["id"].rsplit("/", 1)[-1], title=node.get("title") or "",
        handle=node.get("handle") or "", url=node.get("onlineStoreUrl"), image_url=image.get("url"),
        variant_id=variant["id"].rsplit("/", 1)[-1] if variant.get("id") else None,
        available=bool(variant.get("availableForSale")),
    )


def _updated_since(since: datetime) -> str:
    return f"updated_at:>='{since.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}'"


def _graphql_errors(body: str) -> list:
    try:
        payload = json.loads(body)
    except ValueError:
        return []
    errors = payload.get("errors") if isinstance(payload, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _access_denied(body: str) -> bool:
    """A GraphQL error `ACCESS_DENIED`: the token lacks the scope a field needs."""
    return any((e.get("extensions") or {}).get("code") == "ACCESS_DENIED"
               for e in _graphql_errors(body))


def _throttle_wait(body: str) -> float | None:
    """Seconds to wait when the errors say THROTTLED, from the documented throttleStatus."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    errors = payload.get("errors") or []
    if not any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
        return None
    cost = (payload.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    needed = float(cost.get("requestedQueryCost") or 50)
    available = float(status.get("currentlyAvailable") or 0)
    rate = float(status.get("restoreRate") or 50) or 50.0
    return max(0.5, (needed - available) / rate)
