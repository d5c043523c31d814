"""Apply claimed deliveries together, in one transaction with one commit: the one way a
stored webhook delivery is applied. A drain's batch and a single delivery (a lifecycle
delivery, one of a batch that failed as a whole, `process_delivery`'s retries and
`flask deliveries replay`) take the same function, `apply_deliveries`; one is a batch of one.

1. parse each delivery (no database work); one that names an unknown shop or cannot be
   parsed has its outcome at once;
2. apply the events through the domain's one entry (`events.apply_events`): it locks every
   order the batch names and inserts its new buyers up front, each in one statement in key
   order (app/domain/orders/order_context.py), so that two drains whose batches share orders
   wait for one another but cannot deadlock on them; applies each delivery's facts in
   arrival order, then re-plans the mails of each order the batch touched once, after all
   of its events (the plans follow the final facts);
3. record the outcomes, erase again what a buyer erased meanwhile brought back, one UPDATE
   of the facts versions (the session hook) and one commit for the lot.

A delivery that raises, or whose order's planning raises, spoils the attempt only: it is
rolled back, the batch claimed again without that delivery and applied once more, and the
delivery marked failed in that same transaction. A failure no delivery can be blamed for (a
deadlock with work outside the batch, a failed flush at commit) has the batch applied again
one delivery at a time; in a batch of one, that delivery is blamed.

Below the batch: what an attempt needs around the domain (its shop, its event's time) and
how its outcome is written on the delivery row (state, scrubbed error, the retry's time);
app/jobs/deliveries.py schedules what failed.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import inspect, or_, select, tuple_
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, selectinload

from app.domain.orders.events import Blame, apply_events
from app.domain.privacy.lifecycle import redact_late_arrivals
from app.models import DeliveryState, Shop, WebhookDelivery
from app.models.states import DeliveryOutcome
from app.observability.privacy_scrub import scrub_addresses
from app.queues import BACKOFF
from connectors import get_connector
from connectors.base import FulfillmentEvent, LifecycleEvent, MalformedPayload, OrderEvent, ParsedEvent

log = logging.getLogger(__name__)

BATCH = 50

# A drain's shops by delivery address (platform, shop id, shop domain); None: no such shop.
Shops = dict[tuple[str, int | None, str | None], Shop | None]

# An attempt that raised: rolled back, marked failed, retried by its own job.
RETRY = DeliveryOutcome(DeliveryState.FAILED, "failed (will retry)", will_retry=True)
# A body the connector cannot read: marked failed, never retried (a replay may try again).
MALFORMED = DeliveryOutcome(DeliveryState.FAILED, "malformed")
# The drain's attempt, then its job's first attempt and one retry per BACKOFF step.
MAX_ATTEMPTS = len(BACKOFF) + 2


@dataclass
class Prepared:
    """A claimed delivery, parsed; `settled` is its outcome when known without the database."""
    delivery: WebhookDelivery
    shop: Shop | None = None
    event: ParsedEvent | None = None
    settled: DeliveryOutcome | None = None
    failure: Exception | None = None  # what parsing raised, when it settled the delivery as failed
    # Kept: a rollback expires the row, and reading it again asks the database.
    id: int = field(init=False)
    state: DeliveryState = field(init=False)  # as claimed: claimed again only in this state
    attempts: int = field(init=False)

    def __post_init__(self) -> None:
        self.id, self.state, self.attempts = self.delivery.id, self.delivery.state, self.delivery.attempts

    @property
    def error(self) -> str | None:
        return None if self.failure is None else _error(self.failure)

    @property
    def alone(self) -> bool:
        """A lifecycle event reaches beyond its orders (uninstall, redaction, exports): it is
        applied in a batch of its own."""
        return self.settled is None and isinstance(self.event, LifecycleEvent)


@dataclass(frozen=True)
class Applied:
    """A delivery's attempt: its outcome, and what it raised when the attempt failed."""
    id: int
    outcome: DeliveryOutcome
    failure: Exception | None = None


class _Spoiled(Exception):
    """Applying these deliveries raised; the attempt is lost, the rest of the batch is not."""

    def __init__(self, ids: set[int], exc: Exception) -> None:
        super().__init__(f"{type(exc).__name__}: {exc}")
        self.ids = ids
        self.failure = exc
        self.malformed = isinstance(exc, MalformedPayload)


def prepare(session: Session, delivery: WebhookDelivery, shops: Shops) -> Prepared:
    shop = shop_of(session, delivery, shops)
    if shop is None:
        return Prepared(delivery, settled=unknown_shop(delivery))
    if delivery.body is None:  # dropped by retention or a redaction while it waited
        return Prepared(delivery, shop, settled=DeliveryOutcome.ignored("body dropped: nothing to apply"))
    try:
        event = get_connector(delivery.platform).parse(delivery.topic, delivery.body)
    except MalformedPayload as exc:
        log.warning("delivery %s malformed: %s", delivery.id, exc)
        return Prepared(delivery, shop, settled=MALFORMED, failure=exc)
    except Exception as exc:  # noqa: BLE001 - recorded on the delivery and retried by its own job
        log.exception("delivery %s failed (will retry)", delivery.id)
        return Prepared(delivery, shop, settled=RETRY, failure=exc)
    return Prepared(delivery, shop, with_event_time(event, delivery.triggered_at))


def leading_batch(session: Session, claimed: Sequence[WebhookDelivery], shops: Shops) -> list[Prepared]:
    """The claimed deliveries up to the first one that goes alone, parsed; that one alone
    when it comes first."""
    load_shops(session, claimed, shops)
    batch: list[Prepared] = []
    for delivery in claimed:
        item = prepare(session, delivery, shops)
        if item.alone:
            return batch or [item]
        batch.append(item)
    return batch


def load_shops(session: Session, deliveries: Sequence[WebhookDelivery], shops: Shops) -> None:
    """The shops these deliveries address that `shops` does not hold yet, read in one query
    (and their modules in one more) instead of one lookup per shop (`shop_of`)."""
    missing = {(d.platform, d.shop_id, d.shop_domain) for d in deliveries} - shops.keys()
    ids = {shop_id for _platform, shop_id, _domain in missing if shop_id is not None}
    domains = {(platform, domain) for platform, shop_id, domain in missing if shop_id is None and domain}
    if not ids and not domains:
        return
    found = session.scalars(select(Shop).options(selectinload(Shop.modules)).where(or_(
        Shop.id.in_(ids), tuple_(Shop.platform, Shop.domain).in_(domains)))).all()
    by_id = {shop.id: shop for shop in found}
    by_domain = {(shop.platform, shop.domain): shop for shop in found}
    for platform, shop_id, domain in missing:
        shops[(platform, shop_id, domain)] = (
            by_id.get(shop_id) if shop_id is not None else by_domain.get((platform, domain)) if domain
            else None)


def apply_deliveries(session: Session, batch: list[Prepared], now: datetime, shops: Shops) -> list[Applied]:
    """Apply these claimed deliveries (rows this transaction holds) together, record each
    one's outcome, commit. Returns the outcomes of those applied (a delivery another worker
    took meanwhile has none)."""
    set_apart: dict[int, tuple[DeliveryOutcome, Exception]] = {}
    while True:
        try:
            applied = _apply_together(session, [i for i in batch if i.id not in set_apart], now)
            for item in batch:
                if item.id in set_apart:
                    outcome, failure = set_apart[item.id]
                    _record_failure(item.delivery, outcome, _error(failure), now)
                    applied.append(Applied(item.id, outcome, failure))
            session.commit()
            return applied
        except _Spoiled as spoiled:
            session.rollback()
            for delivery_id in sorted(spoiled.ids):
                if spoiled.malformed:
                    log.warning("delivery %s malformed: %s", delivery_id, spoiled)
                else:
                    log.error("delivery %s failed (will retry)%s", delivery_id,
                              "; its batch goes on without it" if len(batch) > 1 else "",
                              exc_info=spoiled.failure)
            set_apart.update({delivery_id: (MALFORMED if spoiled.malformed else RETRY, spoiled.failure)
                              for delivery_id in spoiled.ids})
        except Exception as exc:
            session.rollback()
            if all(item.id in set_apart for item in batch):
                raise  # recording the failures failed: nothing is left to blame or to retry here
            if len(batch) == 1:  # nothing else to blame: the one delivery takes it
                set_apart[batch[0].id] = (RETRY, exc)
                log.error("delivery %s failed (will retry)", batch[0].id, exc_info=exc)
            else:
                log.warning("a batch of %s deliveries failed as a whole (%s: %s); applying them one by one",
                            len(batch), type(exc).__name__, exc)
                return _one_by_one(session, batch, now, shops)
        batch = _claim_again(session, batch)
        if not batch:
            session.commit()
            return []


def _one_by_one(session: Session, batch: list[Prepared], now: datetime, shops: Shops) -> list[Applied]:
    applied: list[Applied] = []
    for item in batch:
        for again in _claim_again(session, [item]):
            applied += apply_deliveries(session, [again], now, shops)
        session.commit()  # another worker took it meanwhile: nothing to hold
    return applied


def _claim_again(session: Session, batch: list[Prepared]) -> list[Prepared]:
    """After a rollback: those of the batch that no other worker took meanwhile (still in the
    state they were claimed in), locked again and their expired rows read."""
    rows = {delivery.id: delivery for delivery in session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.id.in_([item.id for item in batch]))
        .with_for_update(skip_locked=True))}
    return [item for item in batch
            if item.id in rows
            and (rows[item.id].state, rows[item.id].attempts) == (item.state, item.attempts)]


def _apply_together(session: Session, batch: list[Prepared], now: datetime) -> list[Applied]:
    live = [item for item in batch if item.settled is None]
    outcomes = dict(zip([item.id for item in live], apply_events(
        session, [(_shop(item), _event(item)) for item in live], now, blame=_blaming(live)), strict=True))
    applied: list[Applied] = []
    for item in batch:
        if item.settled is None:
            outcome = outcomes[item.id]
            if isinstance(item.event, LifecycleEvent) and item.event.kind == "customer_redact":
                item.delivery.body = None  # the request itself names the buyer it erases
            if not _gone(item.delivery):
                record_outcome(item.delivery, outcome, now)
            applied.append(Applied(item.id, outcome))
        elif item.settled.state == DeliveryState.IGNORED:
            record_outcome(item.delivery, item.settled, now)
            applied.append(Applied(item.id, item.settled))
        else:
            _record_failure(item.delivery, item.settled, item.error, now)
            applied.append(Applied(item.id, item.settled, item.failure))
    # A delivery that waited while its buyer was erased: its body goes, and what it stored.
    redact_late_arrivals(session, [(_shop(item), item.delivery, _event(item)) for item in live
                                   if not isinstance(item.event, LifecycleEvent)], now)
    return applied


def _shop(item: Prepared) -> Shop:
    assert item.shop is not None, "a delivery without a shop is settled when prepared"
    return item.shop


def _event(item: Prepared) -> ParsedEvent:
    assert item.event is not None, "a delivery without an event is settled when prepared"
    return item.event


def _gone(delivery: WebhookDelivery) -> bool:
    """Deleted while applied (a shop's redaction takes its deliveries, this one included)."""
    state = inspect(delivery)
    return bool(state.deleted or state.was_deleted or state.detached)


def _error(failure: Exception) -> str:
    if isinstance(failure, MalformedPayload):
        return f"malformed: {failure}"
    return f"{type(failure).__name__}: {failure}"


def _record_failure(delivery: WebhookDelivery, outcome: DeliveryOutcome, error: str | None,
                    now: datetime) -> None:
    """Malformed is final; any other failure is retried (its `retry_at` says when)."""
    if outcome.will_retry:
        record(delivery, outcome.state, error, None, failed_at=now)
    else:
        record(delivery, outcome.state, error, now)


def _blaming(live: list[Prepared]) -> Blame:
    """The domain's `blame`: an exception in work done for these events (by index) spoils
    their deliveries, unless it is nobody's fault."""
    @contextmanager
    def blame(indexes: Sequence[int]) -> Iterator[None]:
        try:
            yield
        except Exception as exc:
            if _nobodys_fault(exc):
                raise
            raise _Spoiled({live[index].id for index in indexes}, exc) from exc
    return blame


def _nobodys_fault(exc: Exception) -> bool:
    """A deadlock or a lost connection: the whole batch goes one by one."""
    return isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


# An attempt's outcome on its delivery row, and what an attempt needs around the domain:
# its shop and its event's time.
def retry_delay(attempts: int) -> timedelta:
    """The wait after a delivery's `attempts`-th failed attempt, as RQ schedules it: BACKOFF[0]
    after the drain's attempt and after the job's first, then one BACKOFF step per retry."""
    return timedelta(seconds=BACKOFF[max(attempts - 2, 0)])


def record_outcome(delivery: WebhookDelivery, outcome: DeliveryOutcome, now: datetime) -> None:
    """An applied (or ignored) delivery's outcome on its row."""
    ignored = outcome.state == DeliveryState.IGNORED
    record(delivery, outcome.state, outcome.note if ignored else None, now)


def record(delivery: WebhookDelivery, state: DeliveryState, error: str | None, processed_at,
           failed_at: datetime | None = None) -> None:
    """The attempt's outcome; set after the attempt so that a rollback cannot lose it.
    `failed_at`: the attempt failed and may be retried (when attempts are left)."""
    delivery.attempts += 1
    delivery.state, delivery.processed_at = state, processed_at
    # an exception's text may quote the buyer
    delivery.error = scrub_addresses(error)[:2000] if error else None
    retry = failed_at is not None and delivery.attempts < MAX_ATTEMPTS
    delivery.retry_at = (failed_at + retry_delay(delivery.attempts)
                         if retry and failed_at is not None else None)


def shop_of(session: Session, delivery: WebhookDelivery, shops: Shops) -> Shop | None:
    """`shops`: a drain's shops by delivery address, each looked up once per drain."""
    address = (delivery.platform, delivery.shop_id, delivery.shop_domain)
    if address not in shops:
        shops[address] = _shop_for(session, delivery)
    return shops[address]


def unknown_shop(delivery: WebhookDelivery) -> DeliveryOutcome:
    return DeliveryOutcome.ignored(f"unknown shop {delivery.shop_domain!r}")


def with_event_time(event, triggered_at: datetime | None):
    """A payload without its own `updated_at` is versioned by when the platform fired it.

    Shopify's X-Shopify-Triggered-At is the event's time, not the delivery's: a retry two
    days later still carries the original moment, so a late retry cannot overwrite newer
    facts and a stale shipped notice is recognised as stale.
    """
    if triggered_at is None or not isinstance(event, (OrderEvent, FulfillmentEvent)) or event.updated_at:
        return event
    return replace(event, updated_at=triggered_at)


def _shop_for(session: Session, delivery: WebhookDelivery) -> Shop | None:
    if delivery.shop_id is not None:
        return session.get(Shop, delivery.shop_id, options=[selectinload(Shop.modules)])
    if delivery.shop_domain:
        return session.scalars(select(Shop).options(selectinload(Shop.modules)).where(
            Shop.platform == delivery.platform, Shop.domain == delivery.shop_domain)).first()
    return None

