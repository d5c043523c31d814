"""The admin's Mail page over a seeded mail history: outcomes per kind and week, the weekly
totals with unsubscribes, NPS per week and the spread of answers; each table the same on the
page and in its CSV, each figure counted again here from the seed, one shop only."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.domain.followups.mail_kinds import KINDS
from app.domain.followups.send_checks import NO_SUPPORT_ADDRESS
from app.domain.privacy.mail_feedback import BOUNCE, COMPLAINT, SOFT_BOUNCE, FeedbackReport, record_feedback
from app.domain.privacy.suppressions import email_hash, unsubscribe
from app.extensions import db
from app.i18n import translate
from app.models import ScheduledMessage, SurveyAnswer
from tests.integration.test_admin_carriers import _tables
from tests.support.admin_sessions import bearer
from tests.support.factories import make_order

BERLIN = ZoneInfo("Europe/Berlin")
# What the code writes on a skipped mail (app/domain/followups/send_checks.py, suppressions.py), and the
# page's column for it.
SKIPS = {
    "no marketing consent": "Skipped: no consent",
    "suppressed: unsubscribed": "Skipped: do-not-mail list",
    "suppressed: bounced": "Skipped: do-not-mail list",
    "stale: its moment has passed": "Skipped: too late",
    "order cancelled": "Skipped: cancelled or refunded",
    "order refunded": "Skipped: cancelled or refunded",
    "no longer planned": "Skipped: plan changed",
    "mail_review_request switched off": "Skipped: switched off",
    NO_SUPPORT_ADDRESS: "Skipped: no support address",
    "no recipient": "Skipped: no buyer address",
    "shop uninstalled": "Skipped: app uninstalled",
    "something new": "Skipped: other",
}
OUTCOME_COLUMNS = [
    "Sent",
    "Held back, then sent",
    *dict.fromkeys(SKIPS.values()),
    "Bounced",
    "Soft bounced",
    "Complained",
    "Failed",
]


def _monday(moment: datetime) -> date:
    day = moment.astimezone(BERLIN).date()
    return day - timedelta(days=day.weekday())


def _weeks(now: datetime, count: int) -> list[date]:
    this = _monday(now)
    return [this - timedelta(weeks=n) for n in range(count, 0, -1)]


class History:
    """A seeded shop's mails and answers, with what each should count as."""

    def __init__(self):
        self.mails: list[tuple[str, datetime, list[str]]] = []  # kind, due, columns it adds one to
        self.unsubscribed: list[datetime] = []
        self.answers: list[tuple[datetime, int]] = []


def _seed(shop, now: datetime, rng: random.Random, orders: int = 160) -> History:
    history = History()
    kinds = sorted(KINDS)
    for number in range(orders):
        order = make_order(shop, platform_order_id=f"{shop.id}-{number}")
        customer, listed = order.customer, False
        for sequence in range(3):
            kind = rng.choice(kinds)
            due = now - timedelta(days=rng.uniform(0, 16 * 7))
            message = ScheduledMessage(
                shop_id=shop.id,
                order_id=order.id,
                customer_id=customer.id,
                kind=kind,
                sequence=sequence,
                stream=KINDS[kind].stream,
                send_at=due,
            )
            roll = rng.random()
            columns: list[str] = []
            if roll < 0.35:
                message.state, message.sent_at, columns = (
                    "sent",
                    due + timedelta(seconds=5),
                    ["Sent"],
                )
            elif roll < 0.42:
                message.state, message.sent_at = "sent", due + timedelta(seconds=5)
                message.reason, columns = (
                    "deferred: fatigue cap or quiet hours",
                    ["Sent", "Held back, then sent"],
                )
            elif roll < 0.75:
                message.state = "skipped"
                message.reason = rng.choice(sorted(SKIPS))
                columns = [SKIPS[message.reason]]
            elif roll < 0.80:
                message.state, message.reason, columns = "failed", "send failed", ["Failed"]
            elif roll < 0.85:
                # No outcome. (Not "planned": a bounce or unsubscribe below would skip it.)
                message.state = rng.choice(("cancelled", "sending"))
            else:
                message.state, message.sent_at, columns = (
                    "sent",
                    due + timedelta(seconds=5),
                    ["Sent"],
                )
                db.session.add(message)
                db.session.flush()
                feedback = rng.choice((BOUNCE, SOFT_BOUNCE, COMPLAINT, "refused"))
                if feedback == "refused":  # refused at SMTP time: bounced, never sent
                    message.sent_at, columns, feedback = None, [], BOUNCE
                report = FeedbackReport(
                    kind=feedback,
                    status="5.1.1" if feedback == BOUNCE else "4.2.2",
                    diagnostic="mailbox unknown",
                    feedback_type="abuse",
                )
                record_feedback(
                    db.session,
                    report,
                    message,
                    digest=f"{shop.id}-{number}-{sequence}",
                    source="http",
                    now=due + timedelta(hours=1),
                    soft_bounce_limit=99,
                )
                listed = listed or feedback in (BOUNCE, COMPLAINT)
                columns.append(
                    {BOUNCE: "Bounced", SOFT_BOUNCE: "Soft bounced", COMPLAINT: "Complained"}[
                        feedback
                    ]
                )
            db.session.add(message)
            history.mails.append((kind, due, columns))
        if rng.random() < 0.1 and not listed:  # listed already (bounce, complaint): it stays so
            at = now - timedelta(days=rng.uniform(0, 16 * 7))
            unsubscribe(db.session, shop, email_hash(customer.email), customer, at)
            history.unsubscribed.append(at)
        if rng.random() < 0.6:
            at, score = now - timedelta(days=rng.uniform(0, 16 * 7)), rng.randint(0, 10)
            db.session.add(
                SurveyAnswer(
                    shop_id=shop.id, order_id=order.id, score=score, answered_at=at, updated_at=at
                )
            )
            history.answers.append((at, score))
    db.session.commit()
    return history


@pytest.fixture
def now():
    return datetime.now(timezone.utc)


@pytest.fixture
def seeded(wc_shop, shop, now):
    wc_shop.timezone = "Europe/Berlin"
    db.session.commit()
    history = _seed(wc_shop, now, random.Random(20))
    _seed(shop, now, random.Random(21))  # another shop's: never counted
    return history


def _csv(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert (
        response.status_code == 200
        and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    )
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _kind_name(kind: str) -> str:
    return translate("en", f"admin.mail_outcomes.kind.{kind}")


@pytest.mark.parametrize("count", [13, 4])
def test_outcomes_per_kind_and_week_match_the_seed_on_the_page_and_in_the_csv(
    wc_admin, seeded, now, count
):
    weeks = _weeks(now, count)
    expected: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for kind, due, columns in seeded.mails:
        if _monday(due) in weeks and columns:
            expected[(_monday(due).isoformat(), _kind_name(kind))].update(columns)
    page = wc_admin.get(f"/admin/mail?weeks={count}")
    assert page.status_code == 200
    table = _tables(page.get_data(as_text=True))["kinds-table"]
    assert table[0] == ["Week starting", "Mail", *OUTCOME_COLUMNS]
    shown = {
        (row[0], row[1]): {
            header: int(cell)
            for header, cell in zip(table[0][2:], row[2:], strict=True)
            if int(cell)
        }
        for row in table[1:]
    }
    assert shown == {key: dict(counts) for key, counts in expected.items()}
    assert sum(counts["Sent"] for counts in expected.values()) > 20  # the seed reaches every column
    assert _csv(wc_admin, f"/admin/mail?weeks={count}&format=csv&table=kinds") == table
    # The period's totals per kind: the same counts summed over the weeks.
    per_kind: dict[str, Counter] = defaultdict(Counter)
    for (_, kind), counts in expected.items():
        per_kind[kind].update(counts)
    totals = _tables(page.get_data(as_text=True))["kind_totals-table"]
    assert totals[0] == ["Mail", *OUTCOME_COLUMNS]
    assert {
        row[0]: {
            header: int(cell)
            for header, cell in zip(totals[0][1:], row[1:], strict=True)
            if int(cell)
        }
        for row in totals[1:]
    } == {kind: dict(counts) for kind, counts in per_kind.items()}
    assert _csv(wc_admin, f"/admin/mail?weeks={count}&format=csv&table=kind_totals") == totals


def test_weekly_totals_and_unsubscribes_match_the_seed_and_the_csv(wc_admin, seeded, now):
    weeks = _weeks(now, 13)
    totals = {monday: Counter() for monday in weeks}
    for _, due, columns in seeded.mails:
        if _monday(due) in totals:
            for column in columns:
                group = (
                    "Skipped"
                    if column.startswith("Skipped")
                    else "Bounced"
                    if "ounced" in column
                    else column
                )
                if group in ("Sent", "Skipped", "Bounced", "Complained"):
                    totals[_monday(due)][group] += 1
    for at in seeded.unsubscribed:
        if _monday(at) in totals:
            totals[_monday(at)]["Unsubscribed"] += 1
    page = wc_admin.get("/admin/mail").get_data(as_text=True)
    table = _tables(page)["weekly-table"]
    assert table[0] == ["Week starting", "Sent", "Skipped", "Bounced", "Complained", "Unsubscribed"]
    assert table[1:] == [
        [monday.isoformat(), *(str(totals[monday][h]) for h in table[0][1:])] for monday in weeks
    ]
    assert sum(totals[monday]["Unsubscribed"] for monday in weeks) > 0
    assert _csv(wc_admin, "/admin/mail?format=csv&table=weekly") == table
    # The chart draws these: its lines named directly, a title and a description for screen readers.
    assert 'role="img" aria-labelledby="outcomes-title outcomes-desc"' in page
    assert '<title id="outcomes-title">Mails sent, skipped and bounced per week</title>' in page
    for name in ("Sent", "Skipped", "Bounced"):
        assert f'font-weight:600">{name}</text>' in page


def test_nps_per_week_and_the_spread_of_answers_match_an_independent_count(wc_admin, seeded, now):
    weeks = _weeks(now, 26)
    per_week = {monday: [] for monday in weeks}
    for at, score in seeded.answers:
        if _monday(at) in per_week:
            per_week[_monday(at)].append(score)

    def nps(scores):
        promoters, detractors = sum(s >= 9 for s in scores), sum(s <= 6 for s in scores)
        return round(100 * (promoters - detractors) / len(scores))

    page = wc_admin.get("/admin/mail?weeks=26").get_data(as_text=True)
    tables = _tables(page)
    assert tables["nps-table"][0] == [
        "Week starting",
        "Answers",
        "Promoters (9–10)",
        "Passives (7–8)",
        "Detractors (0–6)",
        "NPS",
    ]
    assert [[row[0], row[1], row[5]] for row in tables["nps-table"][1:]] == [
        [m.isoformat(), str(len(s)), str(nps(s)) if s else "–"] for m, s in per_week.items()
    ]
    every = [score for scores in per_week.values() for score in scores]
    spread = Counter(every)
    assert tables["scores-table"][1:] == [[str(score), str(spread[score])] for score in range(11)]
    assert f"NPS {nps(every)} from {len(every)} answers" in page
    assert '<title id="scores-title">Survey answers per score, 0 to 10</title>' in page
    for name in ("nps", "scores"):
        assert (
            _csv(wc_admin, f"/admin/mail?weeks=26&format=csv&table={name}")
            == tables[f"{name}-table"]
        )


def test_the_overview_nps_is_the_same_computation(wc_admin, seeded, now):
    """The overview's 90-day figure and the page's per-week figures come from one function."""
    recent = [score for at, score in seeded.answers if at >= now - timedelta(days=90)]
    promoters, detractors = sum(s >= 9 for s in recent), sum(s <= 6 for s in recent)
    page = wc_admin.get("/admin/").get_data(as_text=True)
    assert f'data-count="nps">{round(100 * (promoters - detractors) / len(recent))}</div>' in page


def test_a_mail_due_just_after_midnight_on_monday_counts_in_that_week(wc_admin, wc_shop, now):
    wc_shop.timezone = "Europe/Berlin"
    this_monday = _monday(now)
    # 00:30 on the Monday two weeks back, Berlin time: still Sunday in UTC.
    due = datetime.combine(this_monday - timedelta(weeks=2), time(0, 30), tzinfo=BERLIN)
    order = make_order(wc_shop)
    db.session.add(
        ScheduledMessage(
            shop_id=wc_shop.id,
            order_id=order.id,
            customer_id=order.customer_id,
            kind="shipped",
            stream="transactional",
            send_at=due,
            state="sent",
            sent_at=due,
        )
    )
    db.session.commit()
    rows = _tables(wc_admin.get("/admin/mail?weeks=4").get_data(as_text=True))["kinds-table"][1:]
    assert [row[:3] for row in rows] == [
        [(this_monday - timedelta(weeks=2)).isoformat(), "Shipping notice", "1"]
    ]


def test_the_period_switch_an_empty_shop_and_a_bad_table(wc_admin, wc_shop):
    page = wc_admin.get("/admin/mail?weeks=26").get_data(as_text=True)
    assert 'href="/admin/mail?weeks=26" aria-current="page"' in page
    assert "No mail was due in these weeks." in page and "No survey answer in these weeks." in page
    assert "<svg" not in page
    assert 'aria-current="page">Last 13 weeks' in wc_admin.get("/admin/mail?weeks=7").get_data(
        as_text=True
    )
    assert wc_admin.get("/admin/mail?format=csv&table=orders").status_code == 400
    assert 'href="/admin/mail"' in page  # in the navigation


def test_it_needs_an_admin_session(client, shop, wc_shop):
    assert client.get("/admin/mail").status_code in (401, 403)
    assert client.get("/admin/mail?format=csv&table=weekly").status_code in (401, 403)
    # Shopify opens the app with the merchant's language (`locale`); English here.
    response = client.get("/admin/mail?locale=en", headers=bearer())
    assert response.status_code == 200 and b"No mail was due in these weeks." in response.data


def test_it_speaks_the_admins_language(app, client, shop):
    page = client.get("/admin/mail?locale=de", headers=bearer()).get_data(as_text=True)
    assert "In diesen Wochen war keine Mail fällig." in page and "Letzte 13 Wochen" in page
