"""Admin GraphQL (API 2026-10) through `shopifyapp`, with cost-aware retries."""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

import shopify_app

from connectors.base import OrderEvent
from connectors.shopify.client import (
    API_VERSION,
    ReauthorizeRequired,
    ShopifyApiError,
    http_client,
    shop_name,
)
from connectors.shopify.graphql_mapping import order_from_graphql

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

# Amount off, entered as a code (API 2026-10: `context` replaces the deprecated customerSelection).
DISCOUNT_CODE_CREATE = """
mutation DiscountCodeCreate($basicCodeDiscount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) {
    codeDiscountNode { id codeDiscount { ... on DiscountCodeBasic { title codes(first: 1) { nodes { code } } } } }
    userErrors { field code message }
  }
}
"""

MAX_THROTTLE_WAITS = 5


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


@dataclass(frozen=True)
class Voucher:
    """A discount code the buyer can type at checkout."""

    code: str
    discount_id: str
    percentage: float | None
    amount: str | None
    ends_at: datetime | None


class AdminClient:
    """One shop's Admin API; `origin` points it elsewhere in tests and demos."""

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
            if result.response.status == 401:
                raise ReauthorizeRequired(f"{self.domain}: access token refused")
            wait = _throttle_wait(result.response.body)
            if wait is None:
                raise ShopifyApiError(f"{self.domain}: {result.log.code}: {result.response.body[:500]}")
            self.sleep(wait)
        raise ShopifyApiError(f"{self.domain}: still throttled after {MAX_THROTTLE_WAITS} waits")

    def orders_updated_since(self, since: datetime,
                             on_page: Callable[[int], None] | None = None) -> Iterator[OrderEvent]:
        """Every order updated at or after `since`, oldest update first; `on_page(n)` as page n is read."""
        search, after, number = _updated_since(since), None, 0
        while True:
            number += 1
            if on_page:
                on_page(number)
            page = self.query(ORDERS_UPDATED_SINCE, {"query": search, "after": after})["orders"]
            for node in page["nodes"]:
                yield order_from_graphql(node)
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]

    def count_orders_updated_since(self, since: datetime) -> int:
        return int(self.query(ORDERS_COUNT, {"query": _updated_since(since)})["ordersCount"]["count"])

    def order(self, platform_order_id: str) -> OrderEvent | None:
        node = self.query(ORDER_BY_ID, {"id": f"gid://shopify/Order/{platform_order_id}"}).get("order")
        return order_from_graphql(node) if node else None

    def products(self, platform_product_ids: list[str]) -> list[Product]:
        """The products still on sale among these ids (archived, draft and deleted ones left out)."""
        if not platform_product_ids:
            return []
        ids = [f"gid://shopify/Product/{pid}" for pid in platform_product_ids[:250]]
        nodes = self.query(PRODUCTS_BY_ID, {"ids": ids}).get("nodes") or []
        return [_product(node) for node in nodes if node and node.get("status") == "ACTIVE"]

    def create_discount_code(self, *, code: str, title: str, percentage: float | None = None,
                             amount: str | None = None, starts_at: datetime, ends_at: datetime | None,
                             usage_limit: int = 1) -> Voucher:
        """A code for percentage (0 < p ≤ 1) or a fixed amount off the whole order, for anyone
        who has it, usable `usage_limit` times and once per customer."""
        if (percentage is None) == (amount is None):
            raise ValueError("give exactly one of percentage or amount")
        value = ({"percentage": percentage} if percentage is not None
                 else {"discountAmount": {"amount": amount, "appliesOnEachItem": False}})
        discount = {
            "title": title, "code": code, "startsAt": _iso(starts_at), "endsAt": _iso(ends_at) if ends_at else None,
            "context": {"all": "ALL"}, "usageLimit": usage_limit, "appliesOncePerCustomer": True,
            "customerGets": {"value": value, "items": {"all": True}},
        }
        payload = self.query(DISCOUNT_CODE_CREATE, {"basicCodeDiscount": discount})["discountCodeBasicCreate"]
        if payload.get("userErrors"):
            raise ShopifyApiError(f"{self.domain}: discount refused: {payload['userErrors']}")
        node = payload["codeDiscountNode"]
        return Voucher(code=node["codeDiscount"]["codes"]["nodes"][0]["code"], discount_id=node["id"],
                       percentage=percentage, amount=amount, ends_at=ends_at)


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
