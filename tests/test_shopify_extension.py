"""The Shopify UI extension: `make extensions` builds it, the bundle stays small, its logic works."""
from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from app.extensions import db
from tests.factories import add_parcel, make_order, set_module
from tests.test_block_api import session_token

ROOT = Path(__file__).resolve().parents[1]
EXTENSION = ROOT / "theme_blocks/shopify/extensions/order-status-block"
BUDGET_BYTES = 20 * 1024


def test_extension_config_has_both_targets_and_network_access():
    config = tomllib.loads((EXTENSION / "shopify.extension.toml").read_text())
    assert config["api_version"] >= "2026-01"
    (extension,) = config["extensions"]
    targets = {t["target"]: t["module"] for t in extension["targeting"]}
    assert set(targets) == {"purchase.thank-you.block.render", "customer-account.order-status.block.render"}
    assert all((EXTENSION / module).is_file() for module in targets.values())
    assert extension["capabilities"]["network_access"] is True
    # The package matches the API version: 2026-07 ↔ @shopify/ui-extensions 2026.7.x.
    package = json.loads((EXTENSION / "package.json").read_text())
    year, month = config["api_version"].split("-")
    assert package["dependencies"]["@shopify/ui-extensions"].startswith(f"{year}.{int(month)}.")


def test_locales_have_the_same_keys():
    de = json.loads((EXTENSION / "locales/de.default.json").read_text())
    en = json.loads((EXTENSION / "locales/en.json").read_text())
    assert de.keys() == en.keys()
    assert {"title", "trackParcel", "trackingNumber"} <= de.keys()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed: cannot build the extension")
def test_make_extensions_builds_a_bundle_within_budget():
    result = subprocess.run(["make", "extensions"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    bundle = sorted((EXTENSION / "dist").glob("*.js"))
    assert {p.name for p in bundle} >= {"thank-you.js", "order-status.js"}
    compressed = sum(len(gzip.compress(p.read_bytes(), compresslevel=9)) for p in bundle)
    assert 0 < compressed <= BUDGET_BYTES, compressed
    assert "/api/v1/order-status" in "".join(p.read_text() for p in bundle)
    assert (ROOT / "dist/aftersales-woocommerce.zip").is_file()


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: cannot run the size check")
def test_size_check_fails_above_the_budget(tmp_path):
    """The size script exits non-zero when dist/ holds more than 20 KB gzipped."""
    copy = tmp_path / "ext"
    (copy / "scripts").mkdir(parents=True)
    shutil.copy(EXTENSION / "scripts/check-size.mjs", copy / "scripts")
    (copy / "dist").mkdir()
    (copy / "dist/big.js").write_bytes(bytes(range(256)) * 200 + os.urandom(25_000))
    result = subprocess.run(["node", "scripts/check-size.mjs"], cwd=copy, capture_output=True, text=True)
    assert result.returncode == 1
    assert "bundle too large" in result.stderr


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: cannot run the JS unit tests")
def test_js_logic_unit_tests_pass():
    result = subprocess.run(["node", "--test", "test/"], cwd=EXTENSION, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout


def render_with_extension(answer: bytes, locale: str) -> str:
    """The extension's own view code (scripts/render-view.mjs) rendering a block API answer."""
    node_modules = EXTENSION / "node_modules/.package-lock.json"
    setup = subprocess.run(["make", str(node_modules.relative_to(ROOT))], cwd=ROOT, capture_output=True, text=True,
                           timeout=600)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    result = subprocess.run(["node", "scripts/render-view.mjs", locale], cwd=EXTENSION, input=answer,
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


@pytest.fixture
def delivered_with_content(shop):
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    order = make_order(shop, platform_order_id="450789469", status="delivered", placed_at=now - timedelta(hours=30),
                       lines=(("l1", 1, "4001"),))
    add_parcel(order, status="delivered", delivered_at=now - timedelta(hours=2))
    order.customer.platform_customer_id = "7"  # on the order-status page, logged in (a guest sees status only)
    set_module(shop, "faq", entries=[
        {"id": "q1", "question": {"de": "Wie wasche ich das?", "en": "How do I wash it?"},
         "answer": {"de": "Kalt waschen.\nLinks gedreht.", "en": "Wash cold.\nInside out."},
         "scope": "all", "show": "after_delivery"}])
    set_module(shop, "banner", title={"de": "Danke!", "en": "Thank you!"}, text={"de": "Zehn Prozent auf alles."},
               url="https://johns-apparel.example/sale", discount_code="DANKE10", show="after_delivery")
    set_module(shop, "social", instagram="https://instagram.com/johns", newsletter_url="https://johns.example/news")
    db.session.commit()
    return order


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed: cannot render the extension")
@pytest.mark.parametrize(("locale", "expected"), [
    ("de", ["<s-summary>Wie wasche ich das?</s-summary>", "<s-paragraph>Kalt waschen.</s-paragraph>",
            "<s-paragraph>Links gedreht.</s-paragraph>", "<s-heading>Danke!</s-heading>",
            "<s-paragraph>Zehn Prozent auf alles.</s-paragraph>",
            'Ihr Rabattcode: <s-text type="strong">DANKE10</s-text>', ">Code kopieren</s-button>",
            '<s-button href="https://johns-apparel.example/sale" target="_blank">Mehr erfahren</s-button>',
            "<s-heading>Folgen Sie uns</s-heading>",
            '<s-link href="https://instagram.com/johns" target="_blank">Instagram</s-link>',
            '<s-button href="https://johns.example/news" target="_blank">Newsletter abonnieren</s-button>']),
    ("en", ["<s-summary>How do I wash it?</s-summary>", "<s-paragraph>Wash cold.</s-paragraph>",
            "<s-heading>Thank you!</s-heading>",
            'Your discount code: <s-text type="strong">DANKE10</s-text>', ">Copy code</s-button>",
            "<s-heading>Follow us</s-heading>",
            '<s-button href="https://johns.example/news" target="_blank">Sign up for our newsletter</s-button>']),
])
def test_the_extension_renders_faq_banner_and_social_from_a_real_answer(client, delivered_with_content, locale,
                                                                        expected):
    answer = client.get("/api/v1/order-status", query_string={"order_id": "gid://shopify/Order/450789469",
                                                              "locale": locale},
                        headers={"Authorization": f"Bearer {session_token(sub='7')}"})
    assert answer.status_code == 200, answer.data
    assert {"faq", "banner", "social"} <= set(answer.get_json()["modules"])
    html = render_with_extension(answer.data, locale)
    assert html.startswith('<s-section heading="') and "#1001" in html
    for fragment in expected:
        assert fragment in html, fragment
