"""Replenishment intervals learned from the shop's repeat purchases: the pure median, the
daily job on a real database, and the planner's order merchant → learned → none.

Time travel: T0 is Monday 2026-11-23 10:00 UTC; purchase histories are laid out before it.
"""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.domain.followups.history import load_history
from app.domain.followups.rules import History, plan_followups
from app.domain.orders.repeat_purchases import Purchase, learn_intervals
from app.extensions import db
from app.jobs.replenishment import learn_replenishment_intervals
from app.models import Customer, LearnedIntervals, ScheduledMessage
from tests.support.factories import T0, add_parcel, make_order, set_module
from tests.support.periodic_ticks import tick

DAY = timedelta(days=1)


def _pairs(product: str, gaps_in_days, first_customer: int = 1) -> list[Purchase]:
    """One buyer per gap: two purchases of `product`, that many days apart, the later a week before T0."""
    purchases = []
    for n, gap in enumerate(gaps_in_days):
        customer = first_customer + n
        later = T0 - 7 * DAY
        purchases += [Purchase(customer, customer * 100, product, later - gap * DAY),
                      Purchase(customer, customer * 100 + 1, product, later)]
    return purchases


def test_the_median_gap_of_five_repeat_pairs_is_the_interval():
    assert learn_intervals(_pairs("coffee", [28, 30, 30, 31, 45])) == {"coffee": 30}
    assert learn_intervals(_pairs("filters", [28, 29, 31, 33, 35, 40])) == {"filters": 32}  # (31 + 33) / 2
    assert learn_intervals(_pairs("tea", [20.4, 20.5, 20.5, 21, 21])) == {"tea": 21}  # 20.5 rounds up


def test_too_few_pairs_or_an_insane_interval_teaches_nothing():
    assert learn_intervals(_pairs("coffee", [30, 30, 30, 30])) == {}  # four pairs
    assert learn_intervals(_pairs("gum", [3, 4, 5, 5, 6])) == {}  # under a week
    assert learn_intervals(_pairs("mattress", [400, 420, 500, 600, 700])) == {}  # over a year


def test_one_buyers_consecutive_orders_make_the_pairs_and_same_day_reorders_do_not_count():
    start = T0 - 200 * DAY
    # One buyer, five orders 30 days apart: four pairs; a sixth order two hours after the last.
    purchases = [Purchase(1, order, "coffee", start + 30 * DAY * order) for order in range(5)]
    purchases.append(Purchase(1, 9, "coffee", start + 120 * DAY + timedelta(hours=2)))
    purchases.append(Purchase(1, 4, "coffee", start + 120 * DAY))  # a second line of order 4: one purchase
    purchases += _pairs("coffee", [44], first_customer=2)  # another buyer's pair: five pairs in all
    assert learn_intervals(purchases) == {"coffee": 30}
    assert learn_intervals(purchases, min_pairs=6) == {}


def _buyer(shop, n: int) -> Customer:
    customer = Customer(shop_id=shop.id, email=f"repeat-{n}@example.com", locale="de",
                        marketing_consent="granted")
    db.session.add(customer)
    return customer


def _order(shop, customer, number: str, placed_at: datetime, variant: str = "coffee"):
    order = make_order(shop, platform_order_id=number, placed_at=placed_at, lines=(("l1", 1, variant),))
    order.customer = customer
    return order


def _shop_with_coffee_buyers(shop, gaps=(27, 29, 30, 30, 33)):
    """Five buyers who each bought coffee twice (the gaps apart), and one-off tea buyers."""
    for n, gap in enumerate(gaps):
        customer = _buyer(shop, n)
        _order(shop, customer, f"{n}-a", T0 - (60 + gap) * DAY)
        _order(shop, customer, f"{n}-b", T0 - 60 * DAY)
        _order(shop, _buyer(shop, 100 + n), f"{n}-tea", T0 - 50 * DAY, variant="tea")
    db.session.commit()


def test_the_daily_job_stores_what_the_shops_orders_teach(app, shop):
    _shop_with_coffee_buyers(shop)
    cancelled = _order(shop, _buyer(shop, 50), "x-a", T0 - 90 * DAY)  # a cancelled order is no purchase
    cancelled.cancelled_at = T0 - 89 * DAY
    _order(shop, cancelled.customer, "x-b", T0 - 88 * DAY)
    db.session.commit()
    assert learn_replenishment_intervals(shop.id, now=T0) == {"products": 1, "changed": 1, "replanned": 0}
    row = db.session.get(LearnedIntervals, shop.id)
    assert (row.intervals, row.computed_at) == ({"p-coffee": 30}, T0)
    # nothing new: nothing re-planned
    assert learn_replenishment_intervals(shop.id, now=T0 + DAY)["changed"] == 0


def _delivered(shop, customer, number: str, variant: str = "coffee", delivered_at=T0):
    order = _order(shop, customer, number, delivered_at - 3 * DAY, variant)
    add_parcel(order, status="delivered", shipped_at=delivered_at - 2 * DAY, delivered_at=delivered_at,
               fulfillment_id=f"f{number}")
    return order


def _replenishments(order, history):
    return [p.send_at for p in plan_followups(order, order.shop, T0, history) if p.kind == "replenishment"]


def test_the_merchants_interval_first_then_the_learned_one_then_none(app, shop):
    set_module(shop, "mail_replenishment")
    coffee, tea = (_delivered(shop, _buyer(shop, 1), "c"),
                   _delivered(shop, _buyer(shop, 2), "t", variant="tea"))
    learned = History(learned_intervals={"p-coffee": 30, "p-tea": 60})
    assert _replenishments(coffee, History()) == []
    assert _replenishments(coffee, learned) == [datetime(2026, 12, 23, 10, tzinfo=timezone.utc)]
    assert _replenishments(tea, learned) == [datetime(2027, 1, 22, 10, tzinfo=timezone.utc)]
    set_module(shop, "mail_replenishment", intervals={"p-coffee": 45})  # the merchant knows better
    assert _replenishments(coffee, learned) == [datetime(2027, 1, 7, 10, tzinfo=timezone.utc)]
    assert _replenishments(tea, learned) == [datetime(2027, 1, 22, 10, tzinfo=timezone.utc)]
    assert _replenishments(tea, History()) == []
    # Bought again since: no reminder, whoever set the interval.
    assert _replenishments(tea, History(learned_intervals={"p-tea": 60},
                                        newer_products=frozenset({"p-tea"}))) == []


def test_history_carries_the_learned_intervals_only_while_the_mail_is_on(app, shop):
    db.session.add(LearnedIntervals(shop_id=shop.id, intervals={"p-coffee": 30}, computed_at=T0))
    order = _delivered(shop, _buyer(shop, 1), "c")
    assert load_history(db.session, order).learned_intervals == {}
    set_module(shop, "mail_replenishment")
    assert load_history(db.session, order).learned_intervals == {"p-coffee": 30}


def test_an_order_that_arrived_before_the_learning_gets_its_reminder(app, shop):
    set_module(shop, "mail_replenishment")
    _shop_with_coffee_buyers(shop)
    recent = _delivered(shop, _buyer(shop, 7), "recent", delivered_at=T0 - 5 * DAY)  # placed 8 days ago
    old = _delivered(shop, _buyer(shop, 8), "old", delivered_at=T0 - 40 * DAY)  # its day would have passed
    db.session.commit()
    assert learn_replenishment_intervals(shop.id, now=T0) == {"products": 1, "changed": 1, "replanned": 1}
    rows = db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.kind == "replenishment")).all()
    assert [(m.order_id, m.send_at, m.state) for m in rows] == [
        (recent.id, datetime(2026, 12, 18, 10, tzinfo=timezone.utc), "planned")]
    assert {m.kind for m in db.session.scalars(select(ScheduledMessage))} == {"replenishment"}  # nothing else
    assert old.id not in {m.order_id for m in rows}


def test_the_tick_enqueues_learning_once_a_day_for_shops_with_the_mail_on(app, shop, run_jobs):
    assert tick("interval_learning") == 0
    set_module(shop, "mail_replenishment")
    _shop_with_coffee_buyers(shop, gaps=(30, 30, 30, 30, 30))
    db.session.commit()
    assert tick("interval_learning") == 1
    assert tick("interval_learning") == 0  # once per day
    run_jobs()
    db.session.expire_all()
    assert db.session.get(LearnedIntervals, shop.id).intervals == {"p-coffee": 30}
