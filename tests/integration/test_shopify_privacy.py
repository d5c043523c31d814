"""Lifecycle and compliance webhooks, end to end through intake and the worker."""
from sqlalchemy import func, select

from app.db.base import Base
from app.extensions import db
from app.models import (
    DataExport,
    DeliveryState,
    MessageState,
    Order,
    ScheduledMessage,
    Shop,
    WebhookDelivery,
)
from tests.support.payload_files import shopify_headers
from tests.unit.test_shopify_mapping import ORDER

FULFILLMENT = {
    "id": 255858046, "order_id": 820982911946154508, "status": "success", "shipment_status": "in_transit",
    "created_at": "2026-11-21T08:00:00+01:00", "updated_at": "2026-11-21T08:00:00+01:00",
    "tracking_company": "DHL", "tracking_numbers": ["00340434161094042557"], "tracking_urls": [],
    "line_items": [{"id": 866550311766439020, "quantity": 1}, {"id": 141249953214522974, "quantity": 2}],
}


def _order_with_parcel(post_shopify, run_jobs):
    assert post_shopify("orders/create", ORDER, "o-1").status_code == 200
    assert post_shopify("fulfillments/create", FULFILLMENT, "f-1").status_code == 200
    run_jobs()


def test_compliance_endpoint_answers_401_on_a_bad_hmac(client, shop):
    body = b'{"shop_id": 1, "shop_domain": "johns-apparel.myshopify.com"}'
    headers = shopify_headers(body, "shop/redact", "c-1", secret="forged")
    assert client.post("/webhooks/shopify/compliance", data=body, headers=headers).status_code == 401
    assert db.session.get(Shop, shop.id) is not None


def test_uninstall_then_shop_redact_leaves_no_row_of_the_shop(client, shop, post_shopify, run_jobs):
    _order_with_parcel(post_shopify, run_jobs)
    assert post_shopify("app/uninstalled", {"id": 1, "domain": "johns-apparel.myshopify.com"},
                        "u-1").status_code == 200
    run_jobs()
    assert set(db.session.scalars(select(ScheduledMessage.state)).all()) == {MessageState.CANCELLED}
    assert (
        post_shopify(
            "shop/redact", {"shop_id": 1, "shop_domain": "johns-apparel.myshopify.com"}, "r-1"
        ).status_code
        == 200
    )
    run_jobs()
    leftovers = {t.name: db.session.scalar(select(func.count()).select_from(t))
                 for t in Base.metadata.sorted_tables if "shop_id" in t.c}
    assert leftovers == {name: 0 for name in leftovers}
    assert db.session.scalar(select(func.count()).select_from(Shop)) == 0


def test_data_request_stores_an_export_of_what_we_hold(client, shop, post_shopify, run_jobs):
    _order_with_parcel(post_shopify, run_jobs)
    assert post_shopify("customers/data_request", {
        "shop_id": 1, "shop_domain": "johns-apparel.myshopify.com", "orders_requested": [820982911946154508],
        "customer": {"id": 115310627314723954, "email": "jon@example.com"}, "data_request": {"id": 9999}},
        "d-1").status_code == 200
    run_jobs()
    export = db.session.scalars(select(DataExport)).one()
    customer = export.payload["customers"][0]
    assert export.request_id == "9999" and customer["email"] == "jon@example.com"
    assert customer["orders"][0]["parcels"][0]["tracking_number"] == "00340434161094042557"
    assert customer["mails"][0]["kind"] == "shipped"


def test_customer_redact_deletes_the_export_a_data_request_made_of_the_buyer(client, shop, post_shopify,
                                                                             run_jobs):
    _order_with_parcel(post_shopify, run_jobs)
    ann = dict(ORDER, id=555, name="#555", email="ann@example.com",
               customer={"id": 7, "email": "ann@example.com"})
    assert post_shopify("orders/create", ann, "o-ann").status_code == 200
    for key, email, order in (("d-jon", "jon@example.com", 820982911946154508),
                              ("d-ann", "ann@example.com", 555)):
        assert post_shopify("customers/data_request", {
            "shop_id": 1, "shop_domain": "johns-apparel.myshopify.com", "orders_requested": [order],
            "customer": {"id": 1, "email": email}, "data_request": {"id": key}}, key).status_code == 200
    run_jobs()
    assert set(db.session.scalars(select(DataExport.request_id))) == {"d-jon", "d-ann"}
    assert post_shopify("customers/redact", {
        "shop_id": 1, "shop_domain": "johns-apparel.myshopify.com",
        "customer": {"id": 1, "email": "jon@example.com"},
        "orders_to_redact": [820982911946154508]}, "cr-1").status_code == 200
    run_jobs()
    db.session.expire_all()
    assert db.session.scalars(select(DataExport.request_id)).all() == ["d-ann"]


def test_customer_redact_cancels_mail_and_erases_the_address(client, shop, post_shopify, run_jobs):
    _order_with_parcel(post_shopify, run_jobs)
    assert post_shopify("customers/redact", {
        "shop_id": 1, "shop_domain": "johns-apparel.myshopify.com",
        "customer": {"id": 1, "email": "jon@example.com"},
        "orders_to_redact": [820982911946154508]}, "cr-1").status_code == 200
    run_jobs()
    order = db.session.scalars(select(Order)).one()
    assert order.customer.email is None and order.name == "#9999"
    assert set(db.session.scalars(select(ScheduledMessage.state)).all()) == {MessageState.CANCELLED}


def test_customer_redact_drops_every_raw_body_that_names_the_buyer(client, shop, post_shopify, run_jobs):
    _order_with_parcel(post_shopify, run_jobs)  # the order names Jon; the fulfillment his order id
    ann = dict(ORDER, id=555, name="#555", email="ann@example.com",
               customer={"id": 7, "email": "ann@example.com"})
    assert post_shopify("orders/create", ann, "o-ann").status_code == 200
    assert post_shopify("customers/redact", {
        "shop_id": 1, "shop_domain": "johns-apparel.myshopify.com",
        "customer": {"id": 1, "email": "jon@example.com"},
        "orders_to_redact": [820982911946154508]}, "cr-1").status_code == 200
    run_jobs()
    db.session.expire_all()
    deliveries = db.session.scalars(select(WebhookDelivery)).all()
    assert {d.delivery_key: d.state for d in deliveries} == {
        "o-1": "processed", "f-1": "processed", "o-ann": "processed", "cr-1": "processed"}
    # Jon's order, his parcel and the request naming him lose their bytes; Ann's order keeps them.
    assert {d.delivery_key for d in deliveries if d.body is not None} == {"o-ann"}


def test_carrier_events_move_the_parcel_forward_never_back(client, shop, post_shopify, run_jobs):
    _order_with_parcel(post_shopify, run_jobs)
    event = {"id": 1, "fulfillment_id": 255858046, "order_id": 820982911946154508, "status": "delivered",
             "happened_at": "2026-11-22T14:00:00+01:00", "city": "Berlin", "country": "Germany"}
    older = dict(event, id=2, status="out_for_delivery", happened_at="2026-11-22T07:00:00+01:00")
    assert post_shopify("fulfillment_events/create", event, "fe-1").status_code == 200
    assert post_shopify("fulfillment_events/create", older, "fe-2").status_code == 200
    run_jobs()
    order = db.session.scalars(select(Order)).one()
    parcel = order.shipments[0]
    assert parcel.status == "delivered" and order.status == "delivered"
    assert [e.status for e in parcel.events] == ["in_transit", "out_for_delivery", "delivered"]


def test_a_scan_reported_by_both_topics_is_recorded_once_and_never_moves_the_parcel_back(
        client, shop, post_shopify, run_jobs):
    # Shopify reports each carrier scan as fulfillment_events/create and as fulfillments/update;
    # the scale run (bench/scale) applied the fulfillment's copy of a scan after a later scan.
    _order_with_parcel(post_shopify, run_jobs)
    out = "2026-11-22T07:00:00+01:00"
    scan = {"id": 1, "fulfillment_id": 255858046, "order_id": 820982911946154508,
            "status": "out_for_delivery",
            "happened_at": out}
    assert post_shopify("fulfillment_events/create", scan, "fe-1").status_code == 200
    assert (
        post_shopify(
            "fulfillment_events/create",
            dict(scan, id=2, status="delivered", happened_at="2026-11-22T14:00:00+01:00"),
            "fe-2",
        ).status_code
        == 200
    )
    run_jobs()
    late = dict(FULFILLMENT, shipment_status="out_for_delivery", updated_at=out)
    assert post_shopify("fulfillments/update", late, "fu-1").status_code == 200
    run_jobs()
    delivery = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.delivery_key == "fu-1")).one()
    parcel = db.session.scalars(select(Order)).one().shipments[0]
    assert (delivery.state, delivery.error) == (DeliveryState.PROCESSED, None)
    assert parcel.status == "delivered"
    assert [e.status for e in parcel.events] == ["in_transit", "out_for_delivery", "delivered"]


def test_full_refund_makes_the_order_refunded(client, shop, post_shopify, run_jobs):
    _order_with_parcel(post_shopify, run_jobs)
    assert post_shopify("refunds/create", {
        "id": 5, "order_id": 820982911946154508, "created_at": "2026-11-25T10:00:00+01:00",
        "refund_line_items": [{"line_item_id": 866550311766439020, "quantity": 1,
                               "restock_type": "no_restock"},
                              {"line_item_id": 141249953214522974, "quantity": 2, "restock_type": "return"}]},
        "rf-1").status_code == 200
    run_jobs()
    assert db.session.scalars(select(Order.status)).one() == "refunded"
