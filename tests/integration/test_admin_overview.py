"""The overview counts today's mail by state and lists the last webhook deliveries."""
from datetime import datetime, timedelta, timezone

from app.extensions import db
from app.models import Customer, DeliveryState, Order, ScheduledMessage, WebhookDelivery


def _message(shop, order, kind, state, **times):
    return ScheduledMessage(shop_id=shop.id, order_id=order.id, kind=kind, stream="transactional",
                            state=state, send_at=times.pop("send_at", datetime.now(timezone.utc)), **times)


def test_overview_counts_todays_mail_and_shows_deliveries(wc_admin, wc_shop):
    now = datetime.now(timezone.utc)
    order = Order(shop=wc_shop, platform_order_id="5",
                  customer=Customer(shop_id=wc_shop.id, email="b@example.com"))
    db.session.add(order)
    db.session.flush()
    db.session.add_all([
        _message(wc_shop, order, "shipped", "sent", sequence=1, sent_at=now),
        _message(wc_shop, order, "shipped", "skipped", sequence=2),
        _message(wc_shop, order, "review_request", "planned", sequence=0),
        _message(wc_shop, order, "shipped", "planned", sequence=3, send_at=now + timedelta(days=3)),
        WebhookDelivery(platform="woocommerce", delivery_key="d-1", shop_id=wc_shop.id, topic="order.updated",
                        body=b"{}", state=DeliveryState.PROCESSED),
    ])
    db.session.commit()
    page = wc_admin.get("/admin/").get_data(as_text=True)
    for name, count in (("planned", 1), ("sent", 1), ("skipped", 1)):
        assert f'data-count="{name}">{count}<' in page
    assert "order.updated" in page and "processed" in page


def test_overview_without_deliveries_says_so(wc_admin):
    assert b"No webhook has arrived yet" in wc_admin.get("/admin/").data


def test_a_shopify_shops_overview_lists_its_deliveries_by_domain_and_no_other_shops(client, shop):
    """Shopify deliveries carry the shop's domain, not its id (one address serves every shop)."""
    from tests.support.admin_sessions import bearer

    db.session.add_all([
        WebhookDelivery(platform="shopify", delivery_key="s-1", shop_domain=shop.domain, topic="orders/paid",
                        body=b"{}", state=DeliveryState.PROCESSED),
        WebhookDelivery(platform="shopify", delivery_key="s-2", shop_domain="other.myshopify.com",
                        topic="orders/cancelled", body=b"{}", state=DeliveryState.PROCESSED),
    ])
    db.session.commit()
    page = client.get("/admin/", headers=bearer()).get_data(as_text=True)
    assert "orders/paid" in page and "orders/cancelled" not in page
