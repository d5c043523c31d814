"""The NPS survey: in the block once delivered, answered with plain forms (no JavaScript) or
through the block API, one answer per order, the same voucher for every score."""
import re
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest
from sqlalchemy import inspect, select

from app.domain.privacy.lifecycle import export_customer_data, redact_customer
from app.extensions import db
from app.links.tracking_page import read_tracking_token, tracking_token
from app.mail.render import render_message
from app.models import ScheduledMessage, SurveyAnswer
from app.read_model.from_orm import message_view
from tests.integration.test_block_api import session_token
from tests.support.factories import add_parcel, make_order, set_module

NOW = datetime.now(timezone.utc)


def delivered(shop, number="1001", **fields):
    order = make_order(shop, platform_order_id=number, status="delivered",
                       placed_at=NOW - timedelta(hours=30),
                       **fields)
    add_parcel(order, status="delivered", delivered_at=NOW - timedelta(hours=2))
    db.session.commit()
    return order


def answers():
    db.session.expire_all()
    return [(a.order_id, a.score, a.comment) for a
            in db.session.scalars(select(SurveyAnswer).order_by(SurveyAnswer.id))]


def survey_of(client, order, locale=None):
    query = f"?locale={locale}" if locale else ""
    return client.get(f"/t/{tracking_token(order)}.json{query}").get_json()["modules"].get("survey")


def test_the_survey_waits_for_delivery_unless_the_merchant_asks_before(client, shop):
    set_module(shop, "survey")
    shipped = make_order(shop, platform_order_id="2001", status="shipped")
    cancelled = make_order(shop, platform_order_id="2002", status="cancelled")
    order = delivered(shop)
    assert survey_of(client, shipped) is None
    survey = survey_of(client, order)
    assert (survey["question"], survey["scores"], survey["answered"]) == (
        "Wie wahrscheinlich ist es, dass Sie John's Apparel Freunden oder Kollegen empfehlen?",
        list(range(11)), False)
    set_module(shop, "survey", before_delivery=True, question_en="Would you shop with us again?")
    db.session.commit()
    assert survey_of(client, shipped, "en")["question"] == "Would you shop with us again?"
    assert survey_of(client, cancelled) is None


def test_the_page_form_works_without_javascript_and_keeps_one_answer_per_order(client, shop):
    set_module(shop, "survey")
    order = delivered(shop)
    token = tracking_token(order)
    page = client.get(f"/t/{token}").get_data(as_text=True)
    # The form's token is signed when the page is rendered: the same order, perhaps another second.
    action = re.search(r'<form method="post" action="https://app\.example\.test/t/([^/"]+)/survey" '
                       r'class="as-survey-form">', page)
    assert action and read_tracking_token(action.group(1)) == (shop.id, order.id)
    assert page.count('type="radio" name="score"') == 11 and '<script' not in page
    first = client.post(f"/t/{token}/survey",
                        data={"score": "9", "comment": "  Schnell da.\r\nGern wieder. "})
    assert (first.status_code, first.headers["Location"]) == (303, f"/t/{token}/survey?saved=new")
    assert answers() == [(order.id, 9, "Schnell da.\nGern wieder.")]
    thanks = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Danke für Ihre Antwort!" in thanks and "Ihre Antwort: 9 von 10" in thanks
    assert 'value="9" required checked' in thanks  # the form stays, to change the answer
    stored = db.session.scalars(select(SurveyAnswer)).one()
    answered_at = stored.answered_at
    second = client.post(f"/t/{token}/survey", data={"score": "3"})
    assert second.headers["Location"] == f"/t/{token}/survey?saved=updated"
    assert answers() == [(order.id, 3, None)]  # replaced, still one row
    stored = db.session.scalars(select(SurveyAnswer)).one()
    assert stored.answered_at == answered_at and stored.updated_at >= answered_at
    assert "Ihre Antwort wurde geändert." in client.get(second.headers["Location"]).get_data(as_text=True)
    block = client.get(f"/t/{token}").get_data(as_text=True)
    assert 'data-answered="yes"' in block and "Ihre Antwort: 3 von 10" in block


def test_only_the_order_its_least_data_and_time_are_kept():
    columns = {c.name for c in inspect(SurveyAnswer).columns}
    assert columns == {"id", "shop_id", "order_id", "score", "comment", "answered_at", "updated_at"}


def test_the_embed_carries_the_same_form(client, shop):
    set_module(shop, "survey")
    order = delivered(shop)
    fragment = client.get("/embed/v1/order-status", query_string={"token": tracking_token(order)})
    html = fragment.get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)" class="as-survey-form">', html).group(1)
    assert action.startswith("https://app.example.test/t/") and action.endswith("/survey")
    path = action.removeprefix("https://app.example.test")
    assert client.post(path, data={"score": "10"}).status_code == 303
    assert answers() == [(order.id, 10, None)]


@pytest.mark.parametrize("form, message", [
    ({}, "Bitte wählen Sie eine Zahl von 0 bis 10."),
    ({"score": "11"}, "Bitte wählen Sie eine Zahl von 0 bis 10."),
    ({"score": "-1"}, "Bitte wählen Sie eine Zahl von 0 bis 10."),
    ({"score": "9.5"}, "Bitte wählen Sie eine Zahl von 0 bis 10."),
    ({"score": "neun"}, "Bitte wählen Sie eine Zahl von 0 bis 10."),
    ({"score": "7", "comment": "x" * 1001}, "Bitte fassen Sie sich kürzer (höchstens 1000 Zeichen)."),
])
def test_invalid_answers_are_refused_with_a_clear_message(client, shop, form, message):
    set_module(shop, "survey")
    token = tracking_token(delivered(shop))
    response = client.post(f"/t/{token}/survey", data=form)
    assert response.status_code == 422
    assert f'<p class="as-error" role="alert">{message}</p>' in response.get_data(as_text=True)
    assert answers() == []


def test_the_voucher_is_the_same_for_every_score_and_never_before_delivery(client, shop):
    set_module(shop, "survey", voucher_code="DANKE5", before_delivery=True)
    unhappy, happy = delivered(shop, "3001"), delivered(shop, "3002")
    on_its_way = make_order(shop, platform_order_id="3003", status="shipped")
    db.session.commit()
    assert survey_of(client, happy)["voucher_code"] is None  # not before answering
    for order, score in ((unhappy, "0"), (happy, "10"), (on_its_way, "8")):
        assert client.post(f"/t/{tracking_token(order)}/survey", data={"score": score}).status_code == 303
    assert survey_of(client, unhappy)["voucher_code"] == survey_of(client, happy)["voucher_code"] == "DANKE5"
    assert survey_of(client, on_its_way)["voucher_code"] is None
    for order in (unhappy, happy):
        page = client.get(f"/t/{tracking_token(order)}/survey?saved=new").get_data(as_text=True)
        assert '<strong class="as-code">DANKE5</strong>' in page


def test_a_switched_off_survey_takes_no_answers(client, shop):
    order = delivered(shop)
    token = tracking_token(order)
    assert survey_of(client, order) is None
    assert client.get(f"/t/{token}/survey").status_code == 404
    response = client.post(f"/t/{token}/survey", data={"score": "5"})
    assert response.status_code == 404 and "keine Umfrage" in response.get_data(as_text=True)
    assert client.post("/t/forged-token/survey", data={"score": "5"}).status_code == 404
    assert answers() == []


def test_the_nps_mail_links_to_our_page_when_the_merchant_has_none(client, shop):
    set_module(shop, "mail_nps", voucher_code="NPS5")  # the block survey stays off
    order = delivered(shop)
    order.customer.marketing_consent = "granted"
    message = ScheduledMessage(shop_id=shop.id, order_id=order.id, customer_id=order.customer_id, kind="nps",
                               sequence=0, stream="marketing", send_at=NOW)
    db.session.add(message)
    db.session.commit()
    html = render_message(message_view(message)).get_body(("html",)).get_content()
    links = [unescape(link) for link
             in re.findall(r'href="(https://app\.example\.test/t/[^"]+/survey\?score=\d+)"', html)]
    assert [link.rsplit("=", 1)[1] for link in links] == [str(n) for n in range(11)]
    # a GET (link scanners) stores nothing
    page = client.get(links[7].removeprefix("https://app.example.test"))
    assert page.status_code == 200 and 'value="7" required checked' in page.get_data(as_text=True)
    assert answers() == []
    assert client.post(links[7].removeprefix("https://app.example.test").split("?")[0],
                       data={"score": "7"}).status_code == 303
    assert answers() == [(order.id, 7, None)]


# The block API (Shopify UI extension)


@pytest.fixture
def api_order(app, shop):
    set_module(shop, "survey", voucher_code="DANKE5")
    order = make_order(shop, platform_order_id="450789469", status="delivered",
                       placed_at=NOW - timedelta(hours=1))
    add_parcel(order, status="delivered", delivered_at=NOW)
    db.session.commit()
    return order


def post_api(client, body, token=True, path="/api/v1/survey"):
    headers = {"Authorization": f"Bearer {session_token()}"} if token else {}
    return client.post(path, json=body, headers=headers)


def test_the_extension_answers_through_the_block_api(client, api_order):
    assert client.options("/api/v1/survey").status_code == 204
    response = post_api(client,
                        {"order_id": "gid://shopify/OrderIdentity/450789469", "score": 4, "comment": "Naja"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    survey = response.get_json()["modules"]["survey"]
    assert (survey["answered"], survey["score"], survey["voucher_code"]) == (True, 4, "DANKE5")
    assert answers() == [(api_order.id, 4, "Naja")]


@pytest.mark.parametrize("body, status", [
    ({"order_id": "gid://shopify/Order/450789469", "score": 11}, 400),
    ({"order_id": "gid://shopify/Order/450789469", "score": True}, 400),
    ({"order_id": "gid://shopify/Order/450789469", "score": "7", "comment": 5}, 400),
    ({"order_id": "gid://shopify/Order/450789469", "score": 7, "comment": "\ud800"}, 400),
    ({"order_id": "gid://shopify/Order/1", "score": 7}, 404),
    ({"score": 7}, 400),
    (["not", "an", "object"], 400),
])
def test_the_block_api_refuses_bad_answers_clearly(client, api_order, body, status):
    response = post_api(client, body)
    assert response.status_code == status
    assert response.get_json()["status"] == status
    assert answers() == []


def test_the_block_api_needs_the_session_token(client, api_order):
    response = post_api(client, {"order_id": "gid://shopify/Order/450789469", "score": 9}, token=False)
    assert response.status_code == 401
    assert answers() == []


# What the merchant sees, and privacy


def test_the_overview_shows_the_net_promoter_score(client, wc_admin, wc_shop):
    set_module(wc_shop, "survey")
    for number, score in (("1", "10"), ("2", "9"), ("3", "7"), ("4", "3")):
        order = delivered(wc_shop, number)
        assert client.post(f"/t/{tracking_token(order)}/survey", data={"score": score}).status_code == 303
    page = wc_admin.get("/admin/").get_data(as_text=True)
    assert '<div class="stat" data-count="nps">25</div>' in page  # (2 promoters - 1 detractor) / 4
    assert '<div class="stat" data-count="answers">4</div>' in page


def test_a_data_request_lists_the_answer_and_redaction_erases_the_comment(client, shop):
    set_module(shop, "survey")
    order = delivered(shop)
    client.post(f"/t/{tracking_token(order)}/survey",
                data={"score": "6", "comment": "Ich bin Erika, Tel. 0171"})
    db.session.expire_all()  # the request shared this session: forget what it had loaded
    export = export_customer_data(db.session, shop, order.customer.email, (), None)
    survey = export.payload["customers"][0]["orders"][0]["survey"]
    assert (survey["score"], survey["comment"]) == (6, "Ich bin Erika, Tel. 0171")
    redact_customer(db.session, shop, order.customer.email, (), NOW)
    db.session.commit()
    assert answers() == [(order.id, 6, None)]
