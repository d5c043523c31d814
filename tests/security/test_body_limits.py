"""Body limits hold for chunked bodies too: no Content-Length to check, so the limit must bite
while the body is read. Through real gunicorn (which terminates chunked input for the app).

The attacker sends more than the limit in chunks and then keeps the request open: a server
that reads the whole body waits for the rest (and would hold all of it in memory); ours
stops at the limit and answers 413 at once. Nothing is stored.
"""
from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.links.tracking_page import tracking_token
from app.mail.feedback_intake import MAX_REPORT_BYTES
from app.models import DeliveryState, MailFeedback, Shop, SurveyAnswer, WebhookDelivery
from app.web.body_limits import FORM_BYTES
from bench.servers import gunicorn
from tests.integration.test_faults import process_env
from tests.integration.test_woocommerce_webhooks import SECRET as WC_SECRET
from tests.integration.test_woocommerce_webhooks import wc_headers
from tests.support.app_config import make_config
from tests.support.factories import add_parcel, make_order, set_module
from tests.support.payload_files import fresh_payload, load_payload, shopify_headers

WEBHOOK_BYTES = 2_000_000  # the conftest config's MAX_WEBHOOK_BYTES
FEEDBACK_SECRET = "feedback-shared-secret"


@pytest.fixture(scope="module")
def server(database_url, redis_url, encryption_key):
    env = process_env(make_config(database_url, redis_url, encryption_key),
                      MAIL_FEEDBACK_SECRET=FEEDBACK_SECRET)
    with gunicorn("app:create_app()", env, workers=1, probe="/healthz") as base:
        yield base


@pytest.fixture
def woo(app):
    shop = Shop(platform="woocommerce", domain="https://laden.example", name="Laden", api_key="ck_test",
                api_secret="cs_test", webhook_secret=WC_SECRET, locale="de")
    db.session.add(shop)
    db.session.commit()
    return shop


@pytest.fixture
def survey_order(shop):
    set_module(shop, "survey")
    now = datetime.now(timezone.utc)
    order = make_order(shop, platform_order_id="1001", status="delivered",
                       placed_at=now - timedelta(hours=30))
    add_parcel(order, status="delivered", delivered_at=now - timedelta(hours=2))
    db.session.commit()
    return order


def post_chunked(base: str, path: str, headers: dict, body: bytes, *, finish: bool = True,
                 chunk: int = 64 * 1024) -> tuple[int, bytes]:
    """POST `body` with Transfer-Encoding: chunked and no Content-Length; (status, response body).

    finish=False leaves the body unterminated, as an endless stream would: only a server that
    stops reading at its limit answers.
    """
    host, port = base.removeprefix("http://").split(":")
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n")
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()
                    if name.lower() != "content-length")
    answer = b""
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        try:
            sock.sendall(head.encode() + b"\r\n")
            for start in range(0, len(body), chunk):
                piece = body[start:start + chunk]
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            if finish:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading and hung up: its answer is already on the way
        try:
            while data := sock.recv(65536):
                answer += data
        except ConnectionResetError:
            pass  # the unread rest of our body makes the server's close a reset, after its answer
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 "), answer[:200]
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def stored(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _padded_order(size: int) -> bytes:
    order = json.loads(fresh_payload("shopify/orders_create.json"))
    order["note"] = "x" * size
    return json.dumps(order).encode()


def test_an_endless_chunked_shopify_webhook_is_cut_off_at_the_limit(server, app):
    body = _padded_order(WEBHOOK_BYTES + 500_000)  # signed properly: only its size is wrong
    status, answer = post_chunked(server, "/webhooks/shopify",
                                  shopify_headers(body, "orders/create", "evt-big"),
                                  body, finish=False)
    assert status == 413 and json.loads(answer)["message"] == "body too large"
    assert stored(WebhookDelivery) == 0


def test_an_endless_chunked_woocommerce_webhook_is_cut_off_at_the_limit(server, woo):
    order = json.loads(load_payload("woocommerce/order_processing.json"))
    body = json.dumps({**order, "customer_note": "x" * (WEBHOOK_BYTES + 500_000)}).encode()
    status, _ = post_chunked(server, f"/webhooks/woocommerce/{woo.shop_key}", wc_headers(body), body,
                             finish=False)
    assert status == 413
    assert stored(WebhookDelivery) == 0


def test_an_endless_chunked_mail_report_is_cut_off_at_the_limit(server, app):
    body = b"From: mailer-daemon@example.net\n\n" + b"x" * (MAX_REPORT_BYTES + 500_000)
    status, _ = post_chunked(server, "/webhooks/mail-feedback",
                             {"Authorization": f"Bearer {FEEDBACK_SECRET}"},
                             body, finish=False)
    assert status == 413
    assert stored(MailFeedback) == 0


def test_an_endless_chunked_survey_form_is_cut_off_at_the_form_limit(server, survey_order):
    body = b"score=9&comment=" + b"x" * (FORM_BYTES * 4)
    status, answer = post_chunked(server, f"/t/{tracking_token(survey_order)}/survey",
                                  {"Content-Type": "application/x-www-form-urlencoded"}, body, finish=False)
    assert status == 413
    assert f"larger than the {FORM_BYTES:,} bytes".encode() in answer
    assert stored(SurveyAnswer) == 0


def test_chunked_bodies_under_the_limits_are_taken_as_before(server, survey_order, woo):
    shopify = _padded_order(500_000)
    assert post_chunked(server, "/webhooks/shopify", shopify_headers(shopify, "orders/create", "evt-ok"),
                        shopify)[0] == 200
    woo_body = load_payload("woocommerce/order_processing.json")
    assert post_chunked(server, f"/webhooks/woocommerce/{woo.shop_key}", wc_headers(woo_body),
                        woo_body)[0] == 200
    assert stored(WebhookDelivery) == 2
    form = b"score=9&comment=" + b"gut" * 300
    status, _ = post_chunked(server, f"/t/{tracking_token(survey_order)}/survey",
                             {"Content-Type": "application/x-www-form-urlencoded"}, form)
    assert status == 303 and stored(SurveyAnswer) == 1


def test_a_malformed_chunked_webhook_within_the_limit_is_400_and_kept_for_replay(server, app):
    body = b'{"id": 1, "note": "' + b"x" * 100_000  # cut-off JSON
    status, answer = post_chunked(server, "/webhooks/shopify",
                                  shopify_headers(body, "orders/create", "evt-bad"), body)
    assert status == 400 and "stored for replay" in json.loads(answer)["message"]
    assert db.session.scalars(select(WebhookDelivery.state)).all() == [DeliveryState.MALFORMED]
