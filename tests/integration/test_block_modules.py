"""Block modules through the tracking page and its JSON: estimate, carrier, reorder, review."""
import html
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.links.tracking_page import tracking_token
from app.models import ShopModule
from tests.support.click_links import linked_targets, target_of
from tests.support.factories import add_parcel, carrier_scan, make_order
from tests.support.sql_statements import assert_view_costs

NOW = datetime.now(timezone.utc)
PLACE_ID = "ChIJ2eUgeAK6j4ARbn5u_wAGqWA"
REVIEW_URL = f"https://search.google.com/local/writereview?placeid={PLACE_ID}"


def set_module(shop, key, enabled=True, **settings):
    shop.modules.append(ShopModule(key=key, enabled=enabled, settings=settings))
    db.session.commit()


def view(client, order, locale=None):
    query = {"locale": locale} if locale else {}
    token = tracking_token(order)
    facts = client.get(f"/t/{token}.json", query_string=query).get_json()
    page = client.get(f"/t/{token}", query_string=query)
    assert page.status_code == 200
    return facts, page.get_data(as_text=True)


@pytest.fixture
def fresh_order(shop):
    order = make_order(shop, status="processing", shipping_country="DE", placed_at=NOW - timedelta(hours=1))
    db.session.commit()
    return order


def test_a_fresh_order_shows_the_merchant_estimate(client, fresh_order):
    facts, page = view(client, fresh_order)
    estimate = facts["modules"]["delivery_estimate"]
    assert (estimate["state"], estimate["source"]) == ("expected", "merchant")
    assert NOW.date().isoformat() < estimate["earliest"] <= estimate["latest"]
    assert estimate["title"] == "Voraussichtliche Zustellung"
    assert f'<time datetime="{estimate["earliest"]}">{estimate["text"]}</time>' in page


def test_after_the_window_the_estimate_gives_way_to_an_apology(client, shop):
    order = make_order(shop, status="shipped", shipping_country="DE", placed_at=NOW - timedelta(days=30))
    carrier_scan(add_parcel(order, shipped_at=NOW - timedelta(days=29)))  # the carrier spoke, then nothing
    db.session.commit()
    facts, page = view(client, order, locale="en")
    estimate = facts["modules"]["delivery_estimate"]
    assert estimate["state"] == "late"
    assert estimate["earliest"] is None and estimate["latest"] is None
    assert estimate["title"] == "Your delivery is running late"
    assert "We are sorry" in estimate["text"]
    box = page.split('data-module="delivery_estimate"', 1)[1].split("</div>", 1)[0]
    assert "Your delivery is running late" in box and "<time" not in box  # an apology, no date


def test_the_carrier_estimate_is_preferred(client, shop):
    order = make_order(shop, status="shipped", shipping_country="DE", placed_at=NOW - timedelta(days=1))
    start = NOW + timedelta(days=3)
    add_parcel(order, shipped_at=NOW - timedelta(hours=20), edd_start=start, edd_end=start,
               edd_source="carrier")
    db.session.commit()
    estimate = view(client, order)[0]["modules"]["delivery_estimate"]
    assert estimate["source"] == "carrier"
    assert estimate["earliest"] == estimate["latest"]


def test_out_for_delivery_means_today_whatever_the_estimate_said(client, shop):
    """A parcel on the van arrives today, even when the shop's rule said tomorrow at the earliest."""
    order = make_order(shop, status="out_for_delivery", shipping_country="DE",
                       placed_at=NOW - timedelta(hours=3))
    add_parcel(order, status="out_for_delivery", shipped_at=NOW - timedelta(hours=2))
    db.session.commit()
    facts, page = view(client, order)
    estimate = facts["modules"]["delivery_estimate"]
    today = NOW.astimezone(ZoneInfo("Europe/Berlin")).date().isoformat()
    assert (estimate["earliest"], estimate["latest"], estimate["source"]) == (today, today, "tracking")
    assert estimate["text"] == "Heute"
    assert "heute in Zustellung" in page


def test_no_estimate_once_delivered_or_when_switched_off(client, shop, fresh_order):
    delivered = make_order(shop, platform_order_id="2002", status="delivered", shipping_country="DE")
    add_parcel(delivered, status="delivered", delivered_at=NOW)
    db.session.commit()
    assert "delivery_estimate" not in view(client, delivered)[0]["modules"]
    set_module(shop, "delivery_estimate", enabled=False)
    facts, page = view(client, fresh_order)
    assert "delivery_estimate" not in facts["modules"]
    assert 'data-module="delivery_estimate"' not in page


def test_the_carrier_is_detected_when_the_platform_names_none(client, shop, fresh_order):
    add_parcel(fresh_order, carrier=None, tracking_number="1Z999AA10123456784")
    add_parcel(fresh_order, carrier=None, tracking_number="01234567890123", fulfillment_id="f2")
    add_parcel(fresh_order, carrier="DHL", tracking_number="00340434161094042557", fulfillment_id="f3",
               tracking_url="https://shop.example/track/3")
    db.session.commit()
    ups, ambiguous, dhl = view(client, fresh_order)[0]["modules"]["tracking"]["parcels"]
    assert (ups["carrier"], ups["carrier_source"]) == ("UPS", "detected")
    assert ups["tracking_url"] == "https://www.ups.com/track?loc=de_DE&tracknum=1Z999AA10123456784"
    assert ambiguous["carrier"] is None and ambiguous["tracking_url"] is None  # DPD or Hermes
    assert (dhl["carrier"], dhl["carrier_source"]) == ("DHL Paket", "platform")
    assert dhl["tracking_url"] == "https://shop.example/track/3"  # the platform's link first


def test_carrier_detection_can_be_switched_off(client, shop, fresh_order):
    add_parcel(fresh_order, carrier=None, tracking_number="1Z999AA10123456784")
    set_module(shop, "tracking", detect_carrier=False)
    parcel = view(client, fresh_order)[0]["modules"]["tracking"]["parcels"][0]
    assert parcel["carrier"] is None and parcel["tracking_url"] is None


def test_reorder_link_skips_lines_without_a_variant(client, shop):
    order = make_order(shop, status="delivered", lines=(("l1", 2, "4001"), ("l2", 1), ("l3", 1, "4003")))
    db.session.commit()
    facts, page = view(client, order)
    url = "https://johns-apparel.myshopify.com/cart/4001:2,4003:1"
    assert target_of(facts["modules"]["reorder"]["url"]) == url
    assert f'href="{facts["modules"]["reorder"]["url"]}"' in page and "In den Warenkorb" in page


def test_reorder_is_absent_when_switched_off_or_nothing_can_be_re_added(client, shop):
    without_variants = make_order(shop, status="delivered", lines=(("l1", 1),))
    db.session.commit()
    assert "reorder" not in view(client, without_variants)[0]["modules"]
    with_variants = make_order(shop, platform_order_id="2002", lines=(("l1", 1, "4001"),))
    set_module(shop, "reorder", enabled=False)
    facts, page = view(client, with_variants)
    assert "reorder" not in facts["modules"] and "/cart/" not in page


def test_review_prompt_only_after_delivery(client, shop):
    set_module(shop, "review_prompt", google_place_id=PLACE_ID)
    order = make_order(shop, status="shipped", shipping_country="DE")
    add_parcel(order)
    db.session.commit()
    facts, page = view(client, order)
    assert "review_prompt" not in facts["modules"] and "writereview" not in page

    order.status = "delivered"
    order.shipments[0].status = "delivered"
    db.session.commit()
    facts, page = view(client, order)
    assert target_of(facts["modules"]["review_prompt"]["url"]) == REVIEW_URL
    assert facts["modules"]["review_prompt"]["cta"] == "Bewertung schreiben"
    assert f'href="{html.escape(facts["modules"]["review_prompt"]["url"])}"' in page


def test_review_prompt_is_off_by_default_and_needs_a_target(client, shop):
    order = make_order(shop, status="delivered")
    db.session.commit()
    assert "review_prompt" not in view(client, order)[0]["modules"]
    set_module(shop, "review_prompt")  # on, but no review target set
    assert "review_prompt" not in view(client, order)[0]["modules"]


def test_merchant_settings_are_escaped_in_the_page(client, shop):
    set_module(shop, "review_prompt", url='https://shop.example/r?a=1&b="><script>x</script>')
    order = make_order(shop, status="delivered")
    db.session.commit()
    page = view(client, order)[1]
    assert "<script>x</script>" not in page
    # The address travels inside the signed click link; the redirect leads to it unchanged.
    assert linked_targets(page) == ['https://shop.example/r?a=1&b="><script>x</script>']


def test_every_module_on_still_costs_three_queries_then_one(client, shop):

    set_module(shop, "review_prompt", google_place_id=PLACE_ID)
    order = make_order(shop, status="delivered", shipping_country="DE",
                       lines=(("l1", 1, "4001"), ("l2", 2, "4002"), ("l3", 1)))
    add_parcel(order, status="delivered", carrier=None, delivered_at=NOW)
    add_parcel(order, status="delivered", fulfillment_id="f2", delivered_at=NOW)
    db.session.commit()
    url = f"/t/{tracking_token(order)}.json"
    db.session.remove()  # a request starts with an empty session
    # The fingerprint, the order with all its parts, the shop's modules; then the fingerprint alone.
    facts = assert_view_costs(lambda: client.get(url), first=3).get_json()
    assert set(facts["modules"]) >= {"tracking", "reorder", "review_prompt"}
    assert target_of(facts["modules"]["reorder"]["url"]).endswith("/cart/4001:1,4002:2")
