"""What became of the shop's mails, per kind and week, counted by the database (GROUP BY).

A mail counts in the week it was due (`send_at`; a deferred mail's is the slot it was moved
to, so a sent mail's is about when it went out). Its outcome is the state the code records
on it:
- sent: it went out (`sent_at`), including those later reported bounced or complained;
- deferred: of those sent, the ones held back first by the fatigue cap or quiet hours (the
  two never drop a mail: app/jobs/messages.py records one reason for both);
- skipped: the send-time re-check (app/domain/followups/send_checks.py) or a suppression
  (app/domain/privacy/suppressions.py) stopped it; grouped by its reason below;
- bounced / soft bounced / complained: a report about it (app/domain/privacy/mail_feedback.py); a
  mail the server refused at once is bounced without having been sent;
- failed: sending gave up.
Mails still planned or cancelled before they were due (re-planned, uninstall, erasure) are
no outcome. Opens are not counted: there is no pixel. Unsubscribes come from the suppression
list: its link names the address, not the mail, so they are counted per week only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from app.domain.analytics.week_buckets import Weeks
from app.domain.followups.send_checks import NO_SUPPORT_ADDRESS
from app.models import ScheduledMessage, Suppression

# Skip reasons as app/domain/followups/send_checks.py and suppressions.py write them, by group.
SKIP_REASONS = (
    "consent",
    "suppressed",
    "stale",
    "order_unhappy",
    "no_longer_planned",
    "switched_off",
    "no_support_address",
    "no_recipient",
    "shop_uninstalled",
    "other",
)
OUTCOMES = (
    "sent",
    "deferred",
    *(f"skipped_{reason}" for reason in SKIP_REASONS),
    "bounced",
    "soft_bounced",
    "complained",
    "failed",
)
WEEKLY = ("sent", "skipped", "bounced", "complained", "unsubscribed")
COUNTED_STATES = ("sent", "skipped", "bounced", "complained", "failed")


def _skip_reason(reason):
    rules = (
        (reason == "no marketing consent", "consent"),
        (reason.like("suppressed:%"), "suppressed"),
        (reason.like("stale:%"), "stale"),
        (reason.like("order %"), "order_unhappy"),
        (reason == "no longer planned", "no_longer_planned"),
        (reason.like("% switched off"), "switched_off"),
        (reason == NO_SUPPORT_ADDRESS, "no_support_address"),
        (reason == "no recipient", "no_recipient"),
        (reason == "shop uninstalled", "shop_uninstalled"),
    )
    return case(*((rule, f"skipped_{key}") for rule, key in rules), else_="skipped_other")


def _outcome():
    m = ScheduledMessage
    return case(
        (m.state == "skipped", _skip_reason(m.reason)),
        (and_(m.state == "bounced", m.reason.like("soft bounce%")), "soft_bounced"),
        (m.state == "bounced", "bounced"),
        (and_(m.state == "sent", m.reason.like("deferred%")), "deferred"),
        else_=m.state,
    )


@dataclass(frozen=True)
class MailOutcomes:
    weeks: Weeks
    # (kind, week index) → outcome → mails; only pairs with a mail
    per_kind: dict[tuple[str, int], dict[str, int]]
    # week index → WEEKLY figure → mails (all kinds), unsubscribes included
    per_week: list[dict[str, int]]


def mail_outcomes(session: Session, shop_id: int, weeks: Weeks) -> MailOutcomes:
    m = ScheduledMessage
    week, outcome = weeks.index(m.send_at), _outcome()
    went_out = case((m.sent_at.is_not(None), 1), else_=0)
    per_kind: dict[tuple[str, int], dict[str, int]] = {}
    for kind, n, what, out, count in session.execute(
        select(m.kind, week, outcome, went_out, func.count())
        .where(
            m.shop_id == shop_id,
            m.send_at >= weeks.bounds[0],
            m.send_at < weeks.bounds[-1],
            m.state.in_(COUNTED_STATES),
        )
        .group_by(m.kind, week, outcome, went_out)
    ):
        figures = per_kind.setdefault((kind, n), dict.fromkeys(OUTCOMES, 0))
        if what == "deferred":
            figures["deferred"] += count
        elif what != "sent":
            figures[what] += count
        if out:
            figures["sent"] += count
    per_week = [dict.fromkeys(WEEKLY, 0) for _ in weeks.mondays]
    for (_, n), figures in per_kind.items():
        totals = per_week[n]
        totals["sent"] += figures["sent"]
        totals["skipped"] += sum(figures[f"skipped_{reason}"] for reason in SKIP_REASONS)
        totals["bounced"] += figures["bounced"] + figures["soft_bounced"]
        totals["complained"] += figures["complained"]
    s = Suppression
    listed = weeks.index(s.created_at)
    for n, count in session.execute(
        select(listed, func.count())
        .where(
            s.shop_id == shop_id,
            s.reason == "unsubscribed",
            s.created_at >= weeks.bounds[0],
            s.created_at < weeks.bounds[-1],
        )
        .group_by(listed)
    ):
        per_week[n]["unsubscribed"] = count
    return MailOutcomes(
        weeks, dict(sorted(per_kind.items(), key=lambda item: (item[0][1], item[0][0]))), per_week
    )
