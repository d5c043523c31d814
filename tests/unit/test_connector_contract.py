"""One battery every platform connector must pass: the same promises, each platform's wire format.

Two sides: the webhook side (verify, identify, parse) and the client side (the
`PlatformClient`: paging, refusals, throttling, malformed answers, catalogue, webhooks) against
each platform's fake speaking its real wire format. A new connector joins by adding a
`Platform` and a `Store` below; nothing else in the battery changes.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest

from connectors import get_connector
from connectors.base import (
    IgnoredEvent,
    IncomingRequest,
    MalformedPayload,
    OrderEvent,
    Secrets,
    ShipmentStatus,
)
from tests.support.payload_files import load_payload

BIG_ID = 820982911946154508  # above 2**53: a float would change it


def _b64_hmac(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass(frozen=True)
class Platform:
    name: str
    order_topic: str
    order_payload: str  # under tests/payloads/
    sign: Callable[[bytes, str, str, str], dict]  # (body, secret, topic, delivery id) → headers
    set_unknown_status: Callable[[dict], None]  # puts an unheard-of status value into an order
    unknown_status_of: Callable[[OrderEvent], object]  # where that value shows after mapping


def _shopify_headers(body, secret, topic, delivery_id):
    return {"X-Shopify-Hmac-Sha256": _b64_hmac(body, secret), "X-Shopify-Topic": topic,
            "X-Shopify-Shop-Domain": "johns-apparel.myshopify.com", "X-Shopify-Event-Id": delivery_id,
            "X-Shopify-API-Version": "2026-10"}


def _woo_headers(body, secret, topic, delivery_id):
    return {"X-WC-Webhook-Signature": _b64_hmac(body, secret), "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Source": "https://laden.example/", "X-WC-Webhook-Delivery-ID": delivery_id,
            "X-WC-Webhook-Resource": "order", "X-WC-Webhook-Event": topic.split(".")[1]}


def _shopify_unknown(order: dict) -> None:
    order["fulfillments"] = [{"id": 1, "order_id": order["id"], "status": "success",
                              "shipment_status": "unheard-of-in-contract",
                              "tracking_number": "1Z999AA10123456784",
                              "created_at": order["created_at"], "updated_at": order["updated_at"],
                              "line_items": []}]


def _woo_unknown(order: dict) -> None:
    order["status"] = "unheard-of-in-contract"


PLATFORMS = [
    Platform("shopify", "orders/create", "shopify/orders_create.json", _shopify_headers, _shopify_unknown,
             lambda event: event.fulfillments[0].status),
    Platform("woocommerce", "order.updated", "woocommerce/order_completed_tracking.json", _woo_headers,
             _woo_unknown, lambda event: event.fulfillments[0].status),
]


@pytest.fixture(params=PLATFORMS, ids=lambda p: p.name)
def platform(request) -> Platform:
    return request.param


def _request(platform: Platform, body: bytes, secret="s3cret", delivery_id="d-1", method="POST"):
    return IncomingRequest(method, platform.sign(body, secret, platform.order_topic, delivery_id), body,
                           f"https://app.example/webhooks/{platform.name}")


def _order(platform: Platform) -> dict:
    return json.loads(load_payload(platform.order_payload))


def test_a_correct_signature_verifies(platform):
    body = load_payload(platform.order_payload)
    verdict = get_connector(platform.name).verify(_request(platform, body), Secrets("s3cret", ()))
    assert (verdict.ok, verdict.status) == (True, 200)


def test_the_previous_secret_verifies_during_rotation(platform):
    body = load_payload(platform.order_payload)
    verdict = get_connector(platform.name).verify(_request(platform, body, secret="old"),
                                                  Secrets("new", ("old",)))
    assert verdict.ok


@pytest.mark.parametrize("tamper", ["wrong secret", "changed body"])
def test_a_wrong_signature_is_401(platform, tamper):
    body = load_payload(platform.order_payload)
    request = _request(platform, body, secret="other" if tamper == "wrong secret" else "s3cret")
    if tamper == "changed body":
        request = IncomingRequest("POST", request.headers, body.replace(b"1", b"2", 1), request.url)
    verdict = get_connector(platform.name).verify(request, Secrets("s3cret", ()))
    assert (verdict.ok, verdict.status) == (False, 401)


def test_a_wrong_method_is_405(platform):
    body = load_payload(platform.order_payload)
    verdict = get_connector(platform.name).verify(_request(platform, body, method="GET"),
                                                  Secrets("s3cret", ()))
    assert (verdict.ok, verdict.status) == (False, 405)


def test_the_same_delivery_has_the_same_key_and_another_does_not(platform):
    connector = get_connector(platform.name)
    body = load_payload(platform.order_payload)
    first = connector.identify(_request(platform, body, delivery_id="d-1"))
    again = connector.identify(_request(platform, body, delivery_id="d-1"))
    other = connector.identify(_request(platform, body, delivery_id="d-2"))
    assert first.delivery_key == again.delivery_key != other.delivery_key
    assert first.topic == platform.order_topic


def test_an_order_maps_with_string_ids_that_survive_exactly(platform):
    order = _order(platform)
    order["id"] = BIG_ID
    event = get_connector(platform.name).parse(platform.order_topic, json.dumps(order).encode())
    assert isinstance(event, OrderEvent)
    assert event.platform_order_id == str(BIG_ID)
    assert event.lines and all(isinstance(line.platform_line_id, str) for line in event.lines)
    assert event.email and "@" in event.email


def test_an_unknown_status_value_maps_to_unknown_and_does_not_crash(platform):
    order = _order(platform)
    platform.set_unknown_status(order)
    event = get_connector(platform.name).parse(platform.order_topic, json.dumps(order).encode())
    assert platform.unknown_status_of(event) == ShipmentStatus.UNKNOWN


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"id": {"nested": true}, "line_items": "x"}'])
def test_a_malformed_body_raises_malformed_payload(platform, body):
    with pytest.raises(MalformedPayload):
        get_connector(platform.name).parse(platform.order_topic, body)


def test_an_unused_topic_is_ignored_with_a_reason(platform):
    event = get_connector(platform.name).parse("something/else.entirely",
                                               load_payload(platform.order_payload))
    assert isinstance(event, IgnoredEvent) and event.reason


# -- the client side: the same promises for every PlatformClient, against each fake --------

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


def _all_pages(client, since=SINCE) -> tuple[list, list]:
    events, cursors, cursor = [], [], None
    while True:
        page = client.orders_updated_since(since, cursor)
        events += page.events
        if page.next_cursor is None:
            return events, cursors
        cursor = page.next_cursor
        cursors.append(cursor)


def test_every_platform_has_a_client_with_the_whole_protocol():
    from connectors.base import PlatformClient
    from connectors.shopify.admin import AdminClient
    from connectors.woocommerce.shop_client import WooCommerceShopClient

    wanted = {name for name in vars(PlatformClient) if not name.startswith("_")}
    wanted |= set(PlatformClient.__annotations__)
    for client_class in (AdminClient, WooCommerceShopClient):
        assert all(hasattr(client_class, name) for name in wanted), client_class
    assert {AdminClient.platform, WooCommerceShopClient.platform} == set(STORES)


def test_pages_follow_the_cursor_and_every_order_comes_once(store):
    count = store.page_size + 3
    for n in range(count):
        store.put_order(7000 + n, LATER + timedelta(seconds=n))
    store.put_order(6999, SINCE - timedelta(hours=1))  # updated before `since`: not listed
    with store.make_client() as client:
        events, cursors = _all_pages(client)
    assert len(cursors) == 1  # two pages
    assert sorted(int(e.platform_order_id) for e in events) == list(range(7000, 7000 + count))
    assert all(isinstance(e, OrderEvent) and e.updated_at > SINCE for e in events)


def test_an_empty_listing_is_one_empty_last_page(store):
    with store.make_client() as client:
        page = client.orders_updated_since(SINCE)
    assert (page.events, page.next_cursor) == ((), None)


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_raise_access_refused(store, status):
    from connectors.base import AccessRefused

    store.put_order(7100, LATER)
    store.refuse_next(status)
    with store.make_client() as client:
        with pytest.raises(AccessRefused):
            client.orders_updated_since(SINCE)
    with store.make_client(wrong_credentials=True) as client:
        with pytest.raises(AccessRefused):
            client.catalogue(["1"])


def test_throttling_is_waited_out_and_the_page_arrives(store):
    store.put_order(7200, LATER)
    store.throttle_next()
    waits = []
    with store.make_client(sleep=waits.append) as client:
        page = client.orders_updated_since(SINCE)
    assert [e.platform_order_id for e in page.events] == ["7200"]
    assert len(waits) == 1 and waits[0] > 0


def test_a_page_that_is_not_the_documented_shape_is_malformed(store):
    store.put_order(7300, LATER)
    store.malformed_next()
    with store.make_client() as client:
        with pytest.raises(MalformedPayload):
            client.orders_updated_since(SINCE)
        assert [e.platform_order_id for e in client.orders_updated_since(SINCE).events] == ["7300"]


def test_a_malformed_order_is_left_out_with_its_reason_and_the_rest_arrive(store):
    store.put_order(7400, LATER)
    store.put_malformed_order(7401, LATER + timedelta(seconds=1))
    with store.make_client() as client:
        events, _ = _all_pages(client)
    kept = [e.platform_order_id for e in events if isinstance(e, OrderEvent)]
    left_out = [e.reason for e in events if isinstance(e, IgnoredEvent)]
    assert kept == ["7400"] and len(left_out) == 1 and "7401" in left_out[0]


def test_orders_by_id_reads_the_given_orders_now(store):
    store.put_order(7500, LATER)
    store.put_order(7501, LATER)
    with store.make_client() as client:
        events = client.orders_by_id(["7501", "7999"])  # 7999 does not exist
    assert [e.platform_order_id for e in events] == ["7501"]


def test_the_catalogue_leaves_out_what_is_gone_or_off_sale(store):
    store.put_product(81, True)
    store.put_product(82, False)
    with store.make_client() as client:
        products = client.catalogue(["81", "82", "83"])  # 83 was deleted
        assert client.catalogue([]) == []
    on_sale = [p for p in products if p.available]
    assert [p.platform_product_id for p in on_sale] == ["81"]
    assert on_sale[0].url.startswith("https://") and on_sale[0].title


def test_webhooks_are_ensured_idempotently_or_not_supported(store):
    from connectors.base import NotSupported

    url = "https://app.example.test/webhooks/x/key-1"
    with store.make_client() as client:
        if not store.webhooks:
            with pytest.raises(NotSupported):
                client.ensure_webhooks(url, "s3cret")
            return
        first = client.ensure_webhooks(url, "s3cret")
        second = client.ensure_webhooks(url, "s3cret")
    assert first.created and first.changed
    assert (second.created, second.changed) == ([], False)
    assert sorted(second.healthy) == sorted(first.created)


def test_storefront_links_start_at_the_storefront_or_are_none(platform):
    connector = get_connector(platform.name)
    base = "https://laden.example/shop"
    product = connector.product_url(base, "93", "leinenhemd", "39072856")
    again = connector.reorder_url(base, "1001", [("93", "39072856", 2)], "wc_order_abc")
    assert product.startswith(f"{base}/") and again.startswith(f"{base}/")
    assert connector.reorder_url(base, "1001", [], "wc_order_abc") is None
