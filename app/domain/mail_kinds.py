"""Every mail kind we send: its stream (transactional or marketing), switch and timing.

The stream decides the law that applies: marketing needs consent (or the existing-customer
exemption), honours the suppression list, fatigue caps and quiet hours, and carries a
one-click unsubscribe; transactional mail carries none of that and no advertising.
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

    @property
    def marketing(self) -> bool:
        return self.stream == MARKETING

    def delay_for(self, international: bool) -> timedelta:
        if international and self.international_delay is not None:
            return self.international_delay
        return self.delay


KINDS: dict[str, MailKind] = {kind.key: kind for kind in (
    MailKind("shipped", TRANSACTIONAL, "mail_shipped"),
    # A review request is advertising (BGH VI ZR 225/17): marketing stream, after delivery.
    MailKind("review_request", MARKETING, "mail_review_request",
             delay=timedelta(days=7), international_delay=timedelta(days=14)),
)}


def kind(key: str) -> MailKind:
    return KINDS[key]


def stream_of(key: str) -> str:
    return KINDS[key].stream
