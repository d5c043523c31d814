"""WordPress's privacy tools reach the app: the plugin's exporter and eraser (PHP, with stubs)
make the signed request, the app answers it, and the plugin turns the answer into WordPress's
export items and erasure result."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Customer, DataExport, IssuedVoucherRow, ModuleClick, Shop, SurveyAnswer
from tests.integration.test_woocommerce_plugin import PHP, ROOT, needs_php
from tests.support.admin_sessions import WC_SECRET
from tests.support.factories import add_parcel, make_order

LIFECYCLE = ROOT / "tests" / "php" / "lifecycle_cli.php"
BUYER = "buyer-812@example.com"
APP = "https://app.example.test"


def lifecycle(*args: str) -> dict:
    result = subprocess.run([PHP, str(LIFECYCLE), *args], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and not result.stderr, result.stderr or result.stdout
    return json.loads(result.stdout)


def plugin_request(action: str, shop_key: str, secret: str = WC_SECRET, email: str = BUYER) -> dict:
    """The one request the plugin's exporter or eraser sends (the stub answers 200 {})."""
    http = lifecycle("privacy", action, APP, shop_key, secret, email)["http"]
    assert len(http) == 1
    return http[0]


def replay(client, sent: dict):
    """Send what the plugin sent to our app, byte for byte."""
    return client.post(urlsplit(sent["url"]).path, data=sent["args"]["body"].encode(),
                       headers=sent["args"]["headers"])


def signed(client, shop_key: str, action: str, body: dict, secret: str = WC_SECRET):
    raw = json.dumps(body).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()
    return client.post(f"/woocommerce/privacy/{shop_key}/{action}", data=raw,
                       headers={"Content-Type": "application/json", "X-Aftersales-Signature": signature})


@pytest.fixture
def buyer(wc_shop):
    order = make_order(wc_shop, platform_order_id="812", status="shipped")
    add_parcel(order, tracking_number="00340434161094042557")
    db.session.add(SurveyAnswer(shop_id=wc_shop.id, order_id=order.id, score=9,
                                comment="Schnell, danke Erika"))
    db.session.add(IssuedVoucherRow(shop_id=wc_shop.id, order_id=order.id, purpose="thank_you:0",
                                    code="DANKE-7Q2X",
                                    discount="percent", value=10,
                                    expires_at=datetime(2027, 1, 6, 10, tzinfo=UTC)))
    db.session.add(ModuleClick(shop_id=wc_shop.id, customer_id=order.customer.id, source_order_id=order.id,
                               module="reorder", from_mail=False,
                               clicked_at=datetime(2026, 12, 7, 10, tzinfo=UTC)))
    db.session.commit()
    return order.customer


@needs_php
def test_plugin_registers_exporter_eraser_and_loads_its_translations():
    out = lifecycle("filters")
    assert out["exporters"]["aftersales"]["callback"] == "aftersales_privacy_export"
    assert out["erasers"]["aftersales"]["callback"] == "aftersales_privacy_erase"
    assert ["init", "aftersales_load_textdomain", 10] in out["actions"]


@needs_php
def test_exporter_posts_the_signed_address_to_the_app():
    sent = plugin_request("export", "sk_1", "sekret", "Jane@Example.com")
    assert sent["url"] == f"{APP}/woocommerce/privacy/sk_1/export"
    body = sent["args"]["body"]
    assert json.loads(body)["email"] == "Jane@Example.com"
    assert time.time() + 200 < json.loads(body)["exp"] <= time.time() + 300
    headers = sent["args"]["headers"]
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Aftersales-Signature"] == base64.b64encode(
        hmac.new(b"sekret", body.encode(), hashlib.sha256).digest()).decode()


@needs_php
def test_export_round_trip_gives_wordpress_the_buyers_data(client, wc_shop, buyer):
    answer = replay(client, plugin_request("export", wc_shop.shop_key))
    assert answer.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(DataExport)) == 0  # nothing kept at the app
    result = lifecycle("privacy", "export", APP, wc_shop.shop_key, WC_SECRET, BUYER, "200",
                       answer.get_data(as_text=True))["result"]
    assert result["done"] is True
    items = {item["item_id"]: item for item in result["data"]}
    assert set(items) == {"aftersales-customer-1", "aftersales-order-812"}
    assert {i["group_id"] for i in items.values()} == {"aftersales"}
    customer = {d["name"]: d["value"] for d in items["aftersales-customer-1"]["data"]}
    assert customer["Email address"] == BUYER and customer["Language"] == "de"
    order = {d["name"]: d["value"] for d in items["aftersales-order-812"]["data"]}
    assert order["Parcels"] == "DHL 00340434161094042557 (in_transit)"
    assert (order["Order"], order["Status"], order["Survey score"], order["Survey comment"]) == (
        "#1001", "shipped", "9", "Schnell, danke Erika")
    assert "Signed for by" not in order  # empty values are left out
    assert order["Voucher codes"] == "DANKE-7Q2X (2027-01-06T10:00:00+00:00)"
    assert customer["Links clicked"] == "reorder #812 2026-12-07T10:00:00+00:00"


@needs_php
def test_erase_round_trip_redacts_the_buyer(client, wc_shop, buyer):
    answer = replay(client, plugin_request("erase", wc_shop.shop_key))
    assert answer.status_code == 200 and answer.json["items_removed"] is True
    customer = db.session.get(Customer, buyer.id)
    assert customer.email is None and customer.suppressed_reason == "redacted"
    assert db.session.scalars(select(SurveyAnswer.comment)).one() is None
    result = lifecycle("privacy", "erase", APP, wc_shop.shop_key, WC_SECRET, BUYER, "200",
                       answer.get_data(as_text=True))["result"]
    assert result == {"items_removed": True, "items_retained": False, "done": True, "messages": [
        "Aftersales erased 1 customer record and will send this address no more mail."]}
    again = replay(client, plugin_request("erase", wc_shop.shop_key))
    assert again.json["items_removed"] is False  # nothing left to erase


@needs_php
@pytest.mark.parametrize("status, body, code", [
    ("0", "", "aftersales_unreachable"), ("401", '{"error": "invalid signature"}', "aftersales_refused"),
    ("200", "not json", "aftersales_refused")])
def test_a_failed_call_is_an_error_wordpress_shows(status, body, code):
    for action in ("export", "erase"):
        result = lifecycle("privacy", action, APP, "sk_1", "sekret", BUYER, status, body)["result"]
        assert result["code"] == code  # a WP_Error: WordPress reports it and does not mark the request done


@needs_php
def test_an_unconnected_store_calls_nobody():
    out = lifecycle("privacy", "export", APP, "", "", BUYER)
    assert out == {"result": {"data": [], "done": True}, "http": []}
    erased = lifecycle("privacy", "erase", APP, "sk_1", "", BUYER)
    assert erased["http"] == [] and erased["result"]["items_removed"] is False


@pytest.mark.parametrize("secret, ahead, status",
                         [("wrong", 240, 401), (WC_SECRET, -5, 401), (WC_SECRET, 3600, 401)])
def test_a_forged_or_stale_request_does_nothing(client, wc_shop, buyer, secret, ahead, status):
    for action in ("export", "erase"):
        answer = signed(client, wc_shop.shop_key, action, {"email": BUYER, "exp": int(time.time()) + ahead},
                        secret)
        assert answer.status_code == status and "customers" not in answer.json
    assert db.session.get(Customer, buyer.id).email == BUYER


def test_unknown_shop_or_malformed_body(client, wc_shop):
    assert signed(client, "nope", "export", {"email": BUYER, "exp": int(time.time()) + 60}).status_code == 404
    assert signed(client, wc_shop.shop_key, "erase", {"exp": int(time.time()) + 60}).status_code == 400
    assert signed(client, wc_shop.shop_key, "erase",
                  {"email": "no-at", "exp": int(time.time()) + 60}).status_code == 400
    shopify = Shop(platform="shopify", domain="x.myshopify.com", webhook_secret=WC_SECRET)
    db.session.add(shopify)
    db.session.commit()
    assert signed(client, shopify.shop_key, "export",
                  {"email": BUYER, "exp": int(time.time()) + 60}).status_code == 404


def test_another_shops_buyer_is_neither_exported_nor_erased(client, wc_shop, buyer):
    other = Shop(platform="woocommerce", domain="https://other.example", webhook_secret="other-secret")
    db.session.add(other)
    db.session.commit()
    exported = signed(client, other.shop_key, "export", {"email": BUYER, "exp": int(time.time()) + 60},
                      "other-secret")
    assert exported.status_code == 200 and exported.json == {"customers": []}
    erased = signed(client, other.shop_key, "erase", {"email": BUYER, "exp": int(time.time()) + 60},
                    "other-secret")
    assert erased.json["items_removed"] is False and db.session.get(Customer, buyer.id).email == BUYER
