"""What the modules earn, measured from the outside in: views through the real block
endpoint, clicks through the real redirect, attribution and the holdout over a seeded
history of a few thousand orders, with every expected figure worked out here."""
from __future__ import annotations

import math
import statistics
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.domain.analytics.attribution import GRACE
from app.domain.analytics.earnings import REPEAT_WINDOW, earnings_report
from app.domain.analytics.engagement_counts import buffer, take_counts
from app.domain.analytics.holdout import MARKETING_BLOCK_MODULES, holdout_position, in_holdout
from app.domain.analytics.uplift import MIN_HOLDOUT, welch_uplift
from app.domain.followups.sync import sync_followups
from app.domain.privacy.lifecycle import redact_customer
from app.extensions import db
from app.jobs.dispatch import dispatch_due
from app.jobs.engagement import attribute_and_purge, fold_counts
from app.links.module_clicks import click_url
from app.links.tracking_page import tracking_token
from app.models import EngagementCount, ModuleClick, OrderAttribution, ScheduledMessage, Shop
from app.read_model.loads import load_modules
from tests.integration.test_block_api import get as get_block
from tests.integration.test_block_api import session_token
from tests.support import engagement_history as history_gen
from tests.support.factories import add_parcel, make_order, set_module

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
Z95 = 1.959964


@pytest.fixture
def counts_clean(app):
    """Nothing left in this process's buffer or in Redis from earlier tests."""
    buffer.flush()
    take_counts()


def fresh(shop_id: int) -> Shop:
    db.session.expire_all()
    shop = db.session.get(Shop, shop_id)
    load_modules(db.session, shop)
    return shop


def counted(shop_id: int) -> dict[tuple[str, str], tuple[int, int]]:
    return {(r.surface, r.module): (r.views, r.clicks) for r in db.session.scalars(
        select(EngagementCount).where(EngagementCount.shop_id == shop_id))}


# Holdout assignment


def test_holdout_is_stable_per_order_and_close_to_its_share(app, shop):
    set_module(shop, "measurement", holdout_percent=5)
    db.session.commit()
    ids = range(1, 20_001)
    held = {i for i in ids if in_holdout(shop, i)}
    share, p, n = len(held) / len(ids), 0.05, len(ids)
    assert abs(share - p) <= 4 * math.sqrt(p * (1 - p) / n)  # binomial, four standard deviations
    again = fresh(shop.id)  # another load, as another process would read it
    assert {i for i in ids if in_holdout(again, i)} == held
    set_module(again, "measurement", holdout_percent=10)
    db.session.commit()
    widened = fresh(shop.id)
    wider = {i for i in ids if in_holdout(widened, i)}
    assert held < wider  # raising the share adds orders, takes none out of the holdout
    other = Shop(platform="shopify", domain="other.myshopify.com")
    db.session.add(other)
    db.session.commit()
    assert other.holdout_salt != shop.holdout_salt  # each shop draws its own holdout


# The click redirect


def test_the_click_redirect_refuses_a_tampered_token_and_counts_a_good_one(
        app, client, shop, counts_clean):
    order = make_order(shop)
    db.session.commit()
    url = click_url(order, "reorder", "https://johns-apparel.myshopify.com/cart/4001:1")
    path = url.removeprefix(app.config["APP_URL"])
    body, signature = path.rsplit(".", 1)
    tampered = f"{body}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    # Another target's payload under this link's signature.
    evil_version, evil_payload, _ = click_url(order, "reorder",
                                              "https://evil.example/").split("/c/")[1].split(".")
    spliced = f"/c/{evil_version}.{evil_payload}.{signature}"
    for bad in (tampered, spliced, "/c/not-a-token"):
        response = client.get(bad)
        assert 400 <= response.status_code < 500 and "Location" not in response.headers, bad
    assert db.session.scalars(select(ModuleClick)).all() == []

    assert client.head(path).status_code == 302  # a link checker's HEAD: no click
    assert db.session.scalars(select(ModuleClick)).all() == []
    response = client.get(path)
    assert (response.status_code, response.headers["Location"]) == (
        302, "https://johns-apparel.myshopify.com/cart/4001:1")
    assert response.headers["Cache-Control"] == "no-store"
    [click] = db.session.scalars(select(ModuleClick)).all()
    assert (click.customer_id, click.source_order_id, click.module, click.from_mail) == (
        order.customer_id, order.id, "reorder", False)
    # A review prompt's click is counted, but earns no credit: no click row is kept for it.
    review = click_url(order, "review_prompt", "https://g.page/r/x/review")
    client.get(review.removeprefix(app.config["APP_URL"]))
    assert len(db.session.scalars(select(ModuleClick)).all()) == 1
    assert fold_counts() == 2
    assert counted(shop.id) == {("onpage", "reorder"): (0, 1), ("onpage", "review_prompt"): (0, 1)}
    # Erasing the buyer takes their click rows with them; the day's counts never named them.
    redact_customer(db.session, shop, order.customer.email, (), datetime.now(timezone.utc))
    db.session.commit()
    assert db.session.scalars(select(ModuleClick)).all() == []
    assert counted(shop.id)[("onpage", "reorder")] == (0, 1)


def test_mail_links_go_through_the_redirect_under_the_kinds_module(app, client, shop, counts_clean):
    from app.mail.render import render_message
    from app.read_model.from_orm import message_view
    from tests.support.click_links import linked_targets, module_of

    set_module(shop, "mail_thank_you")
    order = make_order(shop)
    order.customer.marketing_consent = "granted"
    parcel = add_parcel(order, status="delivered", delivered_at=NOW)
    message = ScheduledMessage(shop_id=shop.id, order_id=order.id, customer_id=order.customer_id,
                               kind="thank_you", sequence=parcel.id, stream="marketing",
                               send_at=NOW, state="sending")
    db.session.add(message)
    db.session.commit()
    mail = render_message(message_view(message))
    assert linked_targets(mail.html) == ["https://johns-apparel.myshopify.com"]
    link = next(h for h in mail.html.split('"') if "/c/" in h)
    assert module_of(link) == "mail_thank_you"
    assert client.get(link.removeprefix(app.config["APP_URL"])).status_code == 302
    [click] = db.session.scalars(select(ModuleClick)).all()
    assert (click.module, click.from_mail) == ("mail_thank_you", True)
    fold_counts()
    assert counted(shop.id) == {("mail", "mail_thank_you"): (0, 1)}


# Views through the real block endpoint


def test_a_view_through_the_block_endpoint_is_counted_and_survives_the_fold(
        app, client, shop, counts_clean):
    order = make_order(shop, platform_order_id="450789469", lines=(("l1", 1, "4001"),),
                       placed_at=datetime.now(timezone.utc) - timedelta(hours=1))
    order.customer.platform_customer_id = "115310627314723954"
    db.session.commit()
    token = session_token(sub="115310627314723954")
    first = get_block(client, token)
    assert first.status_code == 200 and "reorder" in first.get_json()["modules"]
    again = get_block(client, token, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304  # answered from the ETag alone, and still a view
    assert fold_counts() > 0
    shown = set(first.get_json()["modules"])
    expected = {("block", "page"): (2, 0), **{("block", module): (2, 0) for module in shown}}
    assert counted(shop.id) == expected
    get_block(client, token)
    client.get(f"/t/{tracking_token(order)}")  # the hosted page counts as its own surface
    fold_counts()
    after = counted(shop.id)
    assert after[("block", "page")] == (3, 0) and after[("block", "reorder")] == (3, 0)
    assert after[("page", "page")] == (1, 0) and after[("page", "reorder")] == (1, 0)


# The holdout in the block and in mail


@pytest.fixture
def no_quiet_hours(app):
    app.config.update(QUIET_HOURS_START=0, QUIET_HOURS_END=0)


def test_a_held_out_order_sees_no_marketing_module_and_gets_no_marketing_mail(
        app, client, shop, run_jobs, smtp_inbox, no_quiet_hours):
    set_module(shop, "measurement", holdout_percent=50)
    marketing = {
        "banner": {"title": {"de": "Danke"}, "url": "https://laden.example/sale", "show": "always"},
        "review_prompt": {"url": "https://laden.example/review"},
        "social": {"instagram": "https://instagram.com/laden"}, "newsletter": {},
        "mail_thank_you": {"delay_days": 0}}
    for key, settings in marketing.items():
        set_module(shop, key, **settings)
    set_module(shop, "mail_delivered", enabled=False)
    now = datetime.now(timezone.utc)
    orders = {}
    for n in range(40):
        order = make_order(shop, platform_order_id=str(3000 + n), lines=(("l1", 1, "4001"),),
                           status="delivered")
        group = in_holdout(shop, order.id)
        if group not in orders:
            order.customer.marketing_consent = "granted"
            add_parcel(order, status="delivered", shipped_at=now - timedelta(days=2),
                       delivered_at=now - timedelta(hours=1))
            orders[group] = order
        if len(orders) == 2:
            break
    held, treated = orders[True], orders[False]
    for order in (held, treated):
        sync_followups(db.session, [order], now)
    db.session.commit()

    held_modules = set(client.get(f"/t/{tracking_token(held)}.json").get_json()["modules"])
    treated_modules = set(client.get(f"/t/{tracking_token(treated)}.json").get_json()["modules"])
    assert {"reorder", "banner", "review_prompt", "social", "newsletter"} <= treated_modules
    assert not held_modules & MARKETING_BLOCK_MODULES
    assert {"delivery_status", "tracking"} <= held_modules  # service stays

    dispatch_due(now + timedelta(seconds=1))
    run_jobs()
    db.session.expire_all()
    sent = {m.order_id: (m.state, m.reason) for m in db.session.scalars(
        select(ScheduledMessage).where(ScheduledMessage.kind == "thank_you"))}
    assert sent[held.id] == ("skipped", "holdout")
    assert sent[treated.id][0] == "sent"
    assert [r["envelope_to"] for r in smtp_inbox] == [[treated.customer.email]]


# Attribution and the uplift over a seeded history


def _net(order) -> Decimal:
    return Decimal(0) if order.cancelled else max(order.total - order.refunded, Decimal(0))


def expected_credit(history, on_page: timedelta, mail: timedelta) -> dict[int, str]:
    """Order id → module, worked out from the drawn clicks: the customer's last click on an
    attributed link of another order, within its window before the order."""
    by_customer: dict[int, list] = {}
    for click in sorted(history.clicks, key=lambda c: c.at):  # stable: equal times stay as recorded
        if click.from_mail or click.module in ("reorder", "recommendations", "banner"):
            by_customer.setdefault(click.customer, []).append(click)
    credit = {}
    for order in history.orders:
        fits = [c for c in by_customer.get(order.customer, ()) if c.source != order.id
                and order.placed_at - (mail if c.from_mail else on_page) <= c.at <= order.placed_at]
        if fits:
            credit[order.id] = fits[-1].module
    return credit


@pytest.fixture
def seeded(app):
    shop = Shop(platform="shopify", domain="laden.myshopify.com", name="Laden")
    db.session.add(shop)
    db.session.commit()
    return shop


@pytest.mark.parametrize("windows", [None, (3, 10)])
def test_attribution_credits_the_last_click_in_its_window_net_of_refunds(app, seeded, windows):
    chosen = {"window_on_page_days": windows[0], "window_mail_days": windows[1]} if windows else {}
    set_module(seeded, "measurement", holdout_percent=5, **chosen)
    db.session.commit()
    on_page, mail = (timedelta(days=d) for d in (windows or (1, 5)))
    history = history_gen.generate(NOW, seeded.holdout_salt, 0.05)
    assert len(history.orders) > 3000 and len(history.clicks) > 1000
    history_gen.seed_history(seeded, history)

    result = attribute_and_purge(NOW)
    credit = expected_credit(history, on_page, mail)
    stored = dict(db.session.execute(
        select(OrderAttribution.order_id, OrderAttribution.module)).all())
    assert stored == credit and len(credit) > 200
    assert result["credited"] == len(credit)
    assert len(set(credit.values())) >= 5  # on-page modules and mail kinds both earned
    # Clicks past their window (and the grace for late orders) are gone; the rest stay.
    kept = sorted(c.at for c in history.clicks
                  if c.at >= NOW - (mail if c.from_mail else on_page) - GRACE)
    assert sorted(db.session.scalars(select(ModuleClick.clicked_at))) == kept
    assert attribute_and_purge(NOW)["credited"] == 0  # once credited, never again

    report = earnings_report(db.session, fresh(seeded.id), 90, NOW)
    since = datetime.combine((NOW - timedelta(days=89)).date(), datetime.min.time(),
                             tzinfo=timezone.utc)
    orders = {o.id: o for o in history.orders}
    revenue: dict[str, Decimal] = {}
    counts: dict[str, int] = {}
    for order_id, module in credit.items():
        order = orders[order_id]
        if order.placed_at >= since and _net(order) > 0:  # refunded and cancelled: nothing
            revenue[module] = revenue.get(module, Decimal(0)) + _net(order)
            counts[module] = counts.get(module, 0) + 1
    assert {line.module: line.revenue for line in report.lines if line.revenue} == revenue
    assert {line.module: line.orders for line in report.lines if line.orders} == counts
    refunded = [i for i in credit if orders[i].placed_at >= since and _net(orders[i]) == 0]
    assert refunded  # the history did put refunded and cancelled orders after clicks


def test_the_reported_uplift_is_welchs_over_the_treated_and_held_out_orders(app, seeded):
    set_module(seeded, "measurement", holdout_percent=5)
    db.session.commit()
    history = history_gen.generate(NOW, seeded.holdout_salt, 0.05, seed=7)
    history_gen.seed_history(seeded, history)
    shop = fresh(seeded.id)
    report = earnings_report(db.session, shop, 90, NOW)

    cohort_to = NOW - timedelta(days=30)
    cohort_from = cohort_to - timedelta(days=90)
    treated, held = [], []
    for order in history.orders:
        if not cohort_from <= order.placed_at <= cohort_to:
            continue
        later = sum((_net(o) for o in history.orders if o.customer == order.customer
                     and order.placed_at < o.placed_at <= order.placed_at + timedelta(days=30)),
                    Decimal(0))
        group = held if holdout_position(shop.holdout_salt, order.id) < 0.05 else treated
        group.append(float(later))
    uplift = report.uplift
    assert (uplift.treated_orders, uplift.holdout_orders) == (len(treated), len(held))
    assert uplift.holdout_orders >= MIN_HOLDOUT
    diff = statistics.fmean(treated) - statistics.fmean(held)
    half = Z95 * math.sqrt(statistics.variance(treated) / len(treated)
                           + statistics.variance(held) / len(held))
    assert uplift.per_order == pytest.approx(diff, abs=1e-9)
    assert uplift.low == pytest.approx(diff - half, abs=1e-9)
    assert uplift.high == pytest.approx(diff + half, abs=1e-9)
    assert uplift.total(uplift.per_order) == pytest.approx(diff * len(treated))
    assert uplift.tells == (uplift.low > 0 or uplift.high < 0)
    # A week's cohort holds too few held-out orders to tell anything.
    week = earnings_report(db.session, shop, 7, NOW).uplift
    assert week.holdout_orders < MIN_HOLDOUT and not week.tells


def test_the_interval_covers_the_true_uplift_at_about_its_stated_rate(app):
    """Over many seeds, the 95 % interval from each history covers the generator's true uplift
    about 95 times in 100 (binomial tolerance over the runs)."""
    runs, covered = 250, 0
    for seed in range(runs):
        history = history_gen.generate(NOW, f"salt-{seed}", 0.05, customers=1500, seed=seed)
        repeat: dict[int, Decimal] = {}
        firsts = {o.customer: o for o in history.orders if o.first}
        for order in history.orders:
            first = firsts[order.customer]
            if first.placed_at < order.placed_at <= first.placed_at + REPEAT_WINDOW:
                repeat[first.id] = repeat.get(first.id, Decimal(0)) + _net(order)
        treated = [float(repeat.get(o.id, 0)) for o in firsts.values() if not o.held_out]
        held = [float(repeat.get(o.id, 0)) for o in firsts.values() if o.held_out]
        uplift = welch_uplift(treated, held)
        covered += uplift.low <= history_gen.TRUE_UPLIFT <= uplift.high
    rate, sd = covered / runs, math.sqrt(0.95 * 0.05 / runs)
    assert abs(rate - 0.95) <= 3 * sd, rate
