"""A guest's extension token names the shop, never the order: any buyer of the shop holds one
and can ask for any order id. So a guest sees an order in full only on the thank-you page,
in the first hours; then only its status; after 72 hours nothing."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from app.extensions import db
from tests.integration.test_block_api import get, session_token
from tests.support.factories import add_parcel, make_order

TRACKING = "00340434161094042557"


@pytest.fixture
def someone_elses_order(app, shop):
    def make(hours_ago: float):
        order = make_order(shop, platform_order_id="450789469", status="shipped",
                           placed_at=datetime.now(timezone.utc) - timedelta(hours=hours_ago),
                           lines=(("l1", 1, "4711"),))
        order.customer.platform_customer_id = "115310627314723954"
        add_parcel(order, tracking_number=TRACKING)
        db.session.commit()
        return order
    return make


def test_right_after_buying_a_guest_sees_the_order_in_full(client, someone_elses_order):
    someone_elses_order(0.5)
    response = get(client, session_token())
    assert response.status_code == 200 and TRACKING in response.get_data(as_text=True)


def test_after_the_first_hours_another_guest_sees_status_only(client, someone_elses_order):
    someone_elses_order(3)
    response = get(client, session_token())  # an attacker's own guest token of the same shop
    body = response.get_json()
    assert response.status_code == 200
    assert body["order"]["status_label"] and body["order"]["total"] is None
    assert set(body["modules"]) <= {"delivery_status", "delivery_estimate"}
    text = json.dumps(body)
    assert TRACKING not in text and "4711" not in text and "http" not in text.replace("https://schema", "")


def test_a_guest_cannot_act_on_an_order_after_the_first_hours(client, someone_elses_order):
    someone_elses_order(3)
    headers = {"Authorization": f"Bearer {session_token()}"}
    body = {"order_id": "gid://shopify/OrderIdentity/450789469", "score": 0, "comment": "spam"}
    assert client.post("/api/v1/survey", json=body, headers=headers).status_code == 403
    assert client.post("/api/v1/newsletter", json=body, headers=headers).status_code == 403


def test_after_72_hours_a_guest_sees_nothing_and_a_stranger_never(client, someone_elses_order):
    someone_elses_order(80)
    assert get(client, session_token()).status_code == 403
    assert get(client, session_token(sub="999")).status_code == 403  # logged in, but not the buyer
    owner = get(client, session_token(sub="115310627314723954"))
    assert owner.status_code == 200 and TRACKING in owner.get_data(as_text=True)
