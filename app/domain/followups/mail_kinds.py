"""Every mail kind we send: its stream (transactional or marketing), switch and timing.

The stream decides the law that applies: marketing needs consent (or the existing-customer
exemption), honours the suppression list, fatigue caps and quiet hours, and carries a
one-click unsubscribe; transactional mail carries none of that and no advertising.

A kind's delay counts from its anchor (see app/domain/arrival/anchors.py) in calendar days or, where
`business_days` is set, in business days local to the shop. The merchant may override the
delay with `delay_days` in the kind's module settings.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

TRANSACTIONAL = "transactional"
MARKETING = "marketing"


@dataclass(frozen=True)
class MailKind:
    key: str
    stream: str
    module: str
    # Delay after the kind's anchor (dispatch for shipped, delivery for review request).
    delay: timedelta = timedelta(0)
    # Used instead of `delay` when the parcel crosses a border (longer transit, returns).
    international_delay: timedelta | None = None
    # Count the delay's days as business days (weekends and public holidays off).
    business_days: bool = False
    # A notice older than this when it would go out is skipped, never sent late.
    stale_after: timedelta | None = None
    # Sent because the buyer asked for it (and switched by that block module): never
    # planned by the timing brain, so re-planning neither adds nor cancels it.
    on_request: bool = False

    @property
    def marketing(self) -> bool:
        return self.stream == MARKETING

    def configured_delay(self, settings: dict, international: bool = False) -> timedelta:
        """The delay in force: the merchant's `delay_days` from the kind's module settings, else ours."""
        days = settings.get("delay_days")
        try:
            return timedelta(days=int(days)) if days is not None else self.delay_for(international)
        except (TypeError, ValueError):
            return self.delay_for(international)

    def delay_for(self, international: bool) -> timedelta:
        if international and self.international_delay is not None:
            return self.international_delay
        return self.delay


def _days(n: int) -> timedelta:
    return timedelta(days=n)


KINDS: dict[str, MailKind] = {kind.key: kind for kind in (
    # Transactional: one per parcel or per refund event, each with a freshness window.
    MailKind("shipped", TRANSACTIONAL, "mail_shipped", stale_after=_days(3)),
    MailKind("out_for_delivery", TRANSACTIONAL, "mail_out_for_delivery", stale_after=timedelta(hours=12)),
    MailKind("ready_for_pickup", TRANSACTIONAL, "mail_ready_for_pickup", stale_after=_days(2)),
    MailKind("delivered", TRANSACTIONAL, "mail_delivered", stale_after=_days(2)),
    # Paid and not shipped after `delay` business days: "taking longer to leave us", once.
    MailKind("not_shipped", TRANSACTIONAL, "mail_not_shipped", delay=_days(3), business_days=True,
             stale_after=_days(2)),
    # Stalled: no tracking event for `delay` business days; exceptions go out at once.
    MailKind("delayed", TRANSACTIONAL, "mail_delayed", delay=_days(3), business_days=True,
             stale_after=_days(2)),
    MailKind("return_received", TRANSACTIONAL, "mail_return_received", stale_after=_days(3)),
    MailKind("refund_issued", TRANSACTIONAL, "mail_refund_issued", stale_after=_days(3)),
    # Double opt-in: asks the buyer to confirm the newsletter sign-up they clicked in the block.
    MailKind("newsletter_confirm", TRANSACTIONAL, "newsletter", stale_after=_days(1), on_request=True),
    # Marketing (BGH VI ZR 225/17: review and survey requests are advertising).
    MailKind("review_request", MARKETING, "mail_review_request",
             delay=_days(7), international_delay=_days(14)),
    # At most one reminder, counted from the sent review request, only to non-reviewers.
    MailKind("review_reminder", MARKETING, "mail_review_reminder", delay=_days(5)),
    MailKind("thank_you", MARKETING, "mail_thank_you", delay=_days(1), business_days=True),
    MailKind("how_to", MARKETING, "mail_how_to", delay=_days(2)),
    MailKind("nps", MARKETING, "mail_nps", delay=_days(10)),
    MailKind("replenishment", MARKETING, "mail_replenishment"),  # per product interval
    MailKind("anniversary", MARKETING, "mail_anniversary", delay=_days(365)),
    MailKind("win_back", MARKETING, "mail_win_back", delay=_days(120)),
    MailKind("referral", MARKETING, "mail_referral", delay=_days(21)),
)}


def kind(key: str) -> MailKind:
    return KINDS[key]


def stream_of(key: str) -> str:
    return KINDS[key].stream
