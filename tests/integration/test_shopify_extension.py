"""The Shopify UI extension: `make extensions` builds it (with the block API's origin from
AFTERSALES_API_ORIGIN, or not at all), the bundle stays small, its logic works; the app root
is one the Shopify CLI can build and deploy (package.json workspaces, shopify.web.toml, a
template shopify.app.toml that `make shopify-config` fills in)."""
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
from tests.integration.test_block_api import session_token
from tests.support.click_links import target_of
from tests.support.factories import add_parcel, make_order, set_module

ROOT = Path(__file__).resolve().parents[2]
APP_ROOT = ROOT / "theme_blocks/shopify"
EXTENSION = APP_ROOT / "extensions/order-status-block"
BUDGET_BYTES = 20 * 1024
ORIGIN = "https://block-origin.aftersales.test"
NPM_INSTALLED = APP_ROOT / "node_modules/.package-lock.json"


def without_origin(**extra) -> dict:
    """This process's environment without the build's variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in ("AFTERSALES_API_ORIGIN", "AFTERSALES_DEV")}
    return {**env, **extra}


def npm_ci() -> None:
    setup = subprocess.run(["make", str(NPM_INSTALLED.relative_to(ROOT))], cwd=ROOT, capture_output=True,
                           text=True,
                           timeout=600)
    assert setup.returncode == 0, setup.stdout + setup.stderr


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
    result = subprocess.run(["make", "extensions"], cwd=ROOT, capture_output=True, text=True, timeout=600,
                            env=without_origin(AFTERSALES_API_ORIGIN=ORIGIN))
    assert result.returncode == 0, result.stdout + result.stderr
    bundle = sorted((EXTENSION / "dist").glob("*.js"))
    assert {p.name for p in bundle} >= {"thank-you.js", "order-status.js"}
    compressed = sum(len(gzip.compress(p.read_bytes(), compresslevel=9)) for p in bundle)
    assert 0 < compressed <= BUDGET_BYTES, compressed
    code = "".join(p.read_text() for p in bundle)
    assert "/api/v1/order-status" in code
    assert f'"{ORIGIN}"' in code  # the origin given, baked in
    assert "aftersales.example.com" not in code and "process.env" not in code
    assert (ROOT / "dist/aftersales-woocommerce.zip").is_file()


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed: cannot build the extension")
@pytest.mark.parametrize(("origin", "dev", "message"), [
    (None, None, "AFTERSALES_API_ORIGIN is not set"),
    ("", None, "AFTERSALES_API_ORIGIN is not set"),
    ("http://aftersales.example.org", None, "must use https"),
    ("https://aftersales.example.org/api", None, "must be an origin only"),
    ("http://127.0.0.1:8000", None, "allowed for a local build only, with AFTERSALES_DEV=1"),
    ("http://aftersales.example.org", "1", "must use https"),
])
def test_make_shopify_extension_fails_without_an_https_origin(origin, dev, message):
    npm_ci()
    (EXTENSION / "dist").mkdir(exist_ok=True)
    sentinel = EXTENSION / "dist/sentinel.js"
    sentinel.write_text("// an earlier build")
    extra = {k: v for k, v in (("AFTERSALES_API_ORIGIN", origin), ("AFTERSALES_DEV", dev)) if v is not None}
    result = subprocess.run(["make", "shopify-extension"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300,
                            env=without_origin(**extra))
    assert result.returncode != 0
    assert (f"build failed: {message}" in result.stderr or message
            in result.stderr), result.stdout + result.stderr
    assert "Traceback" not in result.stderr and " at " not in result.stderr  # one line, no stack
    assert sentinel.exists()  # failed before touching dist/
    sentinel.unlink()


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed: cannot build the extension")
def test_a_loopback_http_origin_builds_only_with_the_dev_flag():
    npm_ci()
    result = subprocess.run(["make", "shopify-extension"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300,
                            env=without_origin(AFTERSALES_API_ORIGIN="http://127.0.0.1:8000",
                                               AFTERSALES_DEV="1"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"http://127.0.0.1:8000"' in "".join(p.read_text() for p in (EXTENSION / "dist").glob("*.js"))


@pytest.mark.skipif(shutil.which("shopify") is None or shutil.which("npm") is None,
                    reason="the Shopify CLI (npm install -g @shopify/cli, Node >= 22.12 for 4.x) is not "
                           "installed")
def test_the_shopify_cli_build_takes_the_origin_or_fails():
    """`shopify app build` bundles the extension itself (no network needed); it reads the
    variable from its environment and fails, naming it, without."""
    npm_ci()
    env = without_origin(SHOPIFY_CLI_NO_ANALYTICS="1", CI="1")
    built = subprocess.run(["shopify", "app", "build", "--path", str(APP_ROOT)], capture_output=True,
                           text=True,
                           timeout=300, env={**env, "AFTERSALES_API_ORIGIN": ORIGIN})
    assert built.returncode == 0, built.stdout + built.stderr
    assert f'"{ORIGIN}"' in (EXTENSION / "dist/order-status-block.js").read_text()
    refused = subprocess.run(["shopify", "app", "build", "--path", str(APP_ROOT)], capture_output=True,
                             text=True,
                             timeout=300, env=env)
    assert refused.returncode != 0
    assert "AFTERSALES_API_ORIGIN is not set" in refused.stdout + refused.stderr


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


@pytest.mark.skipif(shutil.which("node") is None,
                    reason="node is not installed: cannot run the JS unit tests")
def test_js_logic_unit_tests_pass():
    """Among them test/guest.test.mjs: the full answer, the guest's status-only answer, and 403."""
    result = subprocess.run(["node", "--test", "test/"], cwd=EXTENSION, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout


def test_the_app_root_is_a_shopify_cli_app_with_the_extension_as_a_workspace():
    package = json.loads((APP_ROOT / "package.json").read_text())
    assert package["private"] is True
    assert "extensions/*" in package["workspaces"]
    assert (EXTENSION / "package.json").is_file() and (APP_ROOT / "package-lock.json").is_file()
    assert not (EXTENSION / "package-lock.json").exists()  # one lock file, at the workspace root
    lock = json.loads((APP_ROOT / "package-lock.json").read_text())
    assert "extensions/order-status-block" in lock["packages"]
    for script in ("prebuild", "predeploy", "predev"):
        assert "check-origin.mjs" in package["scripts"][script]
    assert package["scripts"]["deploy"] == "shopify app deploy"
    web = tomllib.loads((APP_ROOT / "shopify.web.toml").read_text())
    assert set(web["roles"]) == {"frontend", "backend"}
    assert web["commands"]["dev"] == "make -C ../.. run"
    assert web["auth_callback_path"] == "/shopify/auth/callback"
    # The CLI bundles .jsx with its own esbuild: the JSX runtime must come from tsconfig.json.
    tsconfig = json.loads((EXTENSION / "tsconfig.json").read_text())
    assert tsconfig["compilerOptions"]["jsxImportSource"] == "preact"


def test_the_app_toml_is_a_template_without_a_real_app():
    text = (APP_ROOT / "shopify.app.toml").read_text()
    config = tomllib.loads(text)
    assert config["client_id"] == "set-by-make-shopify-config"
    urls = [config["application_url"], *config["auth"]["redirect_urls"],
            *(sub["uri"] for sub in config["webhooks"]["subscriptions"])]
    assert all(url.startswith("https://app-url.invalid/") for url in urls), urls
    assert config["application_url"].endswith("/shopify/app")
    assert config["build"]["automatically_update_urls_on_dev"] is False
    assert "example.com" not in text


def test_make_shopify_config_writes_a_config_for_one_app(tmp_path):
    script = APP_ROOT / "scripts/app_config.py"
    env = {**os.environ, "SHOPIFY_API_KEY": "0123456789abcdef0123456789abcdef",
           "APP_URL": "https://aftersales.shop.test/"}
    done = subprocess.run(["python3", str(script), "--name", "production", "--output-dir", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "shopify.app.production.toml").read_text()
    config = tomllib.loads(text)
    assert config["client_id"] == "0123456789abcdef0123456789abcdef"
    assert config["application_url"] == "https://aftersales.shop.test/shopify/app"
    assert config["auth"]["redirect_urls"] == ["https://aftersales.shop.test/shopify/auth/callback"]
    assert [sub["uri"] for sub in config["webhooks"]["subscriptions"]] == [
        "https://aftersales.shop.test/webhooks/shopify",
        "https://aftersales.shop.test/webhooks/shopify/compliance"]
    template = tomllib.loads((APP_ROOT / "shopify.app.toml").read_text())
    assert config["access_scopes"] == template["access_scopes"]
    assert (config["webhooks"]["subscriptions"][0]["topics"]
            == template["webhooks"]["subscriptions"][0]["topics"])
    assert "app-url.invalid" not in text and "set-by-make-shopify-config" not in text
    for bad, message in [({"SHOPIFY_API_KEY": ""}, "SHOPIFY_API_KEY is not set"),
                         ({"APP_URL": ""}, "APP_URL is not set"),
                         ({"APP_URL": "http://aftersales.shop.test"}, "must be an https URL"),
                         ({"APP_URL": "https://aftersales.shop.test/app"}, "must be an origin only")]:
        refused = subprocess.run(["python3", str(script), "--output-dir", str(tmp_path)], capture_output=True,
                                 text=True, env={**env, **bad}, timeout=60)
        assert refused.returncode == 2 and message in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr
    ignored = (APP_ROOT / ".gitignore").read_text()
    assert "shopify.app.*.toml" in ignored.splitlines()


def render_with_extension(answer: bytes, locale: str, *flags: str) -> str:
    """The extension's own view code (scripts/render-view.mjs) rendering a block API answer;
    flags: `--status <http status>`, `--can-login`, `--pre-authenticated`."""
    npm_ci()
    result = subprocess.run(["node", "scripts/render-view.mjs", locale, *flags], cwd=EXTENSION, input=answer,
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


@pytest.fixture
def delivered_with_content(shop):
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    order = make_order(shop, platform_order_id="450789469", status="delivered",
                       placed_at=now - timedelta(hours=30),
                       lines=(("l1", 1, "4001"),))
    add_parcel(order, status="delivered", delivered_at=now - timedelta(hours=2))
    # on the order-status page, logged in (a guest sees status only)
    order.customer.platform_customer_id = "7"
    set_module(shop, "faq", entries=[
        {"id": "q1", "question": {"de": "Wie wasche ich das?", "en": "How do I wash it?"},
         "answer": {"de": "Kalt waschen.\nLinks gedreht.", "en": "Wash cold.\nInside out."},
         "scope": "all", "show": "after_delivery"}])
    set_module(shop, "banner", title={"de": "Danke!", "en": "Thank you!"},
               text={"de": "Zehn Prozent auf alles."},
               url="https://johns-apparel.example/sale", discount_code="DANKE10", show="after_delivery")
    set_module(shop, "social", instagram="https://instagram.com/johns",
               newsletter_url="https://johns.example/news")
    db.session.commit()
    return order


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed: cannot render the extension")
@pytest.mark.parametrize(("locale", "expected"), [
    ("de", ["<s-summary>Wie wasche ich das?</s-summary>", "<s-paragraph>Kalt waschen.</s-paragraph>",
            "<s-paragraph>Links gedreht.</s-paragraph>", "<s-heading>Danke!</s-heading>",
            "<s-paragraph>Zehn Prozent auf alles.</s-paragraph>",
            'Ihr Rabattcode: <s-text type="strong">DANKE10</s-text>', ">Code kopieren</s-button>",
            # The banner's link leads through the click redirect (the address filled in below).
            '<s-button href="{banner_url}" target="_blank">Mehr erfahren</s-button>',
            "<s-heading>Folgen Sie uns</s-heading>",
            '<s-link href="https://instagram.com/johns" target="_blank">Instagram</s-link>',
            '<s-button href="https://johns.example/news" target="_blank">Newsletter abonnieren</s-button>']),
    ("en", ["<s-summary>How do I wash it?</s-summary>", "<s-paragraph>Wash cold.</s-paragraph>",
            "<s-heading>Thank you!</s-heading>",
            'Your discount code: <s-text type="strong">DANKE10</s-text>', ">Copy code</s-button>",
            "<s-heading>Follow us</s-heading>",
            '<s-button href="https://johns.example/news" target="_blank">Sign up for our '
            'newsletter</s-button>']),
])
def test_the_extension_renders_faq_banner_and_social_from_a_real_answer(client, delivered_with_content,
                                                                        locale,
                                                                        expected):
    answer = client.get("/api/v1/order-status", query_string={"order_id": "gid://shopify/Order/450789469",
                                                              "locale": locale},
                        headers={"Authorization": f"Bearer {session_token(sub='7')}"})
    assert answer.status_code == 200, answer.data
    assert {"faq", "banner", "social"} <= set(answer.get_json()["modules"])
    banner_url = answer.get_json()["modules"]["banner"]["url"]
    assert target_of(banner_url) == "https://johns-apparel.example/sale"
    html = render_with_extension(answer.data, locale)
    assert html.startswith('<s-section heading="') and "#1001" in html
    for fragment in expected:
        fragment = fragment.replace("{banner_url}", banner_url)
        assert fragment in html, fragment


# A guest opens the order status page from the confirmation mail: the session token has no
# `sub`. The block API (app/web/blocks.py) gives the full order in the first 2 hours, the
# status only until 72 hours, then 403; the block must show something sensible each time.
FROM_THE_MAIL = ("--can-login", "--pre-authenticated")


@pytest.fixture
def guest_order(shop):
    from datetime import datetime, timedelta, timezone
    from decimal import Decimal

    def make(hours_ago: float):
        order = make_order(shop, platform_order_id="450789469", status="shipped",
                           placed_at=datetime.now(timezone.utc) - timedelta(hours=hours_ago),
                           total_price=Decimal("59.90"),
                           lines=(("l1", 1, "4001"),))
        order.customer.platform_customer_id = "7"
        add_parcel(order, tracking_number="00340434161094042557")
        db.session.commit()
        return order
    return make


def guest_answer(client, locale: str):
    return client.get("/api/v1/order-status", query_string={"order_id": "gid://shopify/Order/450789469",
                                                            "locale": locale},
                      headers={"Authorization": f"Bearer {session_token()}"})


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed: cannot render the extension")
def test_a_guest_from_the_mail_in_the_first_hours_sees_the_parcel(client, guest_order):
    guest_order(1)
    answer = guest_answer(client, "en")
    assert answer.status_code == 200
    html = render_with_extension(answer.data, "en", *FROM_THE_MAIL)
    assert "Tracking number: 00340434161094042557" in html
    assert "Log in" not in html


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed: cannot render the extension")
@pytest.mark.parametrize(("locale", "hint", "button"), [
    ("de", "Melden Sie sich an, um Ihre Pakete und Sendungsnummern zu sehen.",
     "<s-button>Anmelden</s-button>"),
    ("en", "Log in to see your parcels and tracking numbers.", "<s-button>Log in</s-button>"),
])
def test_a_guest_from_the_mail_later_sees_the_status_and_a_way_to_log_in(client, guest_order, locale, hint,
                                                                         button):
    guest_order(30)
    answer = guest_answer(client, locale)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["order"]["total"] is None and "tracking" not in body["modules"]
    html = render_with_extension(answer.data, locale, *FROM_THE_MAIL)
    assert html.startswith('<s-section heading="') and "#1001" in html
    assert "<s-ordered-list>" in html  # the timeline
    assert f"<s-text>{hint}</s-text>{button}" in html
    assert "00340434161094042557" not in html and "59.9" not in html and "<s-link" not in html
    # The same answer on a page without login (thank-you): the status alone, no button.
    plain = render_with_extension(answer.data, locale)
    assert "<s-ordered-list>" in plain and "<s-button" not in plain


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed: cannot render the extension")
@pytest.mark.parametrize(("locale", "expected"), [
    ("de", '<s-section heading="Ihre Bestellung"><s-stack gap="base"><s-stack gap="small-500">'
           "<s-text>Bitte melden Sie sich an, um den Status dieser Bestellung zu sehen.</s-text>"
           "<s-button>Anmelden</s-button></s-stack></s-stack></s-section>"),
    ("en", '<s-section heading="Your order"><s-stack gap="base"><s-stack gap="small-500">'
           "<s-text>Please log in to see the status of this order.</s-text>"
           "<s-button>Log in</s-button></s-stack></s-stack></s-section>"),
])
def test_after_72_hours_a_guest_is_invited_to_log_in(client, guest_order, locale, expected):
    guest_order(80)
    answer = guest_answer(client, locale)
    assert answer.status_code == 403 and answer.get_json()["error"] == "login required"
    assert render_with_extension(answer.data, locale, "--status", "403", *FROM_THE_MAIL) == expected
