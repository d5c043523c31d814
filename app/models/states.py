"""The states of a webhook delivery and of a scheduled message, and the moves between them.

Each is a `StrEnum` whose values are the words stored in the `state` columns (the same words
as before the enums, so old rows and a worker still running the previous code agree). The
columns are typed with `state_column`: writing a word that is not a member raises, through
the ORM and through Core statements alike, and reading gives the member back.

`DELIVERY_MOVES` and `MESSAGE_MOVES` say which state may follow which. A mapped row checks
every change of its state against them (`check_move`, called from the models' validators);
a bulk UPDATE names its source states in its WHERE clause, and those moves are in the table
too (tests/integration/test_states.py walks it).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Enum

# The stored words fit in the columns' VARCHAR(20), as they did before the enums.
STATE_LENGTH = 20


class DeliveryState(StrEnum):
    RECEIVED = "received"  # stored, waiting for a drain
    PROCESSED = "processed"  # applied
    IGNORED = "ignored"  # nothing to apply (unknown shop, a topic we do not act on); `error` says why
    FAILED = "failed"  # an attempt raised; `retry_at` says when the next is due (None: none will come)
    MALFORMED = "malformed"  # refused at intake (not a JSON object); never enters the queue


class MessageState(StrEnum):
    PLANNED = "planned"  # waits for its `send_at`
    QUEUED = "queued"  # due: a send job is on the mail queue
    SENDING = "sending"  # a send job claimed it
    SENT = "sent"
    SKIPPED = "skipped"  # the send-time re-check or a suppression stopped it; `reason` says why
    CANCELLED = "cancelled"  # no longer planned, shop uninstalled, buyer redacted; `reason` says which
    FAILED = "failed"  # the send failed for good
    BOUNCED = "bounced"  # a report about it arrived (after or during the send)
    COMPLAINED = "complained"


class MessageReason(StrEnum):
    """The reasons the code writes in a message's `reason` and reads back. The column stays
    free text: a skip or a bounce says why in words of its own ("suppressed: bounced",
    "order cancelled", the server's diagnostic)."""
    # Caps or quiet hours moved a marketing mail later: a re-plan keeps that later time.
    DEFERRED = "deferred: fatigue cap or quiet hours"
    NO_LONGER_PLANNED = "no longer planned"
    SEND_FAILED = "send failed"
    SHOP_UNINSTALLED = "shop uninstalled"
    CUSTOMER_REDACTED = "customer redacted"


@dataclass(frozen=True)
class DeliveryOutcome:
    """What an attempt at a delivery came to: the state to record and a short note for the
    log, the job's result and `flask deliveries replay` ("order 5 shipped")."""
    state: DeliveryState
    note: str
    will_retry: bool = False  # failed, and its own job tries again (while attempts are left)

    def __str__(self) -> str:
        return self.note

    @classmethod
    def processed(cls, note: str) -> DeliveryOutcome:
        return cls(DeliveryState.PROCESSED, note)

    @classmethod
    def ignored(cls, reason: str) -> DeliveryOutcome:
        """Nothing to apply; the row's `error` keeps the note, which says why."""
        return cls(DeliveryState.IGNORED, f"ignored: {reason}")


D, M = DeliveryState, MessageState

# Where a row starts: intake stores received or malformed; a plan is planned, a newsletter
# confirmation is queued at once (the buyer is waiting for it).
DELIVERY_STARTS = frozenset({D.RECEIVED, D.MALFORMED})
MESSAGE_STARTS = frozenset({M.PLANNED, M.QUEUED})
# Not claimed by a send job yet: what a suppression, an uninstall or a redaction still stops.
MESSAGE_PENDING = (M.PLANNED, M.QUEUED)

DELIVERY_MOVES: Mapping[DeliveryState, frozenset[DeliveryState]] = {
    D.RECEIVED: frozenset({D.PROCESSED, D.IGNORED, D.FAILED}),
    # A failed delivery is retried by its own job; `flask deliveries replay` makes any
    # delivery that still has its body received again.
    D.FAILED: frozenset({D.PROCESSED, D.IGNORED, D.FAILED, D.RECEIVED}),
    D.PROCESSED: frozenset({D.RECEIVED}),
    D.IGNORED: frozenset({D.RECEIVED}),
    D.MALFORMED: frozenset({D.RECEIVED}),
}

# A bounce or complaint report is believed whatever the row says by the time it arrives: a
# send that timed out after the server took the mail is retried, skipped or deferred here
# while its copy is out there, and the report about that copy is still true.
_REPORTED = frozenset({M.BOUNCED, M.COMPLAINED})
MESSAGE_MOVES: Mapping[MessageState, frozenset[MessageState]] = {
    # dispatched; re-planned away; the buyer or the shop stopped all mail
    M.PLANNED: frozenset({M.QUEUED, M.CANCELLED, M.SKIPPED}) | _REPORTED,
    # claimed by its job; redriven when Redis lost the job; stopped before the claim; a
    # failure recorded after a redrive re-queued it
    M.QUEUED: frozenset({M.SENDING, M.QUEUED, M.CANCELLED, M.SKIPPED, M.FAILED}) | _REPORTED,
    # sent; the re-check skipped it; marketing deferred (caps, quiet hours); failed for
    # good; failed for now (retried) or redriven; refused by the server at SMTP time
    M.SENDING: frozenset({M.SENT, M.SKIPPED, M.PLANNED, M.FAILED, M.QUEUED}) | _REPORTED,
    M.SENT: _REPORTED,
    M.SKIPPED: _REPORTED,
    M.CANCELLED: _REPORTED,
    M.FAILED: _REPORTED,
    M.BOUNCED: _REPORTED,
    M.COMPLAINED: _REPORTED,
}


class InvalidMove(ValueError):
    """A state change the table does not allow."""


def check_move(moves: Mapping, old, new) -> None:
    """Raise InvalidMove unless a row in state `old` may go to `new` (None: a new row)."""
    if old is None or old == new:
        return
    if new not in moves[old]:
        raise InvalidMove(f"state {old} may not become {new}")


def state_column(states: type[StrEnum]) -> Enum:
    """The column type of a state: VARCHAR(20) holding the members' values, no database enum
    and no CHECK constraint (a new member needs no migration); an unknown word refuses to bind."""
    return Enum(states, native_enum=False, create_constraint=False, validate_strings=True,
                length=STATE_LENGTH, values_callable=lambda members: [m.value for m in members])
