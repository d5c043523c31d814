"""Check: a guest order and its completion with tracking reach our orders and shipments."""
from __future__ import annotations

import secrets
import time

from tests.real_woocommerce.our_app import App
from tests.real_woocommerce.progress import note, step, wait_for
from tests.real_woocommerce.settings import GUEST_EMAIL, SITE, TRACKING_NUMBER


def order_flow(app: App, shop: dict) -> dict:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Order, Shipment
    from connectors.woocommerce.client import WooClient

    step("guest order through REST v3 (OAuth 1.0a over http, with the keys from the handshake)")
    with WooClient(SITE, shop["ck"], shop["cs"], allow_loopback=True) as client:
        product = client.request("POST", "products", json={
            "name": "Filterkaffee 500 g", "type": "simple", "regular_price": "12.90",
            "sku": "COFFEE-500"}).json()
        address = {"first_name": "Gast", "last_name": "Käufer", "address_1": "Hauptstr. 5", "city": "Berlin",
                   "postcode": "10115", "country": "DE"}
        order = client.request("POST", "orders", json={
            "payment_method": "bacs", "payment_method_title": "Direct bank transfer", "set_paid": True,
            "customer_id": 0, "billing": {**address, "email": GUEST_EMAIL}, "shipping": address,
            "line_items": [{"product_id": product["id"], "quantity": 2}]}).json()
    note(f"order {order['id']} {order['status']} {order['total']} {order['currency']}, key "
         f"{order['order_key'][:9]}…")

    def ours(*conditions):
        with app.flask.app_context():
            return db.session.scalars(select(Order).where(
                Order.shop_id == shop["id"], Order.platform_order_id == str(order["id"]),
                *conditions)).first() \
                is not None

    wait_for("order.created processed into our orders table", ours, 60)
    note("order.created delivered, verified and processed: the order is in our database")

    step("tracking meta (_wc_shipment_tracking_items, Shipment Tracking's shape) + status completed")
    with WooClient(SITE, shop["ck"], shop["cs"], allow_loopback=True) as client:
        done = client.request("PUT", f"orders/{order['id']}", json={"status": "completed", "meta_data": [
            {"key": "_wc_shipment_tracking_items", "value": [{
                "tracking_provider": "dhl", "custom_tracking_provider": "", "custom_tracking_link": "",
                "tracking_number": TRACKING_NUMBER, "date_shipped": str(int(time.time())),
                "tracking_id": secrets.token_hex(16)}]}]}).json()
    note(f"order {done['id']} → {done['status']}")

    def shipment():
        with app.flask.app_context():
            row = db.session.scalars(select(Shipment)
                                     .where(Shipment.tracking_number == TRACKING_NUMBER)).first()
            return (row.tracking_number, row.carrier, row.status) if row else None

    note(f"order.updated processed: shipment {wait_for('the shipment from order.updated', shipment, 60)}")
    return order
