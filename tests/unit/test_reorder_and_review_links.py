"""Buy-again links and review targets, as pure functions."""
import pytest

from app.domain.followups.review_targets import review_link
from app.domain.orders.reorder import reorder_url


def test_shopify_cart_permalink_skips_lines_without_a_variant_and_sums_repeats():
    lines = [("p1", "111", 2), (None, None, 1), ("p2", None, 1), ("p1", "111", 1), ("p3", "333", 1),
             ("p4", "444", 0)]
    assert reorder_url("shopify", "johns-apparel.myshopify.com", "450789469", lines) == \
        "https://johns-apparel.myshopify.com/cart/111:3,333:1"


def test_no_reorder_link_when_nothing_can_be_re_added():
    assert reorder_url("shopify", "a.myshopify.com", "1", [(None, None, 1), ("p", None, 2)]) is None
    assert reorder_url("woocommerce", "https://shop.example", "7", [(None, None, 1)]) is None


def test_woocommerce_gets_the_companion_plugins_link_with_the_order_key():
    assert reorder_url("woocommerce", "https://shop.example/", "1234", [("55", None, 1)],
                       order_key="wc_order_58d2d042d1d") == \
        "https://shop.example/?aftersales_reorder=1234&key=wc_order_58d2d042d1d"


def test_woocommerce_without_a_known_order_key_gets_no_link_the_plugin_would_refuse():
    assert reorder_url("woocommerce", "https://shop.example/", "1234", [("55", None, 1)]) is None


@pytest.mark.parametrize("settings, url", [
    ({"google_place_id": "ChIJ2eUgeAK6j4ARbn5u_wAGqWA"},
     "https://search.google.com/local/writereview?placeid=ChIJ2eUgeAK6j4ARbn5u_wAGqWA"),
    ({"google_place_id": "a&b=c"}, "https://search.google.com/local/writereview?placeid=a%26b%3Dc"),
    ({"trustpilot_domain": "Johns-Apparel.de"}, "https://de.trustpilot.com/evaluate/johns-apparel.de"),
    ({"url": "https://johns-apparel.de/bewerten"}, "https://johns-apparel.de/bewerten"),
    ({"url": "javascript:alert(1)"}, None),
    ({"url": "http://insecure.example/review"}, None),
    ({"trustpilot_domain": "evil.example/../x"}, None),
    ({}, None),
])
def test_review_targets(settings, url):
    assert review_link(settings) == url
