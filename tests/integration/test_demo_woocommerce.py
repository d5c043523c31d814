"""make run's WooCommerce demo: its webhooks pass the real intake and mapping, and the order
shows shipped with its DHL parcel, as a merchant trying the app locally would see it."""
from __future__ import annotations

from sqlalchemy import select

from app.devstack.demo_woocommerce import DEMO_STORE_URL, DEMO_TRACKING_NUMBER, demo_wc_steps, wc_webhook
from app.extensions import db
from app.models import Order, ScheduledMessage, Shop
from app.presenters import order_status
from app.read_model.loads import load_order_view


def test_the_demo_order_arrives_completed_with_its_parcel(app, client, run_jobs):
    shop = Shop(platform="woocommerce", domain=DEMO_STORE_URL, name="Demo-Laden", locale="de",
                api_key="ck_demo", api_secret="cs_demo", webhook_secret="demo-secret")
    db.session.add(shop)
    db.session.commit()
    for topic, payload in demo_wc_steps(4711):
        path, body, headers = wc_webhook(shop.shop_key, "demo-secret", topic, payload)
        response = client.post(path, data=body, headers=headers)
        assert response.status_code == 200, response.data
    run_jobs()

    order = db.session.scalars(select(Order).where(Order.shop_id == shop.id)).one()
    facts = order_status(load_order_view(order.id))
    assert facts["order"]["status"] == "shipped"
    [parcel] = facts["modules"]["tracking"]["parcels"]
    assert parcel["tracking_number"] == DEMO_TRACKING_NUMBER and parcel["carrier"] == "DHL Paket"
    kinds = set(db.session.scalars(select(ScheduledMessage.kind)
                                   .where(ScheduledMessage.order_id == order.id)))
    assert "shipped" in kinds


def test_a_demo_delivery_with_a_wrong_secret_is_refused(app, client):
    shop = Shop(platform="woocommerce", domain=DEMO_STORE_URL, name="Demo-Laden",
                webhook_secret="demo-secret")
    db.session.add(shop)
    db.session.commit()
    topic, payload = demo_wc_steps(4712)[0]
    path, body, headers = wc_webhook(shop.shop_key, "another-secret", topic, payload)
    assert client.post(path, data=body, headers=headers).status_code == 401
