"""Inside Shopify the admin is written in Polaris web components and App Bridge elements, which
polaris.js and app-bridge.js (Shopify's CDN, not loadable here) draw. A misspelt tag or attribute
would be ignored there without a word, so every page is checked against what Shopify declares in
its own packages (tests/support/shopify_declarations.py; `make shopify-types-deps`): each s-* tag
and attribute against @shopify/polaris-types, each ui-* one against @shopify/app-bridge-types.
"""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from app.extensions import db
from app.models import WebhookDelivery
from tests.support.admin_sessions import SHOPIFY_DOMAIN, admin_get_pages, bearer, login_link
from tests.support.factories import add_parcel, make_order
from tests.support.shopify_declarations import (
    APP_BRIDGE_TYPES,
    POLARIS_MANIFEST,
    app_bridge_elements,
    polaris_elements,
)

if not (POLARIS_MANIFEST.is_file() and APP_BRIDGE_TYPES.is_file()):
    pytest.skip("Shopify's type packages are missing: run `make shopify-types-deps` (npm ci in "
                "tests/shopify_types)",
                allow_module_level=True)

POLARIS = polaris_elements()
UI, ACTIONS = app_bridge_elements()
# HTML's global attributes that a custom element takes like any element: our own hooks (id, data-*)
# and slot (which part of a Polaris component a child fills). No style, class or ARIA: Polaris
# draws and labels its components itself.
GLOBAL = {"id", "slot"}
# What an <a> or <button> is in HTML, besides what App Bridge reads on it as an action.
LINK_OR_BUTTON = {"href", "target", "rel", "download", "type", "id"}


class Markup(HTMLParser):
    """Every s-* and ui-* element of a page, with what is wrong with it."""

    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()
        self.wrong: list[str] = []
        self._open_ui: list[str] = []

    def _check(self, tag: str, attrs: dict, declared, where: str):
        for name, value in attrs.items():
            if name in GLOBAL or name.startswith("data-"):
                continue
            if name not in declared.attributes:
                self.wrong.append(f"<{tag} {name}>: no such attribute in {where}")
            elif name in declared.values and value not in declared.values[name]:
                self.wrong.append(f'<{tag} {name}="{value}">: not one of {sorted(declared.values[name])}')

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag.startswith("s-"):
            self.tags.add(tag)
            if tag not in POLARIS:
                self.wrong.append(f"<{tag}>: not a Polaris web component")
            else:
                self._check(tag, attrs, POLARIS[tag], "@shopify/polaris-types")
        elif tag.startswith("ui-"):
            self.tags.add(tag)
            if tag not in UI:
                self.wrong.append(f"<{tag}>: not an App Bridge element")
            else:
                self._check(tag, attrs, UI[tag], "@shopify/app-bridge-types")
                self._open_ui.append(tag)
        elif "-" in tag:
            self.wrong.append(f"<{tag}>: a custom element that is neither Polaris nor App Bridge")
        elif tag in ACTIONS and self._open_ui:
            own = {k: v for k, v in attrs.items() if k not in LINK_OR_BUTTON}
            self._check(f"{self._open_ui[-1]} > {tag}", own, ACTIONS[tag], "App Bridge's AugmentedElements")

    def handle_endtag(self, tag):
        if self._open_ui and tag == self._open_ui[-1]:
            self._open_ui.pop()


def markup(page: str) -> Markup:
    parsed = Markup()
    parsed.feed(page)
    return parsed


def test_the_check_finds_a_misspelt_tag_attribute_or_value():
    wrong = markup('<s-page><s-bannr tone="success">x</s-bannr><s-banner tone="sucess">x</s-banner>'
                   '<s-section heding="x"></s-section><s-table-row data-id="1" id="r"></s-table-row>'
                   '<ui-title-bar titel="x"><a href="/" varient="primary">x</a></ui-title-bar>'
                   '<ui-nav-menu><a href="/" rel="home">x</a></ui-nav-menu>'
                   '<x-thing></x-thing></s-page>').wrong
    assert wrong == ["<s-bannr>: not a Polaris web component",
                     "<s-banner tone=\"sucess\">: not one of ['auto', 'critical', 'info', 'success', "
                     "'warning']",
                     "<s-section heding>: no such attribute in @shopify/polaris-types",
                     "<ui-title-bar titel>: no such attribute in @shopify/app-bridge-types",
                     "<ui-title-bar > a varient>: no such attribute in App Bridge's AugmentedElements",
                     "<x-thing>: a custom element that is neither Polaris nor App Bridge"]


def test_every_shopify_admin_page_writes_only_declared_elements_and_attributes(app, client, shop):
    add_parcel(make_order(shop, platform_order_id="7007"))
    db.session.add(WebhookDelivery(platform="shopify", delivery_key="d-1", shop_id=shop.id,
                                   shop_domain=shop.domain,
                                   topic="orders/create"))
    db.session.commit()
    seen: set[str] = set()
    for path in admin_get_pages(app):
        response = client.get(f"{path}?shop={SHOPIFY_DOMAIN}&locale=en", headers=bearer())
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        page = markup(body)
        assert page.wrong == [], (path, page.wrong)
        assert {"ui-title-bar", "ui-nav-menu", "s-page", "s-section"} <= page.tags, path
        # The title bar and the nav menu are the title and the navigation: not repeated on the page,
        # whose one h1 is for screen readers.
        assert '<nav class="tabs"' not in body and body.count("<h1") == 1, path
        assert '<h1 class="visually-hidden">' in body, path
        seen |= page.tags
    # A form's answers: the notice and the error banner.
    for form, expected in (({"email": "buyer-7007@example.com"}, 200), ({"email": "not an address"}, 422)):
        response = client.post("/admin/privacy/exports", data=form, headers=bearer())
        assert response.status_code == expected
        page = markup(response.get_data(as_text=True))
        assert page.wrong == [] and "s-banner" in page.tags, form
        seen |= page.tags
    assert {"s-banner", "s-table", "s-table-header-row", "s-table-header", "s-table-body", "s-table-row",
            "s-table-cell", "s-paragraph", "s-badge", "s-link"} <= seen


def test_wp_admin_pages_write_no_shopify_elements(app, client, wc_shop):
    client.get(login_link(wc_shop))
    for path in admin_get_pages(app):
        page = markup(client.get(path).get_data(as_text=True))
        assert page.tags == set() and page.wrong == [], path
