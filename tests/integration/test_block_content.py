"""Merchant content in the block: FAQ and how-tos, the banner with its discount code, social links;
and the admin's content forms that write them."""
import re
from datetime import datetime, timezone

import pytest

from app.domain.shop.block_content import safe_https
from app.domain.shop.modules import module_settings
from app.extensions import db
from app.links.tracking_page import tracking_token
from tests.integration.test_block_modules import view
from tests.support.admin_sessions import csrf_token
from tests.support.click_links import linked_targets, target_of
from tests.support.factories import add_parcel, make_order, set_module
from tests.support.sql_statements import assert_view_costs

NOW = datetime.now(timezone.utc)
CARE = {"id": "care", "question": {"de": "Wie pflege ich die Jacke?", "en": "How do I care for the jacket?"},
        "answer": {"de": "Bei 30 °C waschen.\nNicht bügeln.", "en": "Wash at 30 °C.\nDo not iron."},
        "scope": "product", "product_ids": ["p-4001"], "show": "after_delivery"}
SHIPPING = {"id": "ship", "question": {"de": "Wann kommt mein Paket?"}, "answer": {"de": "In 1–2 Werktagen."},
            "scope": "all", "product_ids": [], "show": "always"}
OTHER_PRODUCT = {"id": "other", "question": {"en": "Sizes?"}, "answer": {"en": "See the chart."},
                 "scope": "product", "product_ids": ["p-9999"], "show": "always"}
TAGGED = {"id": "tag", "question": {"en": "Tagged?"}, "answer": {"en": "Not matched."}, "scope": "tag",
          "product_ids": ["sale"], "show": "always"}
BANNER = {"title": {"de": "Danke!", "en": "Thank you!"}, "text": {"de": "10 % auf die nächste Bestellung"},
          "url": "https://laden.example/sale", "discount_code": "DANKE10"}


def order_in(shop, status, number="1001"):
    order = make_order(shop, platform_order_id=number, status=status, shipping_country="DE",
                       lines=(("l1", 1, "4001"), ("l2", 1)))
    add_parcel(order, status="delivered" if status == "delivered" else "in_transit",
               delivered_at=NOW if status == "delivered" else None)
    db.session.commit()
    return order


# FAQ


def test_faq_is_off_by_default(client, shop):
    set_module(shop, "faq", enabled=False, entries=[SHIPPING])
    db.session.commit()
    facts, page = view(client, order_in(shop, "delivered"))
    assert "faq" not in facts["modules"] and 'data-module="faq"' not in page


def test_faq_shows_global_and_product_entries_how_tos_only_after_delivery(client, shop):
    set_module(shop, "faq", entries=[CARE, SHIPPING, OTHER_PRODUCT, TAGGED])
    db.session.commit()
    shipped = order_in(shop, "shipped")
    facts, page = view(client, shipped)
    assert [e["id"] for e in facts["modules"]["faq"]["entries"]] == ["ship"]
    assert facts["modules"]["faq"]["title"] == "Fragen und Antworten"
    assert "Wann kommt mein Paket?" in page and "pflege" not in page

    delivered = order_in(shop, "delivered", number="1002")
    facts, page = view(client, delivered)
    care, ship = facts["modules"]["faq"]["entries"]
    assert (care["id"], care["locale"], care["answer"]) == ("care", "de", "Bei 30 °C waschen.\nNicht bügeln.")
    assert "<summary>Wie pflege ich die Jacke?</summary>" in page
    assert "Bei 30 °C waschen.<br>Nicht bügeln." in page
    assert "Sizes?" not in page and "Tagged?" not in page  # another product; a scope we cannot match


def test_faq_falls_back_to_the_other_language(client, shop):
    set_module(shop, "faq", entries=[CARE, SHIPPING])
    db.session.commit()
    facts, page = view(client, order_in(shop, "delivered"), locale="en")
    care, ship = facts["modules"]["faq"]["entries"]
    assert (care["locale"], care["question"]) == ("en", "How do I care for the jacket?")
    assert (ship["locale"], ship["question"]) == ("de", "Wann kommt mein Paket?")
    assert '<details class="as-faq-entry" data-entry="ship" lang="de">' in page
    assert facts["modules"]["faq"]["title"] == "Questions and answers"


def test_faq_without_matching_entries_is_absent(client, shop):
    set_module(shop, "faq", entries=[OTHER_PRODUCT])
    db.session.commit()
    assert "faq" not in view(client, order_in(shop, "delivered"))[0]["modules"]


# Banner


def test_banner_waits_for_delivery_by_default(client, shop):
    set_module(shop, "banner", **BANNER)
    db.session.commit()
    facts, page = view(client, order_in(shop, "shipped"))
    assert "banner" not in facts["modules"] and "DANKE10" not in page
    facts, page = view(client, order_in(shop, "delivered", number="1002"))
    banner = facts["modules"]["banner"]
    assert (banner["title"], banner["discount_code"]) == ("Danke!", "DANKE10")
    assert target_of(banner["url"]) == BANNER["url"]
    assert 'data-module="banner"' in page and '<strong class="as-code">DANKE10</strong>' in page
    assert "Ihr Rabattcode" in page and f'href="{banner["url"]}"' in page


def test_banner_shown_always_never_shows_its_code_before_delivery(client, shop):
    set_module(shop, "banner", **BANNER, show="always")
    db.session.commit()
    facts, page = view(client, order_in(shop, "out_for_delivery"), locale="en")
    banner = facts["modules"]["banner"]
    assert banner["title"] == "Thank you!" and banner["discount_code"] is None
    assert banner["locale"] == "en" and banner["text"] is None  # one language per banner, never mixed
    assert "DANKE10" not in page and "DANKE10" not in str(facts)
    assert "Thank you!" in page


def test_banner_off_or_empty_is_absent(client, shop):
    order = order_in(shop, "delivered")
    set_module(shop, "banner", enabled=False, **BANNER)
    db.session.commit()
    facts, page = view(client, order)
    assert "banner" not in facts["modules"] and "DANKE10" not in page
    set_module(shop, "banner", discount_code="DANKE10")  # on, but nothing to say
    db.session.commit()
    assert "banner" not in view(client, order)[0]["modules"]


# Social


def test_social_links_show_always_https_only(client, shop):
    set_module(shop, "social", instagram="https://instagram.com/laden", facebook="javascript:alert(1)",
               tiktok="http://tiktok.com/@laden", newsletter_url="https://laden.example/newsletter")
    db.session.commit()
    facts, page = view(client, order_in(shop, "processing"))
    social = facts["modules"]["social"]
    assert social["links"] == [{"network": "instagram", "name": "Instagram",
                                "url": "https://instagram.com/laden"}]
    assert social["newsletter_url"] == "https://laden.example/newsletter"
    assert 'href="https://instagram.com/laden"' in page and "Newsletter abonnieren" in page
    assert "javascript:" not in page and "http://tiktok" not in page


def test_social_off_or_without_links_is_absent(client, shop):
    order = order_in(shop, "processing")
    set_module(shop, "social", enabled=False, instagram="https://instagram.com/laden")
    db.session.commit()
    assert "social" not in view(client, order)[0]["modules"]
    set_module(shop, "social")
    db.session.commit()
    facts, page = view(client, order)
    assert "social" not in facts["modules"] and 'data-module="social"' not in page


@pytest.mark.parametrize("url,ok", [
    ("https://shop.example/x", True), ("http://shop.example", False), ("javascript:alert(1)", False),
    ("JAVASCRIPT:alert(1)", False), ("https://", False), ("//shop.example", False),
    ("https://shop.example/\nx", False), (" https://shop.example", False), (None, False),
])
def test_only_full_https_addresses_reach_the_buyer(url, ok):
    assert (safe_https(url) is not None) is ok


def test_merchant_content_is_escaped_in_the_page(client, shop):
    evil = '<script>alert("x")</script>'
    set_module(shop, "faq", entries=[{**SHIPPING, "question": {"de": evil}, "answer": {"de": f"a\n{evil}"}}])
    set_module(shop, "banner", title={"de": evil}, text={"de": evil}, show="always",
               url='https://shop.example/?a=1&b="><script>')
    db.session.commit()
    page = view(client, order_in(shop, "shipped"))[1]
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    # The address travels inside the signed click link; the redirect leads to it unchanged.
    assert 'https://shop.example/?a=1&b="><script>' in linked_targets(page)


def test_every_module_on_still_costs_three_queries_then_one(client, shop):
    for key in ("review_prompt", "faq", "banner", "social", "reorder"):
        set_module(shop, key, enabled=True)
    set_module(shop, "review_prompt", google_place_id="ChIJ2eUgeAK6j4ARbn5u_wAGqWA")
    set_module(shop, "faq", entries=[CARE, SHIPPING])
    set_module(shop, "banner", **BANNER)
    set_module(shop, "social", instagram="https://instagram.com/laden")
    order = order_in(shop, "delivered")
    url = f"/t/{tracking_token(order)}.json"
    db.session.remove()
    # The fingerprint, the order with all its parts, the shop's modules; then the fingerprint alone.
    facts = assert_view_costs(lambda: client.get(url), first=3).get_json()
    assert set(facts["modules"]) >= {"tracking", "reorder", "review_prompt", "faq", "banner", "social"}


# Admin: content forms

NEW_ENTRY = {"question_de": "Wie pflege ich das?", "answer_de": "Kalt waschen.\r\nLiegend trocknen.",
             "question_en": "", "answer_en": "", "product_ids": "4001, p-4001,4001", "show": "after_delivery"}
BANNER_FORM = {"title_de": "Danke!", "text_de": "Schön, dass Sie da sind.", "title_en": "", "text_en": "",
               "url": "https://laden.example/sale", "discount_code": "DANKE10", "show": "always"}


def post(client, path, data, token=True):
    form = dict(data)
    if token:
        form["csrf_token"] = csrf_token(client, "/admin/content")
    return client.post(path, data=form)


def fresh(shop):
    db.session.expire_all()
    return db.session.get(type(shop), shop.id)


def entries(shop):
    return module_settings(fresh(shop), "faq")["entries"]


def test_faq_entries_are_added_edited_and_removed(wc_admin, wc_shop):
    response = post(wc_admin, "/admin/content/faq", NEW_ENTRY)
    assert response.status_code == 200 and b"FAQ entry added" in response.data
    (entry,) = entries(wc_shop)
    assert entry["question"] == {"de": "Wie pflege ich das?"}
    assert entry["answer"] == {"de": "Kalt waschen.\nLiegend trocknen."}
    assert (entry["scope"], entry["product_ids"], entry["show"]) == ("product", ["4001", "p-4001"],
                                                                     "after_delivery")
    page = wc_admin.get("/admin/content").get_data(as_text=True)
    assert f'id="faq-{entry["id"]}"' in page and 'value="4001, p-4001"' in page
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "every label points at exactly one field"

    edited = {**NEW_ENTRY, "question_en": "How do I care for it?", "answer_en": "Wash cold.",
              "product_ids": "",
              "show": "always"}
    response = post(wc_admin, f"/admin/content/faq/{entry['id']}", edited)
    assert response.status_code == 200 and b"FAQ entry saved" in response.data
    (saved,) = entries(wc_shop)
    assert saved["id"] == entry["id"] and saved["question"]["en"] == "How do I care for it?"
    assert (saved["scope"], saved["product_ids"], saved["show"]) == ("all", [], "always")

    response = post(wc_admin, f"/admin/content/faq/{entry['id']}/delete", {})
    assert response.status_code == 200 and b"FAQ entry removed" in response.data
    assert entries(wc_shop) == []
    assert post(wc_admin, f"/admin/content/faq/{entry['id']}", edited).status_code == 404


def test_a_saved_entry_shows_in_the_next_block_view(wc_admin, wc_shop, client):
    post(wc_admin, "/admin/content/faq", {**NEW_ENTRY, "product_ids": "", "show": "always"})
    post(wc_admin, "/admin/modules/faq", {"enabled": "on"})
    order = make_order(fresh(wc_shop), status="processing")
    db.session.commit()
    facts, page = view(client, order)
    assert facts["modules"]["faq"]["entries"][0]["question"] == "Wie pflege ich das?"
    assert "Kalt waschen.<br>Liegend trocknen." in page


@pytest.mark.parametrize("change,field,message", [
    ({"question_de": "", "answer_de": ""}, "question_de", b"German, English or both"),
    ({"answer_de": ""}, "answer_de", b"Add the answer"),
    ({"question_de": "x" * 201}, "question_de", b"at most 200"),
    ({"answer_de": "x" * 2001}, "answer_de", b"at most 2000"),
    ({"product_ids": "4001, <b>"}, "product_ids", b"is not a product id"),
    ({"show": "sometimes"}, "show", b"Choose when"),
])
def test_invalid_faq_entries_are_refused_with_a_message(wc_admin, wc_shop, change, field, message):
    response = post(wc_admin, "/admin/content/faq", {**NEW_ENTRY, **change})
    assert response.status_code == 422 and message in response.data
    assert b"Nothing was saved" in response.data
    assert entries(wc_shop) == []


def test_faq_and_banner_forms_without_csrf_token_are_forbidden(wc_admin, wc_shop):
    assert post(wc_admin, "/admin/content/faq", NEW_ENTRY, token=False).status_code == 403
    assert post(wc_admin, "/admin/content/banner", BANNER_FORM, token=False).status_code == 403
    post(wc_admin, "/admin/content/faq", NEW_ENTRY)
    (entry,) = entries(wc_shop)
    assert post(wc_admin, f"/admin/content/faq/{entry['id']}/delete", {}, token=False).status_code == 403
    assert len(entries(wc_shop)) == 1
    assert module_settings(fresh(wc_shop), "banner")["discount_code"] is None


def test_banner_is_validated_and_saved(wc_admin, wc_shop):
    response = post(wc_admin, "/admin/content/banner", BANNER_FORM)
    assert response.status_code == 200 and b"Banner saved" in response.data
    banner = module_settings(fresh(wc_shop), "banner")
    assert banner["title"] == {"de": "Danke!"} and banner["text"] == {"de": "Schön, dass Sie da sind."}
    assert (banner["url"], banner["discount_code"], banner["show"]) == ("https://laden.example/sale",
                                                                        "DANKE10",
                                                                       "always")
    page = wc_admin.get("/admin/content").get_data(as_text=True)
    assert re.search(r'id="f-banner-discount_code"[^>]*value="DANKE10"', page)


@pytest.mark.parametrize("field,value,message", [
    ("url", "javascript:alert(1)", b"https://"),
    ("url", "http://laden.example/sale", b"https://"),
    ("discount_code", "10% OFF", b"letters, digits"),
    ("title_de", "x" * 101, b"at most 100"),
    ("show", "", b"Choose when"),
])
def test_invalid_banner_is_refused_with_a_message(wc_admin, wc_shop, field, value, message):
    response = post(wc_admin, "/admin/content/banner", {**BANNER_FORM, field: value})
    assert response.status_code == 422 and message in response.data
    assert module_settings(fresh(wc_shop), "banner")["discount_code"] is None


@pytest.mark.parametrize("field,value", [
    ("instagram", "javascript:alert(1)"), ("facebook", "http://facebook.com/laden"),
    ("newsletter_url", "ftp://laden.example"),
])
def test_unsafe_social_links_are_refused(wc_admin, wc_shop, field, value):
    from tests.integration.test_admin_forms import CONTENT

    response = post(wc_admin, "/admin/content", {**CONTENT, "newsletter_url": "", field: value})
    assert response.status_code == 422 and b"https://" in response.data
    assert module_settings(fresh(wc_shop), "social")["instagram"] is None


def test_newsletter_link_is_saved_with_the_social_links(wc_admin, wc_shop):
    from tests.integration.test_admin_forms import CONTENT

    response = post(wc_admin, "/admin/content", {**CONTENT, "newsletter_url": "https://laden.example/nl"})
    assert response.status_code == 200
    assert module_settings(fresh(wc_shop), "social")["newsletter_url"] == "https://laden.example/nl"
