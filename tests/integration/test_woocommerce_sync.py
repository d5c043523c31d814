"""The REST client and the self-healing reconciliation of a WooCommerce shop against a fake
store (the one reconcile job, app/jobs/reconcile.py, through the WooCommerce shop client)."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.clients.platforms import webhook_url
from app.extensions import db, queues
from app.jobs.periodic import run_periodic
from app.jobs.reconcile import reconcile_job_id, reconcile_shop, setup_webhooks
from app.models import Order, Shipment, Shop
from connectors.woocommerce.client import KeysRefused, WooClient, WooCommerceApiError
from connectors.woocommerce.shop_client import WooCommerceShopClient
from connectors.woocommerce.webhook_setup import TOPICS
from tests.support.fakes.woocommerce_rest import FakeWooCommerce
from tests.support.periodic_ticks import tick
from tests.support.woocommerce_store import CONSUMER_KEY, CONSUMER_SECRET, WEBHOOK_SECRET, gmt, rest_order

TRACKING = {"id": 13120, "key": "_wc_shipment_tracking_items", "value": [{
    "tracking_provider": "dhl", "custom_tracking_provider": "", "custom_tracking_link": "",
    "tracking_number": "JJD000390007771234", "date_shipped": "1763856000",
    "tracking_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"}]}


def client_for(fake, sleep=None, **kwargs) -> WooClient:
    return WooClient(fake.store_url, CONSUMER_KEY, CONSUMER_SECRET, verify=fake.ca_path or True,
                     sleep=sleep or (lambda _s: None), allow_loopback=True, **kwargs)


def reload(shop) -> Shop:
    db.session.expire_all()
    return db.session.get(Shop, shop.id)


# -- the client -------------------------------------------------------------------------

def test_basic_auth_over_https_and_a_401_with_wrong_keys(fake_store):
    fake_store.put_order(rest_order(801), gmt(datetime.now(timezone.utc)))
    with client_for(fake_store) as client:
        assert client.get("orders/801")["id"] == 801
    assert fake_store.state.requests[-1][3] == "basic"
    assert "oauth_signature" not in fake_store.state.requests[-1][2]  # no signing over https
    with WooClient(fake_store.store_url, CONSUMER_KEY, "cs_wrong", verify=fake_store.ca_path,
                   allow_loopback=True) as client:
        with pytest.raises(KeysRefused):
            client.get("orders/801")


def test_an_untrusted_certificate_is_a_network_error_not_a_silent_pass(fake_store):
    with WooClient(fake_store.store_url, CONSUMER_KEY, CONSUMER_SECRET, sleep=lambda _s: None,
                   allow_loopback=True) as client:
        with pytest.raises(WooCommerceApiError, match="ConnectError"):
            client.get("orders")


def test_oauth1_query_signing_on_a_plain_http_store(app):
    fake = FakeWooCommerce(CONSUMER_KEY, CONSUMER_SECRET).start()
    try:
        fake.put_order(rest_order(802), "2026-11-21T08:00:00")
        with client_for(fake) as client:
            since = datetime(2026, 11, 21, 7, tzinfo=timezone.utc)
            orders, more = client.orders_modified_after(since)
            client.update_webhook(client.create_webhook("x", "order.updated", "https://a.test/h", "s1")["id"],
                                  status="paused")
        assert ([o["id"] for o in orders], more) == ([802], False)
        assert {r[3] for r in fake.state.requests} == {"oauth1"}
        assert fake.state.webhooks[1]["status"] == "paused"
        with WooClient(fake.store_url, CONSUMER_KEY, "cs_wrong", allow_loopback=True) as client:
            with pytest.raises(KeysRefused, match="Invalid signature"):
                client.get("orders")
    finally:
        fake.stop()


def test_503s_are_retried_with_back_off(fake_store):
    fake_store.put_order(rest_order(803), gmt(datetime.now(timezone.utc)))
    fake_store.state.fail_next = [503, 429]
    waits = []
    with client_for(fake_store, sleep=waits.append) as client:
        assert client.get("orders/803")["id"] == 803
    assert waits == [1.0, 3.0]
    assert len(fake_store.calls("GET", "orders/803")) == 3


def test_persistent_503_gives_up_after_four_attempts(fake_store):
    fake_store.state.fail_next = [503] * 10
    waits = []
    with client_for(fake_store, sleep=waits.append) as client:
        with pytest.raises(WooCommerceApiError, match="gave up after 4 attempts: 503"):
            client.get("orders")
    assert waits == [1.0, 3.0, 9.0]


def test_an_html_page_instead_of_json_is_an_api_error(fake_store):
    with client_for(fake_store) as client:
        with pytest.raises(WooCommerceApiError, match="not JSON"):
            client.get("not-an-endpoint-html")


def test_a_400_is_not_retried(fake_store):
    with client_for(fake_store) as client:
        with pytest.raises(WooCommerceApiError) as raised:
            client.request("GET", "orders", {"per_page": 500})
    assert raised.value.status == 400
    assert len(fake_store.calls("GET", "orders")) == 1


def test_pagination_follows_x_wp_totalpages(fake_store):
    base = datetime(2026, 11, 21, 8, tzinfo=timezone.utc)
    for n in range(250):
        fake_store.put_order(rest_order(1000 + n), gmt(base + timedelta(seconds=n)))
    ids, cursor, cursors = [], None, []
    with WooCommerceShopClient(client_for(fake_store)) as shop_client:
        while True:
            page = shop_client.orders_updated_since(base - timedelta(minutes=1), cursor)
            ids += [int(event.platform_order_id) for event in page.events]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
            cursors.append(cursor)
    assert sorted(ids) == list(range(1000, 1250)) and cursors == ["2", "3"]
    calls = fake_store.calls("GET", "orders")
    assert [(c[2]["page"], c[2]["per_page"]) for c in calls] == [("1", "100"), ("2", "100"), ("3", "100")]
    assert calls[0][2]["modified_after"] == "2026-11-21T07:59:00" and calls[0][2]["dates_are_gmt"] == "true"


# -- webhook setup and repair -----------------------------------------------------------

def test_webhook_setup_is_idempotent(app, wc_store_shop, fake_store):
    first = setup_webhooks(wc_store_shop.id)
    second = setup_webhooks(wc_store_shop.id)
    assert sorted(first["created"]) == sorted(TOPICS)
    assert second["created"] == [] and sorted(second["healthy"]) == sorted(TOPICS)
    assert len(fake_store.state.webhooks) == 4
    assert len(fake_store.calls("POST", "webhooks")) == 4


def test_someone_elses_webhooks_are_left_alone(app, wc_store_shop, fake_store):
    with client_for(fake_store) as client:
        client.create_webhook("ERP", "order.created", "https://erp.example/hook", "theirs")
    setup_webhooks(wc_store_shop.id)
    assert len(fake_store.state.webhooks) == 5
    assert fake_store.state.webhooks[1]["secret"] == "theirs"


def test_webhooks_of_an_earlier_connection_are_removed(app, wc_store_shop, fake_store):
    with client_for(fake_store) as client:
        client.create_webhook("old", "order.updated", "https://app.example.test/webhooks/woocommerce/old-key",
                              "x")
        client.create_webhook("ERP", "order.updated", "https://erp.example/webhooks/woocommerce/x", "y")
    setup_webhooks(wc_store_shop.id)
    urls = sorted(h["delivery_url"] for h in fake_store.state.webhooks.values())
    assert "https://app.example.test/webhooks/woocommerce/old-key" not in urls
    assert "https://erp.example/webhooks/woocommerce/x" in urls and len(urls) == 5
    assert len(fake_store.calls("DELETE", "webhooks/1")) == 1


def test_a_disabled_webhook_is_re_enabled_and_a_deleted_one_recreated(app, wc_store_shop, fake_store):
    setup_webhooks(wc_store_shop.id)
    by_topic = {h["topic"]: h for h in fake_store.state.webhooks.values()}
    by_topic["order.updated"].update(status="disabled", secret="stale")  # after >5 failed deliveries
    del fake_store.state.webhooks[by_topic["order.deleted"]["id"]]
    result = reconcile_shop(wc_store_shop.id)
    assert result["reenabled"] == ["order.updated"] and result["created"] == ["order.deleted"]
    assert by_topic["order.updated"]["status"] == "active"
    assert by_topic["order.updated"]["secret"] == WEBHOOK_SECRET
    assert len(fake_store.calls("PUT", f"webhooks/{by_topic['order.updated']['id']}")) == 1
    hooks = fake_store.state.webhooks.values()
    assert sorted(h["topic"] for h in hooks) == sorted(TOPICS)
    assert {h["delivery_url"] for h in hooks} == {webhook_url(wc_store_shop)}
    shop = reload(wc_store_shop)
    assert shop.sync_health.startswith("healed:") and "re-enabled order.updated" in shop.sync_health
    assert shop.last_synced_at is not None
    assert reconcile_shop(wc_store_shop.id)["reenabled"] == []
    assert reload(wc_store_shop).sync_health.startswith("ok:")


# -- polling heals ----------------------------------------------------------------------

def test_a_missed_order_is_healed_by_polling(app, wc_store_shop, fake_store):
    modified = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=3)
    fake_store.put_order(rest_order(901), gmt(modified))  # its webhook never arrived
    assert reconcile_shop(wc_store_shop.id)["applied"] == 1
    order = db.session.scalars(select(Order)).one()
    assert (order.platform_order_id, order.name, order.financial_status) == ("901", "#901", "paid")
    assert order.customer.email == "john.doe@example.com"
    shop = reload(wc_store_shop)
    assert shop.reconciled_through == modified
    # the next pass starts from the cursor, looking back over the seam
    reconcile_shop(wc_store_shop.id)
    since = [c[2] for c in fake_store.calls("GET", "orders") if "modified_after"
             in c[2]][-1]["modified_after"]
    assert since == gmt(modified - WooCommerceShopClient.overlap)
    assert len(db.session.scalars(select(Order)).all()) == 1


def test_tracking_meta_saved_without_a_webhook_creates_the_parcel(app, wc_store_shop, fake_store):
    modified = gmt(datetime.now(timezone.utc) - timedelta(minutes=30))
    fake_store.put_order(rest_order(902), modified)
    fake_store.put_order(rest_order(906), gmt(datetime.now(timezone.utc) - timedelta(minutes=1)))
    assert reconcile_shop(wc_store_shop.id)["applied"] == 2  # the cursor is now past 902 + overlap
    assert db.session.scalars(select(Shipment)).all() == []
    # Shipment Tracking: update_meta_data() + save_meta_data(): no webhook, and date_modified
    # need not move, so `modified_after` does not return it; the open-order recheck does.
    shipped = rest_order(902, status="completed", meta_data=[TRACKING])
    fake_store.put_order(shipped, modified)
    result = reconcile_shop(wc_store_shop.id)
    assert (result["applied"], result["rechecked"]) == (1, 1)  # 906 in the overlap, 902 re-read
    shipment = db.session.scalars(select(Shipment)).one()
    assert shipment.tracking_number == "JJD000390007771234"
    assert shipment.carrier == "dhl" and shipment.status == "in_transit"
    assert db.session.scalars(select(Order)
                              .filter_by(platform_order_id="902")).one().fulfillment_status == "fulfilled"
    # with a parcel the order is no longer re-read
    assert reconcile_shop(wc_store_shop.id)["rechecked"] == 0


def test_tracking_with_a_moved_modification_time_arrives_through_modified_after(app, wc_store_shop,
                                                                                fake_store):
    now = datetime.now(timezone.utc)
    fake_store.put_order(rest_order(903, name="order_shipped_ast.json"), gmt(now - timedelta(minutes=1)))
    result = reconcile_shop(wc_store_shop.id)
    assert result["applied"] == 1
    assert db.session.scalars(select(Shipment)).one().tracking_number


def test_checkout_drafts_from_polling_are_ignored(app, wc_store_shop, fake_store):
    fake_store.put_order(rest_order(904, name="order_checkout_draft.json"), gmt(datetime.now(timezone.utc)))
    assert reconcile_shop(wc_store_shop.id)["applied"] == 1
    assert db.session.scalars(select(Order)).all() == []


def test_an_unreachable_store_is_recorded_as_the_shops_health(app, wc_store_shop, fake_store, monkeypatch):
    monkeypatch.setattr("connectors.woocommerce.client.BACKOFF_SECONDS", (0.0,))
    fake_store.state.fail_next = [503] * 4
    assert "error" in reconcile_shop(wc_store_shop.id)
    shop = reload(wc_store_shop)
    assert shop.sync_health.startswith("store_unreachable:") and "503" in shop.sync_health
    assert shop.needs_reauth_at is None  # tried again next interval
    assert reconcile_shop(wc_store_shop.id).get("error") is None


def test_revoked_keys_stop_the_sync_until_the_merchant_reconnects(app, wc_store_shop, fake_store):
    fake_store.secret = "cs_rotated_by_the_merchant"
    assert reconcile_shop(wc_store_shop.id) == {"error": "keys_refused"}
    shop = reload(wc_store_shop)
    assert shop.needs_reauth_at is not None and shop.sync_health.startswith("keys_refused:")
    assert shop.uninstalled_at is not None and shop.redact_after is not None  # purged unless it reconnects
    assert shop.api_key is None and shop.api_secret is None
    assert tick("reconciliations") == 0
    assert "skipped" in reconcile_shop(wc_store_shop.id)


def test_the_tick_schedules_one_sync_per_shop_per_interval(app, wc_store_shop):
    assert run_periodic()["reconciliations"] == 1
    assert tick("reconciliations") == 0
    assert queues.job_is_live(reconcile_job_id(wc_store_shop.id))
    app.config["RECONCILE_INTERVAL_SECONDS"] = 0
    queues.redis.flushdb()
    assert tick("reconciliations") == 0


def test_the_worker_runs_the_scheduled_sync(app, wc_store_shop, fake_store, run_jobs):
    fake_store.put_order(rest_order(905), gmt(datetime.now(timezone.utc)))
    assert tick("reconciliations") == 1
    run_jobs()
    assert db.session.scalars(select(Order.platform_order_id)).all() == ["905"]
    assert len(fake_store.state.webhooks) == 4
