"""Time-travel tests of the pure planner, kind by kind: anchors, business days, guards.

T0 is Monday 2026-11-23 10:00 UTC (11:00 in the shop's Berlin time zone).
"""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from app.domain.arrival.anchors import arrival, shift_business_days
from app.domain.followups.rules import History, plan_followups
from app.domain.orders.order_events import apply_refund
from app.extensions import db
from app.models import TrackingEvent
from connectors.base import RefundEvent
from tests.support.factories import T0, add_parcel, carrier_scan, make_order, set_module

UTC = timezone.utc
FRI = datetime(2026, 11, 27, 10, tzinfo=UTC)
MARKETING_KINDS = ("mail_review_request", "mail_review_reminder", "mail_thank_you", "mail_how_to", "mail_nps",
                   "mail_replenishment", "mail_anniversary", "mail_win_back", "mail_referral")


def _of(plans, kind):
    return [p for p in plans if p.kind == kind]


def _delivered(shop, at=T0, consent="granted", **fields):
    order = make_order(shop, **fields)
    order.customer.marketing_consent = consent
    add_parcel(order, status="delivered", shipped_at=at - timedelta(days=2), delivered_at=at,
               line_items=tuple((line.platform_line_id, line.quantity) for line in order.lines))
    return order


def _event(parcel, status, at):
    parcel.events.append(TrackingEvent(status=status, happened_at=at, source="provider:dhl"))  # carrier news
    db.session.flush()


def _all_marketing_on(shop):
    for key in MARKETING_KINDS:
        set_module(shop, key, voucher_code="DANKE10", content={"de": "Pflege: nur kalt waschen."},
                   survey_url="https://survey.example.test/nps", intervals={"p-v1": 30})


# ---- anchors and business days -------------------------------------------------------


def test_arrival_is_the_delivery_time_when_tracking_says_delivered(app, shop):
    assert arrival(_delivered(shop, at=FRI), shop) == (FRI, "delivered")


def test_without_tracking_arrival_is_shipped_plus_transit_in_business_days(app, shop):
    order = make_order(shop)
    add_parcel(order, tracking_number=None, shipped_at=FRI)
    # DE transit is up to 2 business days: Friday → Monday, Tuesday.
    assert arrival(order, shop) == (datetime(2026, 12, 1, 10, tzinfo=UTC), "shipped+transit")


def test_transit_skips_christmas_holidays_and_the_weekend(app, shop):
    order = make_order(shop)
    add_parcel(order, tracking_number=None, shipped_at=datetime(2026, 12, 23, 10, tzinfo=UTC))
    # Thu 24th counts; Fri 25th and Sat 26th are holidays, Sunday is off: Monday the 28th.
    assert arrival(order, shop)[0] == datetime(2026, 12, 28, 10, tzinfo=UTC)


def test_without_any_parcel_a_fulfilled_order_counts_from_its_order_time(app, shop):
    order = make_order(shop, fulfillment_status="fulfilled")
    # Placed Monday: leaves Tuesday (1 processing day), arrives Thursday (2 transit days).
    assert arrival(order, shop) == (datetime(2026, 11, 26, 10, tzinfo=UTC), "order+transit")
    assert arrival(make_order(shop, platform_order_id="2"), shop) is None  # not fulfilled: no anchor


def test_a_tracked_parcel_not_yet_delivered_has_not_arrived(app, shop):
    order = make_order(shop)
    carrier_scan(add_parcel(order))
    assert arrival(order, shop) is None


def test_business_days_count_in_the_shops_time_zone(app, shop):
    # Friday 23:30 UTC is already Saturday 00:30 in Berlin: one business day later is Monday
    # 00:30 Berlin, i.e. Sunday 23:30 UTC (in UTC terms it would have been Monday night).
    assert shift_business_days(datetime(2026, 11, 27, 23, 30, tzinfo=UTC), 1, "DE", "Europe/Berlin") == \
        datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert shift_business_days(datetime(2026, 11, 28, 10, tzinfo=UTC), 3, "DE", "UTC") == \
        datetime(2026, 12, 2, 10, tzinfo=UTC)  # Saturday + 3 = Wednesday


# ---- transactional kinds -------------------------------------------------------------


def test_out_for_delivery_notice_counts_from_its_event_and_goes_stale_in_12_hours(app, shop):
    order = make_order(shop)
    parcel = add_parcel(order, status="out_for_delivery")
    _event(parcel, "out_for_delivery", T0 + timedelta(hours=1))
    [plan] = _of(plan_followups(order, shop, T0), "out_for_delivery")
    assert (plan.sequence, plan.stream, plan.send_at, plan.stale_after) == (
        parcel.id, "transactional", T0 + timedelta(hours=1), timedelta(hours=12))


def test_ready_for_pickup_notice_per_parcel(app, shop):
    order = make_order(shop)
    parcel = add_parcel(order, status="available_for_pickup")
    _event(parcel, "available_for_pickup", T0 + timedelta(hours=2))
    assert [(p.sequence, p.send_at) for p in _of(plan_followups(order, shop, T0), "ready_for_pickup")] == [
        (parcel.id, T0 + timedelta(hours=2))]


def test_delivered_notice_replaces_the_shipped_notice(app, shop):
    order = make_order(shop)
    parcel = add_parcel(order, status="delivered", delivered_at=T0 + timedelta(days=1))
    plans = plan_followups(order, shop, T0)
    assert [(p.kind, p.sequence, p.send_at) for p
            in plans] == [("delivered", parcel.id, T0 + timedelta(days=1))]


def test_stalled_parcel_gets_a_delay_notice_after_three_business_days_without_news(app, shop):
    order = make_order(shop)
    parcel = add_parcel(order, shipped_at=FRI)
    carrier_scan(parcel)
    # Friday's scan, then silence: Monday, Tuesday, Wednesday.
    assert [p.send_at for p in _of(plan_followups(order, shop, FRI), "delayed")] == [
        datetime(2026, 12, 2, 10, tzinfo=UTC)]
    _event(parcel, "in_transit", datetime(2026, 12, 1, 9, tzinfo=UTC))  # news on Tuesday moves it
    assert [p.send_at for p in _of(plan_followups(order, shop, FRI), "delayed")] == [
        datetime(2026, 12, 4, 9, tzinfo=UTC)]
    set_module(shop, "mail_delayed", delay_days=5)
    assert [p.send_at for p in _of(plan_followups(order, shop, FRI), "delayed")] == [
        datetime(2026, 12, 8, 9, tzinfo=UTC)]


def test_stall_counting_skips_the_christmas_holidays(app, shop):
    order = make_order(shop)
    carrier_scan(add_parcel(order, shipped_at=datetime(2026, 12, 23, 10, tzinfo=UTC)))
    # 24th, (25th, 26th holidays, 27th Sunday), 28th, 29th.
    assert [p.send_at for p in _of(plan_followups(order, shop, T0), "delayed")] == [
        datetime(2026, 12, 29, 10, tzinfo=UTC)]


def test_exception_or_failed_attempt_sends_the_delay_notice_at_once(app, shop):
    order = make_order(shop)
    parcel = add_parcel(order, status="exception")
    _event(parcel, "exception", T0 + timedelta(hours=3))
    [plan] = _of(plan_followups(order, shop, T0), "delayed")
    assert (plan.sequence, plan.send_at, plan.stale_after) == (parcel.id, T0 + timedelta(hours=3),
                                                               timedelta(days=2))
    parcel.status = "attempt_failed"
    _event(parcel, "attempt_failed", T0 + timedelta(hours=5))
    assert [(p.sequence, p.send_at) for p in _of(plan_followups(order, shop, T0), "delayed")] == [
        (parcel.id, T0 + timedelta(hours=5))]  # still one per parcel


def test_no_parcel_notice_without_tracking_number(app, shop):
    order = make_order(shop)
    add_parcel(order, tracking_number=None, status="out_for_delivery")
    assert plan_followups(order, shop, T0) == []


def test_refund_and_return_events_get_one_notice_each(app, shop):
    order = make_order(shop, lines=(("l1", 1), ("l2", 1)))
    apply_refund(order, RefundEvent(order.platform_order_id, "r1", T0, (("l1", 1),), amount=Decimal("10")),
                 T0)
    apply_refund(order, RefundEvent(order.platform_order_id, "r2", T0 + timedelta(days=3), (("l2", 1),),
                                    returned=True, amount=Decimal("20")), T0)
    apply_refund(order, RefundEvent(order.platform_order_id, "r1", T0, (("l1", 1),), amount=Decimal("10")),
                 T0)
    db.session.flush()
    first, second = order.refunds
    plans = [(p.kind, p.sequence, p.send_at) for p in plan_followups(order, shop, T0)
             if p.kind in ("refund_issued", "return_received")]
    assert plans == [("refund_issued", first.id, T0), ("return_received", second.id, T0 + timedelta(days=3))]


def test_a_cancelled_order_still_hears_about_its_refund_and_nothing_else(app, shop):
    order = make_order(shop, cancelled_at=T0)
    add_parcel(order)
    apply_refund(order, RefundEvent(order.platform_order_id, "r1", T0, (("l1", 1),), amount=Decimal("5")), T0)
    db.session.flush()
    assert [p.kind for p in plan_followups(order, shop, T0)] == ["refund_issued"]


# ---- marketing kinds -----------------------------------------------------------------


def test_no_marketing_mail_and_no_voucher_before_the_goods_arrived(app, shop):
    _all_marketing_on(shop)
    order = make_order(shop, lines=(("l1", 1, "v1"),))
    order.customer.marketing_consent = "granted"
    carrier_scan(add_parcel(order, shipped_at=T0 - timedelta(days=40)))  # in transit, by the carrier
    order.placed_at = T0 - timedelta(days=400)  # win-back would be long due, anniversary too
    assert [p.stream for p in plan_followups(order, shop, T0)] == ["transactional"] * 2  # shipped, delayed


def test_marketing_kinds_are_off_by_default(app, shop):
    assert [p.kind for p in plan_followups(_delivered(shop), shop, T0)] == ["delivered"]


def test_thank_you_one_business_day_after_delivery(app, shop):
    set_module(shop, "mail_thank_you", voucher_code="DANKE10")
    order = _delivered(shop, at=FRI)
    assert [p.send_at for p in _of(plan_followups(order, shop, FRI), "thank_you")] == [
        datetime(2026, 11, 30, 10, tzinfo=UTC)]  # Friday → Monday


def test_how_to_needs_the_merchants_content(app, shop):
    set_module(shop, "mail_how_to")
    order = _delivered(shop)
    assert _of(plan_followups(order, shop, T0), "how_to") == []
    set_module(shop, "mail_how_to", content={"de": "Nur kalt waschen."})
    assert [p.send_at for p in _of(plan_followups(order, shop, T0), "how_to")] == [T0 + timedelta(days=2)]


def test_nps_goes_out_with_or_without_the_merchants_survey_page(app, shop):
    """Without a (https) survey address of its own the mail links to our survey page."""
    set_module(shop, "mail_nps", survey_url="http://insecure.example.test")
    order = _delivered(shop)
    assert [p.send_at for p in _of(plan_followups(order, shop, T0), "nps")] == [T0 + timedelta(days=10)]
    set_module(shop, "mail_nps", survey_url="https://survey.example.test/nps", delay_days=4)
    assert [p.send_at for p in _of(plan_followups(order, shop, T0), "nps")] == [T0 + timedelta(days=4)]


def test_replenishment_per_product_interval_from_delivery(app, shop):
    set_module(shop, "mail_replenishment", intervals={"p-v1": 30})
    order = _delivered(shop, lines=(("l1", 1, "v1"), ("l2", 1, "v2")))
    plans = _of(plan_followups(order, shop, T0), "replenishment")
    assert [(p.sequence, p.send_at) for p in plans] == [(order.lines[0].id, T0 + timedelta(days=30))]
    # Bought again since: no reminder to buy it.
    assert _of(plan_followups(order, shop, T0, History(newer_products=frozenset({"p-v1"}))),
               "replenishment") == []


def test_anniversary_one_year_after_delivery(app, shop):
    set_module(shop, "mail_anniversary")
    assert [p.send_at for p in _of(plan_followups(_delivered(shop), shop, T0), "anniversary")] == [
        T0 + timedelta(days=365)]


def test_win_back_counts_from_the_latest_order_and_ends_with_a_new_one(app, shop):
    set_module(shop, "mail_win_back", delay_days=90)
    order = _delivered(shop, placed_at=T0 - timedelta(days=3))
    assert [p.send_at for p in _of(plan_followups(order, shop, T0), "win_back")] == [T0 + timedelta(days=87)]
    assert _of(plan_followups(order, shop, T0, History(newer_order=True)), "win_back") == []


def test_referral_three_weeks_after_delivery(app, shop):
    set_module(shop, "mail_referral")
    assert [p.send_at for p in _of(plan_followups(_delivered(shop), shop, T0), "referral")] == [
        T0 + timedelta(days=21)]


def test_without_consent_no_marketing_but_transactional_still_planned(app, shop):
    _all_marketing_on(shop)
    order = _delivered(shop, consent="denied", lines=(("l1", 1, "v1"),))
    assert [p.kind for p in plan_followups(order, shop, T0)] == ["delivered"]
    order.customer.marketing_consent = "granted"
    assert {p.stream for p in plan_followups(order, shop, T0)} == {"transactional", "marketing"}


def test_refunded_or_returned_orders_get_no_marketing(app, shop):
    _all_marketing_on(shop)
    order = _delivered(shop, lines=(("l1", 2, "v1"),))
    apply_refund(order, RefundEvent(order.platform_order_id, "r1", T0, (("l1", 1),), returned=True), T0)
    db.session.flush()
    assert {p.stream for p in plan_followups(order, shop, T0)} == {"transactional"}  # partial return


def test_review_reminder_only_after_a_sent_request_and_only_to_non_reviewers(app, shop):
    set_module(shop, "mail_review_reminder")
    order = _delivered(shop)
    sent = T0 + timedelta(days=7)
    assert _of(plan_followups(order, shop, T0), "review_reminder") == []
    [plan] = _of(plan_followups(order, shop, T0, History(review_sent_at=sent)), "review_reminder")
    assert (plan.sequence, plan.send_at) == (0, sent + timedelta(days=5))
    assert _of(plan_followups(order, shop, T0, History(review_sent_at=sent, reviewed=True)),
               "review_reminder") == []


def test_same_product_asked_for_a_review_at_most_once_in_12_months(app, shop):
    set_module(shop, "mail_review_request")
    order = _delivered(shop, lines=(("l1", 1, "v1"),))
    send_at = T0 + timedelta(days=7)
    recently = History(products_asked=(("p-v1", send_at - timedelta(days=200)),))
    long_ago = History(products_asked=(("p-v1", send_at - timedelta(days=400)),))
    assert _of(plan_followups(order, shop, T0, recently), "review_request") == []
    assert [p.send_at for p in _of(plan_followups(order, shop, T0, long_ago), "review_request")] == [send_at]
    both = _delivered(shop, platform_order_id="2", lines=(("l1", 1, "v1"), ("l2", 1, "v2")))
    assert len(_of(plan_followups(both, shop, T0, recently), "review_request")) == 1  # one product is new


def test_only_the_history_kinds_are_planned_from_the_history(app, shop):
    """The send-time re-check reads the buyer's history only for HISTORY_KINDS: every other
    kind's plans must come out the same whatever the history holds."""
    from app.domain.followups.rules import HISTORY_KINDS

    _all_marketing_on(shop)
    order = _delivered(shop, lines=(("l1", 1, "v1"),), placed_at=T0 - timedelta(days=3))
    history = History(review_sent_at=T0 - timedelta(days=1), reviewed=False,
                      products_asked=(("p-v1", T0 - timedelta(days=30)),), newer_order=True,
                      newer_products=frozenset({"p-v1"}), learned_intervals={"p-v1": 12})
    without, rich = plan_followups(order, shop, T0), plan_followups(order, shop, T0, history)
    assert {p.kind for p in without} >= {"delivered", "thank_you", "nps", "anniversary", "referral"}
    assert {p for p in without if p.kind not in HISTORY_KINDS} == {p for p in rich if p.kind not
                                                                   in HISTORY_KINDS}
    assert {p for p in without if p.kind in HISTORY_KINDS} != {p for p in rich if p.kind in HISTORY_KINDS}
