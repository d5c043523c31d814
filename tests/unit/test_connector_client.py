"""The connector battery's client side: the same promises for every `PlatformClient`
(paging, refusals, throttling, malformed answers, orders by id, catalogue, webhooks) against
each platform's fake speaking its real wire format. Each test runs once per platform
(tests/support/connector_stores.py: a new connector joins with a `Store` there)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.base import IgnoredEvent, MalformedPayload, OrderEvent
from tests.support.connector_stores import LATER, SINCE, STORES, all_pages


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
        events, cursors = all_pages(client)
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
        events, _ = all_pages(client)
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
