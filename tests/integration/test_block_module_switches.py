"""Recommendations, survey and newsletter: on, each shows on every surface (block API, the
tracking JSON, the hosted page, the WooCommerce embed); off, it is absent from all of them."""
from datetime import datetime, timedelta, timezone

import pytest

from app.domain.followups.recommendations import Recommendable, count_baskets, derived_table
from app.domain.shop.module_changes import save_derived
from app.extensions import db
from app.links.tracking_page import tracking_token
from tests.integration.test_block_api import get, session_token
from tests.support.click_links import target_of
from tests.support.factories import add_parcel, make_order, set_module

NOW = datetime.now(timezone.utc)
KEYS = ("recommendations", "survey", "newsletter")
BUYER = "115310627314723954"


@pytest.fixture
def order(app, shop):
    order = make_order(shop, platform_order_id="450789469", status="delivered",
                       placed_at=NOW - timedelta(hours=2),
                       lines=(("l1", 1, "4711"),))
    add_parcel(order, status="delivered", delivered_at=NOW - timedelta(hours=1))
    # a delivered order is seen logged in (a guest sees its status only)
    order.customer.platform_customer_id = BUYER
    orders, pairs = count_baskets([["p-4711", "p-4712"], ["p-4712"]])
    catalogue = {"p-4712": Recommendable("Leinenhemd",
                                         "https://johns-apparel.myshopify.com/products/leinenhemd")}
    save_derived(shop, "recommendations", derived_table(orders, pairs, catalogue, NOW, "platform"))
    db.session.commit()
    return order


def surfaces(client, order) -> dict[str, str | dict]:
    token = tracking_token(order)
    return {
        "api": get(client, session_token(sub=BUYER)).get_json()["modules"],
        "json": client.get(f"/t/{token}.json").get_json()["modules"],
        "page": client.get(f"/t/{token}").get_data(as_text=True),
        "embed": client.get("/embed/v1/order-status", query_string={"token": token}).get_data(as_text=True),
    }


def shown(found: dict, key: str) -> dict[str, bool]:
    return {name: (key in value) if isinstance(value, dict) else (f'data-module="{key}"' in value)
            for name, value in found.items()}


@pytest.mark.parametrize("key", KEYS)
def test_each_module_is_off_by_default_and_shows_everywhere_once_on(client, shop, order, key):
    assert shown(surfaces(client, order), key) == {"api": False, "json": False, "page": False, "embed": False}
    set_module(shop, key)
    db.session.commit()
    assert shown(surfaces(client, order), key) == {"api": True, "json": True, "page": True, "embed": True}
    set_module(shop, key, enabled=False)
    db.session.commit()
    assert shown(surfaces(client, order), key) == {"api": False, "json": False, "page": False, "embed": False}


def test_what_each_surface_shows(client, shop, order):
    for key in KEYS:
        set_module(shop, key)
    db.session.commit()
    found = surfaces(client, order)
    [item] = found["api"]["recommendations"]["items"]
    assert target_of(item["url"]) == "https://johns-apparel.myshopify.com/products/leinenhemd"
    assert {**item, "url": None} == {"product_id": "p-4712", "title": "Leinenhemd", "url": None,
                                     "reason": "bought_together"}
    assert found["api"] == found["json"]
    for html in (found["page"], found["embed"]):
        assert f'href="{item["url"]}"' in html
        assert "Wie wahrscheinlich ist es, dass Sie John&#39;s Apparel" in html
        assert "Newsletter abonnieren" in html
