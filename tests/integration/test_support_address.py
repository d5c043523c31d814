"""Mail a buyer can answer: Reply-To is the shop's support address, and marketing mail waits for it."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.domain.followups.sync import sync_followups
from app.extensions import db
from app.jobs.dispatch import dispatch_due
from app.mail.render import render_message
from app.models import MessageState, ScheduledMessage
from app.read_model.from_orm import message_view
from tests.integration.test_admin_forms import CONTENT, fresh, post
from tests.support.admin_sessions import SHOPIFY_DOMAIN, bearer
from tests.support.factories import add_parcel, make_order, set_module


@pytest.fixture(autouse=True)
def no_quiet_hours(app):
    app.config.update(QUIET_HOURS_START=0, QUIET_HOURS_END=0)


def _now():
    return datetime.now(timezone.utc)


def _delivered_order(shop, platform_order_id):
    """A delivered order of a buyer who opted in: a delivery notice (transactional) and a
    thank-you (marketing) are due at once."""
    set_module(shop, "mail_thank_you", delay_days=0)
    order = make_order(shop, platform_order_id=platform_order_id)
    order.customer.marketing_consent = "granted"
    add_parcel(order, status="delivered", shipped_at=_now() - timedelta(days=2),
               delivered_at=_now() - timedelta(hours=1))
    sync_followups(db.session, [order], _now())
    db.session.commit()
    return order


def _send_due(run_jobs):
    dispatch_due(_now() + timedelta(seconds=1))
    run_jobs()
    db.session.expire_all()


def _states(order):
    return dict(db.session.execute(select(ScheduledMessage.kind, ScheduledMessage.state)
                                   .where(ScheduledMessage.order_id == order.id)).all())


def test_every_mail_carries_the_shops_support_address_as_reply_to(app, shop, run_jobs, smtp_inbox):
    order = _delivered_order(shop, "1001")
    _send_due(run_jobs)
    assert _states(order) == {"delivered": MessageState.SENT, "thank_you": MessageState.SENT}
    assert len(smtp_inbox) == 2
    for received in smtp_inbox:
        reply_to = received["mail"]["Reply-To"]
        assert [a.addr_spec for a in reply_to.addresses] == ["hilfe@johns-apparel.example"]
        assert reply_to.addresses[0].display_name == "John's Apparel"
        assert received["mail"]["From"].addresses[0].addr_spec == "mail@app.example.test"  # sender stays ours


def test_marketing_waits_for_the_support_address_and_goes_once_it_is_set(app, shop, client, run_jobs,
                                                                         smtp_inbox):
    shop.support_email = None
    db.session.commit()
    assert b"No marketing mail goes out yet" in client.get("/admin/?locale=en", headers=bearer()).data
    first = _delivered_order(shop, "1001")
    _send_due(run_jobs)
    assert _states(first) == {"delivered": MessageState.SENT, "thank_you": MessageState.SKIPPED}
    skipped = db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.kind == "thank_you")).one()
    assert skipped.reason == "no support address"
    [notice] = smtp_inbox  # mail about the order still goes, with no Reply-To
    assert notice["mail"]["Reply-To"] is None and "Reply-To" not in notice["raw"].decode()

    response = client.post(f"/admin/content?shop={SHOPIFY_DOMAIN}&locale=en", headers=bearer(),
                           data={**CONTENT, "support_email": "Service@Johns-Apparel.example"})
    assert response.status_code == 200, response.data
    assert fresh(shop).support_email == "Service@johns-apparel.example"
    assert b"No marketing mail goes out yet" not in client.get("/admin/?locale=en", headers=bearer()).data

    second = _delivered_order(fresh(shop), "1002")
    _send_due(run_jobs)
    assert _states(second) == {"delivered": MessageState.SENT, "thank_you": MessageState.SENT}
    thank_you = next(r["mail"] for r in smtp_inbox if "1002" in r["envelope_to"][0] and r["mail"]["List-Id"])
    assert thank_you["Reply-To"].addresses[0].addr_spec == "Service@johns-apparel.example"


@pytest.mark.parametrize("value", [
    "hilfe@laden.example\r\nBcc: everyone@elsewhere.example",
    "hilfe@laden.example\nBcc: everyone@elsewhere.example",
    "hilfe@laden.example\rX-Injected: 1",
])
def test_a_line_break_in_the_support_address_is_refused(wc_admin, wc_shop, value):
    response = post(wc_admin, "/admin/content", {**CONTENT, "support_email": value})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "line breaks and control characters are refused" in page and 'aria-invalid="true"' in page
    assert fresh(wc_shop).support_email == "hilfe@laden.example"


@pytest.mark.parametrize("value",
                         ["Laden <hilfe@laden.example>", "hilfe@laden.example, x@y.example", "hilfe"])
def test_anything_but_one_plain_address_is_refused(client, shop, value):
    response = client.post(f"/admin/content?shop={SHOPIFY_DOMAIN}&locale=en", headers=bearer(),
                           data={**CONTENT, "support_email": value})
    assert response.status_code == 422 and b"one plain e-mail address" in response.data
    assert fresh(shop).support_email == "hilfe@johns-apparel.example"


def test_a_stored_address_with_a_line_break_still_adds_no_header(app, shop):
    """Defence in depth: a value that reached the database another way stays inside its header."""
    shop.support_email = "hilfe@johns-apparel.example\r\nBcc: everyone@elsewhere.example"
    order = make_order(shop)
    parcel = add_parcel(order)
    message = ScheduledMessage(shop_id=shop.id, order_id=order.id, customer_id=order.customer_id,
                               kind="shipped",
                               sequence=parcel.id, stream="transactional", send_at=_now(),
                               state=MessageState.SENDING)
    db.session.add(message)
    db.session.commit()
    parsed = render_message(message_view(message)).parsed()
    assert (parsed["Bcc"] is None and "\r\nBcc:" not
            in render_message(message_view(message)).as_bytes().decode())


def test_the_mail_previews_show_the_reply_to(wc_admin, wc_shop):
    previews = wc_admin.get("/admin/previews").get_data(as_text=True)
    assert "Reply-To: Laden &lt;hilfe@laden.example&gt;" in previews
    wc_shop.support_email = None
    db.session.commit()
    assert ("Reply-To: none: set your support address"
            in wc_admin.get("/admin/previews").get_data(as_text=True))
