"""A paid order that has not left the shop after the merchant's business days (default 3) gets
one honest "taking longer to leave us" notice (transactional, switchable per shop), and the
block says the same; an order that ships in time, is unpaid or cancelled hears nothing."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.domain.followups.rules import plan_followups
from app.domain.followups.sync import sync_followups
from app.extensions import db
from app.jobs.dispatch import dispatch_due
from app.models import MessageState, ScheduledMessage
from app.presenters import order_status
from app.read_model.from_orm import order_view
from tests.support.factories import add_parcel, make_order, set_module

UTC = timezone.utc
MON = datetime(2026, 11, 30, 10, tzinfo=UTC)
THU = datetime(2026, 12, 3, 10, tzinfo=UTC)


def _not_shipped(order, shop, now=MON):
    return [p.send_at for p in plan_followups(order, shop, now) if p.kind == "not_shipped"]


def test_a_paid_order_still_waiting_after_three_business_days_gets_one_notice(app, shop):
    order = make_order(shop, placed_at=MON, financial_status="paid", status="processing")
    assert _not_shipped(order, shop) == [THU]
    set_module(shop, "mail_not_shipped", delay_days=5)
    assert _not_shipped(order, shop) == [datetime(2026, 12, 7, 10, tzinfo=UTC)]  # Mon + 5 business days


def test_nothing_for_an_order_that_shipped_is_unpaid_cancelled_or_switched_off(app, shop):
    shipped = make_order(shop, placed_at=MON, financial_status="paid", platform_order_id="1")
    add_parcel(shipped, shipped_at=MON + timedelta(days=1))
    unpaid = make_order(shop, placed_at=MON, financial_status="pending", platform_order_id="2")
    cancelled = make_order(shop, placed_at=MON, financial_status="paid", platform_order_id="3",
                           cancelled_at=MON)
    assert _not_shipped(shipped, shop) == _not_shipped(unpaid, shop) == _not_shipped(cancelled, shop) == []
    waiting = make_order(shop, placed_at=MON, financial_status="paid", platform_order_id="4")
    set_module(shop, "mail_not_shipped", enabled=False)
    assert _not_shipped(waiting, shop) == []


def test_shipping_in_time_cancels_the_planned_notice(app, shop):
    order = make_order(shop, placed_at=MON, financial_status="paid")
    sync_followups(db.session, [order], MON)
    row = db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.kind == "not_shipped")).one()
    assert (row.state, row.send_at) == (MessageState.PLANNED, THU)
    add_parcel(order, shipped_at=MON + timedelta(days=1))
    sync_followups(db.session, [order], MON + timedelta(days=1))
    assert row.state == MessageState.CANCELLED


def test_the_block_says_it_has_not_left_yet_only_once_it_is_overdue(app, shop):
    order = make_order(shop, placed_at=MON, financial_status="paid", status="processing")
    before = order_status(order_view(order), "de", now=THU - timedelta(hours=1))
    assert before["modules"]["delivery_status"]["attention"] is None
    after = order_status(order_view(order), "en", now=THU + timedelta(hours=1))
    assert after["modules"]["delivery_status"]["attention"]["reason"] == "not_shipped"
    assert "taking longer to leave us" in after["modules"]["delivery_status"]["attention"]["text"]
    assert after["modules"]["delivery_status"]["branch"] is None and after["order"]["status"] == "processing"


def test_the_notice_goes_out_over_smtp_as_a_transactional_mail(app, shop, run_jobs, smtp_inbox):
    app.config.update(QUIET_HOURS_START=0, QUIET_HOURS_END=0)
    now = datetime.now(UTC)
    set_module(shop, "mail_not_shipped", delay_days=0)  # due now (a notice days overdue is stale, not sent)
    order = make_order(shop, placed_at=now - timedelta(hours=1), financial_status="paid", status="processing")
    sync_followups(db.session, [order], now)
    db.session.commit()
    dispatch_due(now + timedelta(seconds=1))
    run_jobs()
    [mail] = [m["mail"] for m in smtp_inbox]
    assert mail["Subject"] == f"Ihre Bestellung {order.name} ist noch nicht unterwegs"
    text = mail.get_body(("plain",)).get_content()
    assert "länger als geplant" in text and "keine Werbung" in text  # transactional: no advertising
    assert mail["List-Unsubscribe"] is None


def test_the_merchant_sets_the_days_in_the_admin_and_the_plan_follows(wc_admin, wc_shop):
    from tests.integration.test_admin_forms import fresh, post

    assert 'data-module-form="mail_not_shipped"' in wc_admin.get("/admin/modules").get_data(as_text=True)
    refused = post(wc_admin, "/admin/modules/mail_not_shipped", {"enabled": "on", "delay_days": "0"})
    assert refused.status_code == 422 and "from 1 to 20" in refused.get_data(as_text=True)
    assert post(wc_admin, "/admin/modules/mail_not_shipped",
                {"enabled": "on", "delay_days": "5"}).status_code == 200
    shop = fresh(wc_shop)
    order = make_order(shop, placed_at=MON, financial_status="paid")
    assert _not_shipped(order, shop) == [datetime(2026, 12, 7, 10, tzinfo=UTC)]
