"""Deleting the plugin: uninstall.php (run as WordPress runs it, with stubs for $wpdb and
WooCommerce's webhook data store) removes the app's webhooks and REST keys, says goodbye
to the app, and removes the plugin's options; nothing else of the store is touched."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from tests.integration.test_woocommerce_plugin import needs_php, php
from tests.integration.test_woocommerce_privacy import lifecycle

pytestmark = needs_php
APP = "https://app.example.test"
OURS = [{"webhook_id": n, "delivery_url": f"{APP}/webhooks/woocommerce/sk_1"} for n in range(1, 13)]
THEIRS = [{"webhook_id": 20, "delivery_url": "https://hooks.zapier.test/app.example.test/x"},
          {"webhook_id": 21, "delivery_url": f"{APP}.evil.test/webhooks"}]
KEYS = [{"description": "Aftersales - API (2026-12-01 10:00:00)"},
        {"description": "Aftersales - API (2026-12-02 11:00:00)"},
        {"description": "Aftersales Reports - API (2026-12-01 10:00:00)"},
        {"description": "Zapier - API (2026-12-01)"},
        {"description": "AftersalesXX- API (x)"}]
OPTIONS = {"aftersales_app_url": APP, "aftersales_shop_key": "sk_1", "aftersales_secret": "sekret",
           "aftersales_connect_claim": {"hash": "ab", "expires": 1}, "woocommerce_currency": "EUR"}


def uninstall(woocommerce_active: bool, options: dict | None = None, tables: dict | None = None) -> dict:
    state = {"options": OPTIONS if options is None else options,
             "tables": tables if tables is not None
             else {"wp_wc_webhooks": OURS + THEIRS, "wp_woocommerce_api_keys": KEYS}}
    return lifecycle("uninstall", "1" if woocommerce_active else "0", json.dumps(state))


@pytest.mark.parametrize("woocommerce_active", [True, False])
def test_uninstall_removes_our_webhooks_keys_and_options_only(woocommerce_active):
    out = uninstall(woocommerce_active)
    assert out["tables"]["wp_wc_webhooks"] == THEIRS  # more than one page of ours: all gone
    assert [k["description"] for k in out["tables"]["wp_woocommerce_api_keys"]] == [
        "Aftersales Reports - API (2026-12-01 10:00:00)", "Zapier - API (2026-12-01)",
        "AftersalesXX- API (x)"]
    assert out["options"] == {"woocommerce_currency": "EUR"}  # claim, URL, key and secret gone
    if woocommerce_active:  # through WooCommerce's data store, so its caches and hooks follow
        assert [d[0] for d in out["log"]["webhooks_deleted"]] == list(range(1, 13))
        assert all(force for _, force in out["log"]["webhooks_deleted"])
        assert not any("wc_webhooks" in sql and sql.startswith("DELETE") for sql in out["log"]["sql"])


def test_uninstall_says_goodbye_to_the_app_signed():
    http = uninstall(True)["log"]["http"]
    assert len(http) == 1 and http[0]["url"] == f"{APP}/woocommerce/disconnect/sk_1"
    body = http[0]["args"]["body"]
    assert list(json.loads(body)) == ["exp"]
    assert http[0]["args"]["headers"]["X-Aftersales-Signature"] == base64.b64encode(
        hmac.new(b"sekret", body.encode(), hashlib.sha256).digest()).decode()


def test_a_renamed_app_has_its_keys_found_by_the_name_it_sent():
    out = uninstall(True, {**OPTIONS, "aftersales_app_name": "Aftersales Reports"})
    assert [k["description"] for k in out["tables"]["wp_woocommerce_api_keys"]] == [
        "Aftersales - API (2026-12-01 10:00:00)", "Aftersales - API (2026-12-02 11:00:00)",
        "Zapier - API (2026-12-01)", "AftersalesXX- API (x)"]
    assert "aftersales_app_name" not in out["options"]


def test_never_connected_plugin_touches_no_webhook_and_calls_nobody():
    out = uninstall(True, {"aftersales_connect_claim": {"hash": "ab"}})
    assert out["tables"]["wp_wc_webhooks"] == OURS + THEIRS and out["log"].get("http") is None
    assert out["options"] == {}


def test_missing_woocommerce_tables_are_no_error():
    out = uninstall(False, tables={})
    assert all(sql.startswith("SHOW TABLES") for sql in out["log"]["sql"]) and len(out["log"]["sql"]) == 2
    assert out["options"] == {"woocommerce_currency": "EUR"}


def test_the_plugin_keeps_the_app_name_sent_at_connection():
    body = {"claim": "c" * 43, "shop_key": "sk_1", "secret": "s3cret", "app_name": "Aftersales Reports"}
    out = json.loads(php("connect-receive", "c" * 43, "600", json.dumps(body)))
    assert out["options"]["aftersales_app_name"] == "Aftersales Reports"
    older_app = json.loads(php("connect-receive", "c" * 43, "600", json.dumps({**body, "app_name": None})))
    assert "aftersales_app_name" not in older_app["options"]  # uninstall then looks for "Aftersales"
