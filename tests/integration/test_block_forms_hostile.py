"""Hostile input on the block's new forms and endpoints: whatever arrives in the survey,
newsletter and confirmation requests, the answer is a clear 4xx or the intended result,
never a 5xx, and text that reaches a page is escaped."""
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.extensions import db, queues
from app.links.tracking_page import tracking_token
from app.models import SurveyAnswer
from tests.integration.test_block_api import session_token
from tests.support.factories import add_parcel, make_order, set_module

BUYER = "115310627314723954"

NOW = datetime.now(timezone.utc)
FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
INJECTION = "<script>alert('x')</script>' OR 1=1; DROP TABLE survey_answers; --"
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)


@pytest.fixture
def order(app, shop):
    for key in ("survey", "newsletter"):
        set_module(shop, key)
    order = make_order(shop, platform_order_id="450789469", status="delivered",
                       placed_at=NOW - timedelta(hours=2))
    add_parcel(order, status="delivered", delivered_at=NOW - timedelta(hours=1))
    order.customer.platform_customer_id = BUYER  # acting on an order after the first hours needs a login
    db.session.commit()
    return order


@FUZZ
@given(score=st.one_of(st.none(), st.text(max_size=6), st.integers().map(str)),
       comment=st.one_of(st.none(), st.text(max_size=1200)))
def test_any_survey_form_is_kept_or_refused_with_422(client, order, score, comment):
    queues.redis.flushdb()  # the per-address limit is not what is tested here
    form = {k: v for k, v in (("score", score), ("comment", comment)) if v is not None}
    response = client.post(f"/t/{tracking_token(order)}/survey", data=form)
    assert response.status_code in (303, 422), response.status_code
    if response.status_code == 303:
        assert score.strip() in [str(n) for n in range(11)] + [f"0{n}" for n in range(10)]
    page = client.get(f"/t/{tracking_token(order)}/survey").get_data(as_text=True)
    assert "<script>" not in page


@FUZZ
@given(body=st.one_of(json_values, st.fixed_dictionaries(
    {"order_id": st.sampled_from(["gid://shopify/Order/450789469", "gid://shopify/OrderIdentity/450789469"])},
    optional={"score": json_values, "comment": json_values})))
def test_any_block_api_answer_is_kept_or_refused_with_4xx(client, order, body):
    response = client.post("/api/v1/survey", json=body,
                           headers={"Authorization": f"Bearer {session_token(sub=BUYER)}"})
    assert response.status_code in (200, 400, 404), response.status_code
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@FUZZ
@given(path=st.sampled_from(["/api/v1/survey", "/api/v1/newsletter"]), raw=st.binary(max_size=64),
       content_type=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded"]))
def test_any_bytes_to_the_block_api_are_a_4xx(client, order, path, raw, content_type):
    response = client.post(path, data=raw, headers={"Authorization": f"Bearer {session_token(sub=BUYER)}",
                                                     "Content-Type": content_type})
    assert 400 <= response.status_code < 500


# Printable ASCII: a control character cannot reach a path over HTTP unencoded (werkzeug's
# test client would pass it raw, and routing answers such a path with a redirect).
TOKEN_CHARS = st.characters(codec="ascii", categories=("L", "N", "P", "S"), exclude_characters="/?#%")


@FUZZ
@given(token=st.text(alphabet=TOKEN_CHARS, min_size=1, max_size=120),
       method=st.sampled_from(["get", "post"]))
def test_any_confirmation_or_form_token_is_a_404(client, order, token, method):
    queues.redis.flushdb()
    for path in (f"/n/{token}", f"/t/{token}/survey", f"/t/{token}/newsletter"):
        response = getattr(client, method)(path, data={"score": "5"})
        assert response.status_code in ((404, 405) if path.endswith("/newsletter") else (404,)), (path,
                                                                                                  response)


@pytest.mark.parametrize("score", ["²", "٥", "1e1", "10" * 40, "-0", "%00"])
def test_odd_scores_in_the_mail_link_only_leave_the_form_unchosen(client, order, score):
    page = client.get(f"/t/{tracking_token(order)}/survey", query_string={"score": score})
    assert page.status_code == 200 and " checked" not in page.get_data(as_text=True)


def test_injection_in_a_comment_is_stored_verbatim_and_shown_escaped(client, order):
    token = tracking_token(order)
    assert client.post(f"/t/{token}/survey", data={"score": "0", "comment": INJECTION}).status_code == 303
    assert db.session.scalars(select(SurveyAnswer.comment)).one() == INJECTION  # parameters, not SQL
    page = client.get(f"/t/{token}/survey").get_data(as_text=True)
    assert "<script>alert" not in page
    assert ("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#39; OR 1=1; DROP TABLE survey_answers; --"
            in page)
    invalid = client.post(f"/t/{token}/survey", data={"score": "<b>9</b>", "comment": INJECTION})
    assert invalid.status_code == 422 and "<script>alert" not in invalid.get_data(as_text=True)


def test_control_characters_are_dropped_from_comments(client, order):
    token = tracking_token(order)
    client.post(f"/t/{token}/survey", data={"score": "8", "comment": "gut\x00\x07 so\x1b\r\nweiter"})
    assert db.session.scalars(select(SurveyAnswer.comment)).one() == "gut so\nweiter"
