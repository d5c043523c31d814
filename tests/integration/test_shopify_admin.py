"""Admin API against a fake Shopify: token refresh under a lock, reconciliation, throttling."""
import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.clients.platforms import _refresh, shopify_admin
from app.domain.shop.shop_tokens import fresh_access_token
from app.extensions import db, queues
from app.jobs.reconcile import reconcile_job_id, reconcile_shop
from app.models import Order, ScheduledMessage, Shop
from connectors.shopify.admin import AdminClient
from connectors.shopify.client import ReauthorizeRequired
from tests.support.fakes.shopify_admin import FakeShopify
from tests.support.fakes.shopify_orders import graphql_fulfillment, graphql_order
from tests.support.periodic_ticks import tick

DOMAIN = "johns-apparel.myshopify.com"


@pytest.fixture
def fake_shopify(app):
    fake = FakeShopify().start()
    app.config["SHOPIFY_API_ORIGIN"] = fake.origin
    yield fake
    fake.stop()


@pytest.fixture
def connected_shop(app, shop, fake_shopify):
    tokens = fake_shopify.issue_tokens(DOMAIN)
    shop.access_token = tokens["access_token"]
    shop.refresh_token = tokens["refresh_token"]
    shop.access_token_expires_at = datetime.now(timezone.utc) + timedelta(hours=1)
    shop.installed_at = datetime(2026, 11, 1, tzinfo=timezone.utc)
    db.session.commit()
    return shop


def test_expiring_token_is_refreshed_once_by_two_racing_workers(app, connected_shop, fake_shopify):
    connected_shop.access_token_expires_at = datetime.now(timezone.utc) + timedelta(minutes=1)
    db.session.commit()
    fake_shopify.shop(DOMAIN).refresh_delay = 0.3
    tokens, barrier = [], threading.Barrier(2)

    def worker():
        with app.app_context():
            shop = db.session.get(Shop, connected_shop.id)
            barrier.wait()
            tokens.append(fresh_access_token(db.session, shop, datetime.now(timezone.utc), _refresh))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fake_shopify.shop(DOMAIN).refresh_calls == 1
    assert len(set(tokens)) == 1 and tokens[0] in fake_shopify.shop(DOMAIN).access_tokens
    db.session.expire_all()
    stored = db.session.get(Shop, connected_shop.id)
    assert stored.refresh_token in fake_shopify.shop(DOMAIN).refresh_tokens  # the rotated one
    assert stored.access_token_expires_at > datetime.now(timezone.utc) + timedelta(minutes=50)


def test_refused_refresh_marks_the_shop_for_reauthorisation(app, connected_shop, fake_shopify):
    connected_shop.access_token_expires_at = datetime.now(timezone.utc)
    connected_shop.refresh_token = "shprt_revoked"
    db.session.commit()
    with pytest.raises(ReauthorizeRequired):
        shopify_admin(connected_shop)
    db.session.expire_all()
    assert db.session.get(Shop, connected_shop.id).needs_reauth_at is not None
    with pytest.raises(ReauthorizeRequired):  # no second spend of a dead refresh token
        shopify_admin(db.session.get(Shop, connected_shop.id))
    assert fake_shopify.shop(DOMAIN).refresh_calls == 1


def test_a_shop_without_an_access_token_needs_reauthorisation(app, connected_shop, fake_shopify):
    """An uninstall forgets the tokens: a client for the shop is refused at once (the merchant
    must open the app again), not built around a missing token that fails on its first call."""
    connected_shop.access_token = connected_shop.refresh_token = None
    db.session.commit()
    with pytest.raises(ReauthorizeRequired, match="holds no access token"):
        shopify_admin(connected_shop)


def test_missed_webhook_is_healed_by_reconciliation(app, connected_shop, fake_shopify):
    fake_shopify.shop(DOMAIN).orders = [
        graphql_order(820982911946154508, "2026-11-21T08:00:00Z",
                      fulfillments=[graphql_fulfillment(255858046)], fulfillment_status="FULFILLED"),
        graphql_order(820982911946154999, "2026-10-01T08:00:00Z", name="#0999"),  # before the cursor
    ]
    result = reconcile_shop(connected_shop.id)
    assert result["applied"] == 1
    order = db.session.scalars(select(Order)).one()
    assert order.platform_order_id == "820982911946154508"
    assert (order.status, order.locale, order.total_price) == ("shipped", "de-DE", Decimal("89.9"))
    assert [s.tracking_number for s in order.shipments] == ["00340434161094042557"]
    # The parcel in transit gets its shipped notice (and a stall notice planned for later).
    assert sorted(db.session.scalars(select(ScheduledMessage.kind)).all()) == ["delayed", "shipped"]
    assert db.session.get(Shop, connected_shop.id).reconciled_through == datetime(2026, 11, 21, 8,
                                                                                  tzinfo=timezone.utc)

    # a second pass applies nothing new and plans nothing twice
    reconcile_shop(connected_shop.id)
    assert len(db.session.scalars(select(ScheduledMessage)).all()) == 2  # no new rows


def test_reconciliation_pages_through_many_orders(app, connected_shop, fake_shopify):
    fake_shopify.shop(DOMAIN).orders = [
        graphql_order(1000 + n, f"2026-11-21T08:{n // 60:02d}:{n % 60:02d}Z", name=f"#{n}",
                      email=f"b{n}@example.com")
        for n in range(120)
    ]
    assert reconcile_shop(connected_shop.id)["applied"] == 120
    assert len(db.session.scalars(select(Order)).all()) == 120


def test_throttled_query_waits_by_the_restore_rate_then_succeeds(app, connected_shop, fake_shopify):
    fake_shopify.shop(DOMAIN).throttle_next = 2
    waits = []
    client = AdminClient(DOMAIN, connected_shop.access_token, fake_shopify.origin, sleep=waits.append)
    assert client.order("1") is None
    assert waits == [pytest.approx(2.4), pytest.approx(2.4)]  # (252 - 12) / 100


def test_refused_access_token_is_reauthorize_required(app, connected_shop, fake_shopify):
    client = AdminClient(DOMAIN, "shpat_wrong", fake_shopify.origin)
    with pytest.raises(ReauthorizeRequired):
        client.order("1")


def test_backfill_command_loads_the_last_sixty_days(app, connected_shop, fake_shopify):
    recent = datetime.now(timezone.utc) - timedelta(days=10)
    fake_shopify.shop(DOMAIN).orders = [
        graphql_order(2000 + n, (recent + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                      name=f"#{n}", email=f"c{n}@example.com") for n in range(3)]
    result = app.test_cli_runner().invoke(args=["shops", "backfill", str(connected_shop.id)])
    assert result.exit_code == 0, result.output
    assert "backfill: applied 3, since " in result.stdout
    assert len(db.session.scalars(select(Order)).all()) == 3


def test_the_tick_schedules_one_reconciliation_per_shop_per_interval(app, connected_shop):
    assert tick("reconciliations") == 1
    assert tick("reconciliations") == 0  # the interval lock holds until it passes
    assert queues.job_is_live(reconcile_job_id(connected_shop.id))


def test_interval_zero_switches_reconciliation_off(app, connected_shop):
    app.config["RECONCILE_INTERVAL_SECONDS"] = 0
    assert tick("reconciliations") == 0
    assert not queues.job_is_live(reconcile_job_id(connected_shop.id))


def _product_node(pid: int, status="ACTIVE", available=True) -> dict:
    return {"id": f"gid://shopify/Product/{pid}", "title": f"Leinenhemd {pid}", "handle": f"leinenhemd-{pid}",
            "status": status, "onlineStoreUrl": f"https://johns-apparel.de/products/leinenhemd-{pid}",
            "featuredMedia": {"preview": {"image": {"url": f"https://cdn.shopify.com/p/{pid}.jpg",
                                                    "altText": None}}},
            "variants": {"nodes": [{"id": f"gid://shopify/ProductVariant/{pid}1",
                                    "availableForSale": available,
                                    "price": "59.90"}]}}


def test_products_for_recommendations_leave_out_archived_and_deleted(app, connected_shop, fake_shopify):
    state = fake_shopify.shop(DOMAIN)
    state.products = {node["id"]: node for node in (
        _product_node(632910392), _product_node(921728736, status="ARCHIVED"),
        _product_node(4, available=False))}
    admin = shopify_admin(connected_shop)
    products = admin.products(["632910392", "921728736", "4", "999"])  # 999 no longer exists
    assert [(p.platform_product_id, p.variant_id, p.available) for p in products] == [
        ("632910392", "6329103921", True), ("4", "41", False)]
    assert products[0].image_url == "https://cdn.shopify.com/p/632910392.jpg"
    assert admin.products([]) == []


def test_a_refused_token_mid_reconciliation_asks_for_reauthorisation_and_keeps_the_shop(
        app, connected_shop, fake_shopify):
    fake_shopify.shop(DOMAIN).orders = [graphql_order(1, "2026-11-21T08:00:00Z")]
    fake_shopify.shop(DOMAIN).access_tokens.clear()  # revoked on Shopify's side
    assert reconcile_shop(connected_shop.id) == {"error": "keys_refused"}
    db.session.expire_all()
    shop = db.session.get(Shop, connected_shop.id)
    assert shop.needs_reauth_at is not None and shop.sync_health.startswith("keys_refused:")
    # Shopify says uninstalled by webhook: a refusal alone neither uninstalls nor forgets the token
    assert shop.uninstalled_at is None and shop.access_token is not None
    assert tick("reconciliations") == 0
    assert "skipped" in reconcile_shop(connected_shop.id)


def test_a_store_error_mid_reconciliation_is_recorded_and_the_cursor_stays(
        app, connected_shop, fake_shopify):
    fake_shopify.shop(DOMAIN).html_next = 1
    result = reconcile_shop(connected_shop.id)
    db.session.expire_all()
    shop = db.session.get(Shop, connected_shop.id)
    assert result == {"error": shop.sync_health}
    assert shop.sync_health.startswith("store_unreachable:")
    assert shop.reconciled_through is None and shop.needs_reauth_at is None
