"""The client side of the connector battery (tests/unit/test_connector_client.py): each
platform's fake, started, and how to put things into it and make it misbehave, as a `Store`;
the `store` fixture (registered in tests/conftest.py) runs a test once per platform. A new
connector joins by adding its `Store` builder to STORES."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest


@dataclass
class Store:
    """One platform's fake, started, and how to put things into it and make it misbehave."""

    fake: object
    page_size: int
    make_client: Callable[..., object]  # (sleep=…, wrong_credentials=False) → PlatformClient
    put_order: Callable[[int, datetime], None]  # (order id, updated at)
    put_malformed_order: Callable[[int, datetime], None]
    put_product: Callable[[int, bool], None]  # (product id, on sale)
    refuse_next: Callable[[int], None]  # answer the next call with 401 or 403
    throttle_next: Callable[[], None]
    malformed_next: Callable[[], None]  # answer the next call 200 with an HTML page
    webhooks: bool  # the app registers its webhooks through the API


SHOPIFY_DOMAIN = "johns-apparel.myshopify.com"


def _shopify_store(tmp_path) -> Store:
    from connectors.shopify.admin import AdminClient
    from tests.integration.test_shopify_admin import _product_node
    from tests.support.fakes.shopify_admin import FakeShopify
    from tests.support.fakes.shopify_orders import graphql_order

    fake = FakeShopify().start()
    state = fake.shop(SHOPIFY_DOMAIN)
    token = fake.issue_tokens(SHOPIFY_DOMAIN)["access_token"]

    def make_client(sleep=lambda _s: None, wrong_credentials=False):
        return AdminClient(SHOPIFY_DOMAIN, "shpat_wrong" if wrong_credentials else token,
                           fake.origin, sleep=sleep)

    def refuse_next(status):
        if status == 403:
            state.forbidden_next += 1
        else:
            state.access_tokens.discard(token)

    def put_malformed_order(order_id, updated):
        node = graphql_order(order_id, _iso(updated))
        node["lineItems"] = {"nodes": [{"id": {"nested": True}, "quantity": "many"}]}
        state.orders.append(node)

    return Store(
        fake, 50, make_client,
        put_order=lambda order_id, updated: state.orders.append(
            graphql_order(order_id, _iso(updated))),
        put_malformed_order=put_malformed_order,
        put_product=lambda pid, on_sale: state.products.update(
            {f"gid://shopify/Product/{pid}":
             _product_node(pid, "ACTIVE" if on_sale else "ARCHIVED")}),
        refuse_next=refuse_next,
        throttle_next=lambda: setattr(state, "throttle_next", state.throttle_next + 1),
        malformed_next=lambda: setattr(state, "html_next", state.html_next + 1),
        webhooks=False)


def _woocommerce_store(tmp_path) -> Store:
    from connectors.woocommerce.client import WooClient
    from connectors.woocommerce.shop_client import WooCommerceShopClient
    from tests.support.fakes.woocommerce_rest import FakeWooCommerce
    from tests.support.woocommerce_store import CONSUMER_KEY, CONSUMER_SECRET, gmt, rest_order

    fake = FakeWooCommerce(CONSUMER_KEY, CONSUMER_SECRET, tls_dir=tmp_path).start()

    def make_client(sleep=lambda _s: None, wrong_credentials=False):
        return WooCommerceShopClient(WooClient(
            fake.store_url, CONSUMER_KEY, "cs_wrong" if wrong_credentials else CONSUMER_SECRET,
            verify=fake.ca_path, sleep=sleep, allow_loopback=True))

    def refuse_next(status):
        if status == 403:
            fake.state.fail_next.append(403)
        else:
            fake.secret = "cs_rotated_by_the_merchant"

    def put_malformed_order(order_id, updated):
        fake.put_order({**rest_order(order_id), "line_items": "not a list of lines"}, gmt(updated))

    def put_product(pid, on_sale):
        fake.state.products[pid] = {
            "id": pid, "name": f"Kaffee {pid}",
            "permalink": f"https://laden.example/produkt/{pid}/",
            "status": "publish" if on_sale else "draft", "purchasable": True,
            "stock_status": "instock", "catalog_visibility": "visible"}

    return Store(
        fake, 100, make_client,
        put_order=lambda order_id, updated: fake.put_order(rest_order(order_id), gmt(updated)),
        put_malformed_order=put_malformed_order, put_product=put_product,
        refuse_next=refuse_next,
        throttle_next=lambda: fake.state.fail_next.append(429),
        malformed_next=lambda: setattr(fake.state, "html_next", fake.state.html_next + 1),
        webhooks=True)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


STORES = {"shopify": _shopify_store, "woocommerce": _woocommerce_store}
SINCE = datetime(2026, 11, 21, 8, tzinfo=timezone.utc)
LATER = SINCE + timedelta(seconds=1)  # WooCommerce's modified_after is strictly after


@pytest.fixture(params=sorted(STORES))
def store(request, tmp_path):
    started = STORES[request.param](tmp_path)
    yield started
    started.fake.stop()


def all_pages(client, since=SINCE) -> tuple[list, list]:
    events, cursors, cursor = [], [], None
    while True:
        page = client.orders_updated_since(since, cursor)
        events += page.events
        if page.next_cursor is None:
            return events, cursors
        cursor = page.next_cursor
        cursors.append(cursor)
