"""The WooCommerce companion plugin: PHP syntax, its tokens verified here, render, reorder, zip."""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.extensions import db
from app.links.embed import EmbedTokenError, embed_token, verify_embed_token
from app.links.legacy import UNTIL
from app.models import Shop
from tests.support.factories import make_order
from tests.support.link_tokens import old_embed_token, v1_token

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "theme_blocks" / "woocommerce" / "aftersales"
CLI = ROOT / "tests" / "php" / "plugin_cli.php"
PHP = shutil.which("php")
needs_php = pytest.mark.skipif(PHP is None, reason="php-cli is not installed (apt-get install -y php-cli)")
PHP_FILES = sorted(PLUGIN.rglob("*.php")) + sorted((ROOT / "tests" / "php").glob("*.php"))
SECRET = "whsec0123456789abcdef"
ORDER_KEY = "wc_order_Xy12AbCdEf34g"
# Made once by the plugin's aftersales_make_token('abc', 12, 'wc_order_x', 'sekret', 1900000000).
KNOWN_TOKEN = ("v1.eyJwIjoiZW1iZWQiLCJ0IjoxOTAwMDAwMDAwLCJkIjp7InMiOiJhYmMiLCJvIjoxMiwiayI6"
               "IndjX29yZGVyX3gifX0"
               ".cFv9VA9tlcgvvjpd2sheQsUGaOO_kLT0UGypbQX50c0")
# Made once by plugin 0.1.0's aftersales_make_token('abc', 12, 'wc_order_x', 'sekret', 1900000000)
# (its own format, the last argument an expiry): read until app/links/legacy.py's date.
KNOWN_OLD_TOKEN = ("eyJzIjoiYWJjIiwibyI6MTIsImsiOiJ3Y19vcmRlcl94IiwiZSI6MTkwMDAwMDAwMH0"
                   ".sx9aKGxPQZ_zj4WDgjmpgu2QTcuCRcZEQuWpjhqWQg8")


def php(*args: str) -> str:
    result = subprocess.run([PHP, str(CLI), *args], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and not result.stderr, result.stderr or result.stdout
    return result.stdout


@needs_php
@pytest.mark.parametrize("path", PHP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_php_files_lint(path):
    result = subprocess.run([PHP, "-l", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr


def test_plugin_files_guard_direct_access_and_declare_hpos_and_blocks():
    for path in PLUGIN.rglob("*.php"):
        guard = "defined( 'WP_UNINSTALL_PLUGIN' ) || exit;" if path.name == "uninstall.php" \
            else "defined( 'ABSPATH' ) || exit;"
        assert guard in path.read_text(), path
    main = (PLUGIN / "aftersales.php").read_text()
    assert " * Plugin Name:       Aftersales for WooCommerce" in main
    assert "before_woocommerce_init" in main and "declare_compatibility( 'custom_order_tables'" in main
    assert "declare_compatibility( 'cart_checkout_blocks', AFTERSALES_FILE, true )" in main
    readme = (PLUGIN / "readme.txt").read_text()
    assert readme.startswith("=== Aftersales for WooCommerce ===") and "Stable tag: 0.3.0" in readme


def headers(text: str) -> dict[str, str]:
    return dict(re.findall(r"^(?: \* )?([A-Z][A-Za-z ]+):[ \t]*(.+?)\s*$", text, re.M))


def test_headers_and_readme_agree_and_are_current():
    main, readme = headers((PLUGIN / "aftersales.php").read_text()), headers((PLUGIN / "readme.txt")
                                                                             .read_text())
    for field in ("Requires at least", "Requires PHP"):
        assert main[field] == readme[field], field
    # "Requires Plugins" is read from WordPress 6.5 on; older versions would ignore the dependency.
    assert main["Requires Plugins"] == "woocommerce"
    assert tuple(map(int, main["Requires at least"].split("."))) >= (6, 5)
    assert readme["Tested up to"] == "7.1" and main["WC tested up to"] == "10.0"  # newest releases seen
    assert main["Update URI"] == "false" and "Plugin URI" not in main  # no update server, no project page
    assert readme["Stable tag"] == main["Version"]
    text = (PLUGIN / "readme.txt").read_text()
    assert "== External services ==" in text and "Terms of use: " in text and "Privacy policy: " in text


def test_python_makes_the_known_answer_token():
    assert embed_token("abc", 12, "wc_order_x", "sekret", 1900000000) == KNOWN_TOKEN
    assert v1_token("sekret", "embed", {"s": "abc", "o": 12, "k": "wc_order_x"}, 1900000000) == KNOWN_TOKEN


@needs_php
def test_php_makes_the_same_token_as_python():
    assert php("token", "abc", "12", "wc_order_x", "sekret", "1900000000") == KNOWN_TOKEN
    cases = [("Zx-_9aB", "7", "wc_order_a/b+c", "s3cr3t/with+slash", "1800000000"),
             ("k" * 24, "123456", ORDER_KEY, SECRET, "2000000000")]
    for shop_key, order_id, order_key, secret, expires in cases:
        made_by_php = php("token", shop_key, order_id, order_key, secret, expires)
        python_side = embed_token(shop_key, order_id, order_key, secret, int(expires))
        assert made_by_php == python_side  # the plugin keeps "/" unescaped, as Python does


@pytest.fixture
def woo_shop(app):
    shop = Shop(platform="woocommerce", domain="shop.example", webhook_secret=SECRET)
    db.session.add(shop)
    db.session.commit()
    return shop


@needs_php
def test_php_token_with_a_slash_verifies_in_python(woo_shop):
    token = php("token", woo_shop.shop_key, "812", "wc_order_a/b", SECRET, "1800000000")
    claims = verify_embed_token(token, now=1800000000 + 3599)
    assert (claims.platform_order_id, claims.order_key) == ("812", "wc_order_a/b")
    with pytest.raises(EmbedTokenError, match="has expired"):
        verify_embed_token(token, now=1800000000 + 3601)


def test_an_old_plugins_token_verifies_until_the_legacy_date(woo_shop):
    """Plugin 0.1.0 signs its own format, with an expiry it picks (at most a day ahead)."""
    made = old_embed_token(woo_shop.shop_key, 812, ORDER_KEY, SECRET, 1800000000 + 3600)
    claims = verify_embed_token(made, now=1800000000)
    assert (claims.shop.id, claims.platform_order_id, claims.order_key) == (woo_shop.id, "812", ORDER_KEY)
    for now, message in ((1800000000 + 3600, "has expired"),
                         (1800000000 + 3600 - 86401, "too far in the future")):
        with pytest.raises(EmbedTokenError, match=message):
            verify_embed_token(made, now=now)
    forged = old_embed_token(woo_shop.shop_key, 812, ORDER_KEY, "not-the-secret", 1800000000 + 3600)
    with pytest.raises(EmbedTokenError, match="signature does not match"):
        verify_embed_token(forged, now=1800000000)
    after = datetime.combine(UNTIL["embed"] + timedelta(days=1), time(), timezone.utc).timestamp()
    late = old_embed_token(woo_shop.shop_key, 812, ORDER_KEY, SECRET, int(after) + 3600)
    with pytest.raises(EmbedTokenError, match="outdated Aftersales plugin") as retired:
        verify_embed_token(late, now=after)
    assert retired.value.status == 403


def test_the_frozen_old_plugin_token_is_what_the_tests_make_and_its_signature_checks():
    from app.links import legacy
    from app.links.signer import BadToken
    assert old_embed_token("abc", 12, "wc_order_x", "sekret", 1900000000) == KNOWN_OLD_TOKEN
    now = datetime(2027, 1, 15, tzinfo=timezone.utc).timestamp()  # its expiry (2030) is too far ahead
    for secret, reason in (("sekret", "future"), ("other", "forged")):
        with pytest.raises(BadToken) as refused:
            legacy.verify("embed", KNOWN_OLD_TOKEN, (secret,), now, 3600)
        assert refused.value.reason == reason


@needs_php
def test_thankyou_placeholder_loads_the_fragment(app, client, woo_shop):
    make_order(woo_shop, platform_order_id="812", platform_order_key=ORDER_KEY)
    db.session.commit()
    out = json.loads(php("render", app.config["APP_URL"], woo_shop.shop_key, SECRET, "812", ORDER_KEY))
    page = out["html"]
    assert page.count("data-aftersales-block") == 1  # thank-you and view-order hooks on one page
    assert out["log"]["scripts"][0]["args"] == {"in_footer": True, "strategy": "async"}
    src = html.unescape(re.search(r'data-src="([^"]+)"', page).group(1))
    noscript = html.unescape(re.search(r'<noscript><p><a href="([^"]+)"', page).group(1))
    assert src.startswith(app.config["APP_URL"] + "/embed/v1/order-status?token=")
    fragment = client.get(urlsplit(src).path + "?" + urlsplit(src).query)
    assert fragment.status_code == 200 and 'class="as-block"' in fragment.get_data(as_text=True)
    assert fragment.headers["Access-Control-Allow-Origin"] == "*"
    hosted = client.get(urlsplit(noscript).path + "?" + urlsplit(noscript).query)
    assert hosted.status_code == 303 and client.get(hosted.headers["Location"]).status_code == 200


@needs_php
def test_render_prints_nothing_until_configured():
    out = json.loads(php("render", "", "", "", "812", ORDER_KEY))
    assert out["html"] == "" and out["log"]["scripts"] == []


@needs_php
def test_reorder_adds_purchasable_items_and_skips_the_rest():
    out = json.loads(php("reorder", "wc_order_right"))
    assert out["cart"] == [[7, 2, 0, []], [9, 1, 91, {"attribute_pa_size": "xl"}]]
    assert ["notice", "2 items are no longer available."] in out["log"]["notices"]
    assert out["log"]["redirects"] == ["https://shop.example/cart/"]


@needs_php
def test_reorder_refuses_a_wrong_order_key():
    out = json.loads(php("reorder", "wc_order_wrong"))
    assert out["cart"] == []
    assert out["log"]["notices"] == [["error", "This reorder link is not valid."]]


def test_make_extensions_builds_the_plugin_zip_with_the_folder_at_its_root():
    # `make plugin` alone: `make extensions` also builds the Shopify block, which needs AFTERSALES_API_ORIGIN.
    subprocess.run(["make", "-s", "plugin", f"PYTHON={sys.executable}"], cwd=ROOT, check=True,
                   capture_output=True, timeout=60)
    with zipfile.ZipFile(ROOT / "dist" / "aftersales-woocommerce.zip") as archive:
        names = set(archive.namelist())
    assert {"aftersales/aftersales.php", "aftersales/readme.txt", "aftersales/assets/embed.js",
            "aftersales/includes/token.php", "aftersales/languages/aftersales-de_DE.mo"} <= names
    assert all(name.startswith("aftersales/") for name in names)
