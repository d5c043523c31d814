"""Unique vouchers end to end: the send job creates the buyer's own code on the platform (a
fake speaking the real wire format), once, and a mail goes out without it only after the
job's last retry."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.clients.vouchers import VoucherUnavailable, issue_voucher
from app.domain.followups.sync import sync_followups
from app.domain.followups.vouchers import voucher_setting
from app.extensions import db
from app.jobs.dispatch import dispatch_due
from app.jobs.messages import send_message
from app.mail.senders import SendError, SMTPSender
from app.models import IssuedVoucherRow, ScheduledMessage
from tests.support.factories import add_parcel, make_order, set_module
from tests.support.fakes.shopify_admin import FakeShopify

DOMAIN = "johns-apparel.myshopify.com"
UNIQUE = dict(
    voucher_mode="unique",
    voucher_type="percent",
    voucher_value="15",
    voucher_days=30,
    voucher_minimum="40",
)


def _now():
    return datetime.now(timezone.utc)


@pytest.fixture
def no_quiet_hours(app):
    app.config.update(QUIET_HOURS_START=0, QUIET_HOURS_END=0)


@pytest.fixture
def fake_shopify(app, shop):
    fake = FakeShopify().start()
    app.config["SHOPIFY_API_ORIGIN"] = fake.origin
    tokens = fake.issue_tokens(DOMAIN)
    shop.access_token, shop.refresh_token = tokens["access_token"], tokens["refresh_token"]
    shop.access_token_expires_at = _now() + timedelta(hours=1)
    db.session.commit()
    yield fake
    fake.stop()


def _thank_you(shop, **settings):
    """A delivered order whose buyer consented; its thank-you mail due now."""
    set_module(shop, "mail_thank_you", delay_days=0, **{**UNIQUE, **settings})
    set_module(shop, "mail_delivered", enabled=False)
    order = make_order(shop)
    order.customer.marketing_consent, order.customer.locale = "granted", "en"
    order.customer.platform_customer_id = "207119551"
    add_parcel(
        order,
        status="delivered",
        shipped_at=_now() - timedelta(days=2),
        delivered_at=_now() - timedelta(hours=1),
    )
    sync_followups(db.session, [order], _now())
    db.session.commit()
    message = db.session.scalars(
        select(ScheduledMessage).where(ScheduledMessage.kind == "thank_you")
    ).one()
    return order, message


def _queue(message_id: int) -> None:
    db.session.execute(
        ScheduledMessage.__table__.update()
        .where(ScheduledMessage.id == message_id)
        .values(state="queued")
    )
    db.session.commit()


def _text(received) -> str:
    return received["mail"].get_body(("plain",)).get_content()


def test_a_thank_you_mail_carries_the_buyers_own_single_use_code(
    app, shop, fake_shopify, run_jobs, smtp_inbox, no_quiet_hours
):
    order, message = _thank_you(shop)
    started = _now()
    dispatch_due(_now() + timedelta(seconds=1))
    run_jobs()
    db.session.expire_all()
    assert db.session.get(ScheduledMessage, message.id).state == "sent"
    [created] = fake_shopify.shop(DOMAIN).discounts
    row = db.session.scalars(select(IssuedVoucherRow)).one()
    assert (row.order_id, row.purpose, row.platform_id) == (
        order.id,
        "thank_you:0",
        "gid://shopify/DiscountCodeNode/1001",
    )
    assert created[
        "code"
    ] == row.code and f"Your voucher code for your next order: {row.code}" in _text(smtp_inbox[0])
    # The value, limits and buyer the merchant set, valid 30 days from creation.
    assert created["customerGets"]["value"] == {"percentage": 0.15}
    assert (created["usageLimit"], created["appliesOncePerCustomer"]) == (1, True)
    assert created["context"] == {"customers": {"add": ["gid://shopify/Customer/207119551"]}}
    assert created["minimumRequirement"] == {"subtotal": {"greaterThanOrEqualToSubtotal": "40"}}
    starts = datetime.strptime(created["startsAt"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=timezone.utc
    )
    ends = datetime.strptime(created["endsAt"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert ends - starts == timedelta(days=30) and abs(starts - started) < timedelta(minutes=1)
    assert abs(row.expires_at - ends) < timedelta(seconds=1)
    # The buyer reads until when it holds, in the shop's zone.
    day = ends.astimezone(ZoneInfo("Europe/Berlin")).date()
    assert f"Single use, valid until {day.day} {day.strftime('%b')} {day.year}." in _text(
        smtp_inbox[0]
    )


def test_an_order_erased_before_its_code_is_created_is_a_retryable_refusal(
    app, shop, fake_shopify
):
    """A redaction or uninstall may erase the order between the send job's pick and the
    voucher: that is VoucherUnavailable (the job's retry finds nothing to send), not a crash
    on a missing row, and nothing is reserved or created."""
    order, _ = _thank_you(shop)
    order_id = order.id
    db.session.delete(order)
    db.session.commit()
    setting = voucher_setting(UNIQUE)
    with pytest.raises(VoucherUnavailable, match="is gone"):
        issue_voucher(order_id, "thank_you:0", setting, "Aftersales thank you", _now())
    assert db.session.scalars(select(IssuedVoucherRow)).all() == []
    assert fake_shopify.shop(DOMAIN).discounts == []


def test_a_retried_send_reuses_the_code_it_created(
    app, shop, fake_shopify, smtp_inbox, no_quiet_hours
):
    """The first attempt created the code, then SMTP failed; the retry sends the same code."""
    _, message = _thank_you(shop)
    _queue(message.id)
    inbox_sender = app.extensions["mail_sender"]
    app.extensions["mail_sender"] = SMTPSender(
        "smtp://127.0.0.1:9"
    )  # nothing listens: temporary failure
    with pytest.raises(SendError):
        send_message(message.id)
    db.session.expire_all()
    assert db.session.get(ScheduledMessage, message.id).state == "queued"
    assert len(fake_shopify.shop(DOMAIN).discounts) == 1
    app.extensions["mail_sender"] = inbox_sender
    assert send_message(message.id) == "sent"
    [created] = fake_shopify.shop(DOMAIN).discounts
    assert f"next order: {created['code']}" in _text(smtp_inbox[0])


def test_a_code_created_whose_answer_was_lost_is_taken_as_ours(
    app, shop, fake_shopify, smtp_inbox, no_quiet_hours
):
    """An attempt reserved the code and Shopify made it, but the answer never arrived: the
    retry meets TAKEN for its own reserved code and uses it instead of making another."""
    order, message = _thank_you(shop)
    _queue(message.id)
    token, shop.access_token = (
        shop.access_token,
        "shpat_revoked",
    )  # the answer is lost: a 401 stands in
    db.session.commit()
    with pytest.raises(VoucherUnavailable, match="ReauthorizeRequired"):
        send_message(message.id)
    db.session.expire_all()
    reserved = db.session.scalars(select(IssuedVoucherRow)).one()
    assert reserved.issued_at is None and db.session.get(
        ScheduledMessage, message.id
    ).last_error.startswith("voucher:")
    shop = db.session.get(type(shop), shop.id)
    shop.access_token = token
    db.session.commit()
    state = fake_shopify.shop(DOMAIN)
    state.discounts.append({"code": reserved.code})  # what the lost answer had created
    assert send_message(message.id) == "sent"
    assert len(state.discounts) == 1
    assert f"next order: {reserved.code}" in _text(smtp_inbox[0])


def test_after_the_last_retry_the_mail_goes_without_the_voucher(
    app, shop, fake_shopify, smtp_inbox, no_quiet_hours
):
    """Decision: a thank-you without a discount is better than none; the note stays on the row."""
    shop.access_token = "shpat_revoked"  # Shopify answers 401
    db.session.commit()
    _, message = _thank_you(shop)
    _queue(message.id)
    for attempt in range(1, app.config["MAIL_MAX_ATTEMPTS"]):
        with pytest.raises(VoucherUnavailable, match="ReauthorizeRequired"):
            send_message(message.id)
        db.session.expire_all()
        row = db.session.get(ScheduledMessage, message.id)
        assert (row.state, row.attempts) == ("queued", attempt) and smtp_inbox == []
    assert send_message(message.id) == "sent"
    db.session.expire_all()
    row = db.session.get(ScheduledMessage, message.id)
    assert row.last_error.startswith("sent without its voucher: ReauthorizeRequired")
    text = _text(smtp_inbox[0])
    assert "voucher code" not in text and "Thank you" in text
    assert fake_shopify.shop(DOMAIN).discounts == []


def test_no_code_is_created_for_a_buyer_who_may_not_get_advertising(
    app, shop, fake_shopify, smtp_inbox
):
    """A delay notice is transactional: its goodwill voucher (advertising) needs consent."""
    from app.models import TrackingEvent

    set_module(shop, "mail_delayed", **UNIQUE)
    order = make_order(shop)
    parcel = add_parcel(order, status="exception", shipped_at=_now() - timedelta(days=2))
    parcel.events.append(
        TrackingEvent(status="exception", happened_at=_now() - timedelta(minutes=5), source="t")
    )
    sync_followups(db.session, [order], _now())
    db.session.commit()
    message = db.session.scalars(
        select(ScheduledMessage).where(ScheduledMessage.kind == "delayed")
    ).one()
    _queue(message.id)
    assert send_message(message.id) == "sent"
    assert (
        fake_shopify.shop(DOMAIN).discounts == []
        and db.session.scalars(select(IssuedVoucherRow)).all() == []
    )


def _survey_order(shop, number: str, status: str = "delivered"):
    order = make_order(
        shop, platform_order_id=number, status=status, placed_at=_now() - timedelta(hours=30)
    )
    if status == "delivered":
        add_parcel(order, status="delivered", delivered_at=_now() - timedelta(hours=2))
    db.session.commit()
    return order


def _survey_code(client, order):
    from app.links.tracking_page import tracking_token

    return client.get(f"/t/{tracking_token(order)}.json").get_json()["modules"]["survey"][
        "voucher_code"
    ]


def test_each_survey_answer_gets_its_own_woocommerce_coupon_once_delivered(
    client, wc_store_shop, fake_store
):
    from app.links.tracking_page import tracking_token

    set_module(
        wc_store_shop,
        "survey",
        before_delivery=True,
        **{**UNIQUE, "voucher_type": "fixed", "voucher_value": "5.00", "voucher_minimum": None},
    )
    first, second = _survey_order(wc_store_shop, "4001"), _survey_order(wc_store_shop, "4002")
    travelling = _survey_order(wc_store_shop, "4003", status="shipped")
    for order, score in ((first, "9"), (second, "2"), (travelling, "7")):
        assert (
            client.post(f"/t/{tracking_token(order)}/survey", data={"score": score}).status_code
            == 303
        )
    coupons = list(fake_store.state.coupons.values())
    assert [c["email_restrictions"] for c in coupons] == [
        ["buyer-4001@example.com"],
        ["buyer-4002@example.com"],
    ]
    assert {
        (c["discount_type"], c["amount"], c["usage_limit"], c["usage_limit_per_user"])
        for c in coupons
    } == {("fixed_cart", "5.00", 1, 1)}
    codes = [_survey_code(client, first), _survey_code(client, second)]
    assert codes == [c["code"] for c in coupons] and codes[0] != codes[1]
    assert _survey_code(client, travelling) is None  # no discount before the goods arrived
    # A second answer changes nothing: the buyer keeps the one code.
    assert (
        client.post(f"/t/{tracking_token(first)}/survey", data={"score": "10"}).status_code == 303
    )
    assert len(fake_store.state.coupons) == 2 and _survey_code(client, first) == codes[0]


def test_a_survey_code_the_store_refused_is_retried_by_a_job(
    client, wc_store_shop, fake_store, run_jobs
):
    from app.extensions import queues
    from app.jobs.survey_vouchers import survey_voucher_job_id
    from app.links.tracking_page import tracking_token

    set_module(wc_store_shop, "survey", **UNIQUE)
    order = _survey_order(wc_store_shop, "4101")
    fake_store.state.fail_next = [503]
    assert client.post(f"/t/{tracking_token(order)}/survey", data={"score": "8"}).status_code == 303
    assert (
        fake_store.state.coupons == {} and _survey_code(client, order) is None
    )  # the answer is kept anyway
    assert queues.job_is_live(survey_voucher_job_id(order.id))
    run_jobs()
    [coupon] = fake_store.state.coupons.values()
    assert _survey_code(client, order) == coupon["code"]
