"""Inside Shopify the admin speaks App Bridge: a title bar on every page, the contextual save bar
on settings forms, and links into the checkout and accounts editor to place our block. The
wp-admin frame shows none of these."""
from __future__ import annotations

import html
import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.support.admin_sessions import SHOPIFY_DOMAIN, admin_get_pages, bearer

EXTENSION_TOML = (Path(__file__).resolve().parents[2] / "theme_blocks" / "shopify" / "extensions"
                  / "order-status-block" / "shopify.extension.toml")
# Settings forms, by page: what a merchant edits and saves (not actions such as delete or send).
SETTINGS_FORMS = {
    "/admin/content": {"content-form", "banner-form"},
    "/admin/legal": {"legal-form"},
    "/admin/tracking-address": {"tracking-address-form"},
    "/admin/earnings": {"measurement-form"},
}


class Frame(HTMLParser):
    """The App Bridge elements of one page: title bars, forms and editor links."""

    def __init__(self):
        super().__init__()
        self.title_bars: list[dict] = []
        self.title_bar_children: list[dict] = []
        self.forms: list[dict] = []
        self.editor_links: list[dict] = []
        self.h1 = ""
        self._in_title_bar = self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "ui-title-bar":
            self.title_bars.append(attrs)
            self._in_title_bar = True
        elif self._in_title_bar:
            self.title_bar_children.append({"tag": tag, **attrs})
        if tag == "form":
            self.forms.append(attrs)
        if tag == "a" and "data-target" in attrs:
            self.editor_links.append(attrs)
        self._in_h1 = self._in_h1 or tag == "h1"

    def handle_endtag(self, tag):
        self._in_title_bar = self._in_title_bar and tag != "ui-title-bar"
        self._in_h1 = self._in_h1 and tag != "h1"

    def handle_data(self, data):
        if self._in_h1:
            self.h1 += data


def frame(page: str) -> Frame:
    parsed = Frame()
    parsed.feed(page)
    return parsed


def test_every_shopify_admin_page_has_a_title_bar_with_its_title(app, client, shop):
    for path in admin_get_pages(app):
        response = client.get(path, headers=bearer())
        assert response.status_code == 200, path
        page = frame(response.get_data(as_text=True))
        assert len(page.title_bars) == 1, path
        assert page.title_bars[0]["title"] == html.unescape(page.h1).strip() != "", path


def test_shopify_settings_forms_carry_the_save_bar_and_action_forms_do_not(client, shop):
    module_keys = set()
    for path, expected in {**SETTINGS_FORMS, "/admin/modules": None}.items():
        forms = frame(client.get(path, headers=bearer()).get_data(as_text=True)).forms
        with_bar = {f["id"] for f in forms if "data-save-bar" in f}
        if expected is None:  # one form per module, each a settings form
            module_keys = {f["data-module-form"] for f in forms if "data-module-form" in f}
            expected = {f"module-{key}" for key in module_keys}
        assert with_bar == expected, path
    assert len(module_keys) >= 3
    for path, action_forms in {"/admin/privacy": {"export-form", "erase-form"},
                               "/admin/previews": {"test-send-form", "test-address-form"}}.items():
        forms = frame(client.get(path, headers=bearer()).get_data(as_text=True)).forms
        assert {f.get("id") for f in forms} >= action_forms, path
        assert [f for f in forms if "data-save-bar" in f] == [], path


def test_shopify_overview_links_each_block_target_into_the_editor(app, client, shop):
    extension = tomllib.loads(EXTENSION_TOML.read_text())["extensions"][0]
    targets = {t["target"] for t in extension["targeting"]}
    # The editor's page where each target is placed: checkout's thank-you page, and the order
    # status page of customer accounts (both in the checkout and accounts editor).
    editor_page = {"purchase.thank-you.block.render": "thank-you",
                   "customer-account.order-status.block.render": "order-status"}
    assert targets == set(editor_page)
    page = frame(client.get("/admin/", headers=bearer()).get_data(as_text=True))
    links = {link["data-target"]: link for link in page.editor_links}
    assert set(links) == targets
    store = SHOPIFY_DOMAIN.removesuffix(".myshopify.com")
    for target, link in links.items():
        url = urlsplit(link["href"])
        assert (url.scheme, url.netloc) == ("https", "admin.shopify.com")
        assert url.path == f"/store/{store}/settings/checkout/editor"
        assert parse_qs(url.query) == {"page": [editor_page[target]], "context": ["apps"],
                                       "app": [app.config["SHOPIFY_API_KEY"]]}
        assert link["target"] == "_top"  # leaves the app's iframe for the admin itself
    # The page's one obvious action, in the title bar: place the block (thank-you page first).
    primary = [c for c in page.title_bar_children if c.get("variant") == "primary"]
    assert [c["href"] for c in primary] == [links["purchase.thank-you.block.render"]["href"]]


def test_wp_admin_pages_have_no_app_bridge_elements(app, wc_admin):
    for path in admin_get_pages(app):
        body = wc_admin.get(path).get_data(as_text=True)
        page = frame(body)
        assert page.title_bars == [] and page.editor_links == [], path
        assert [f for f in page.forms if "data-save-bar" in f] == [], path
        assert not re.search(r"<ui-|cdn\.shopify\.com|settings/checkout/editor", body), path
