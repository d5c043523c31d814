"""Apply a claimed batch of deliveries in one transaction, with one commit.

A drain claims up to BATCH waiting deliveries (FOR UPDATE SKIP LOCKED, oldest first) and
applies them here together:

1. parse each delivery (no database work); one that names an unknown shop or cannot be
   parsed has its outcome at once;
2. lock every order the batch names and insert its new buyers up front, each in one
   statement in key order (app/domain/orders/order_locks.py): two drains whose batches share
   orders wait for one another but cannot deadlock on them;
3. apply each delivery's facts in arrival order, then re-plan the mails of each order the
   batch touched once, after all of its events (the plans follow the final facts);
4. one UPDATE of the facts versions (the session hook) and one commit for the lot.

A delivery that raises, or whose order's planning raises, spoils the attempt only: it is
rolled back, the batch claimed again without that delivery and applied once more, and the
delivery marked failed in that same transaction; the drain hands it to its own job (RQ's
back-off) after the commit. A failure no delivery can be blamed for (a deadlock with work
outside the batch, a failed flush at commit) leaves the batch to the one-delivery path.

Lifecycle events (uninstall, redaction, deletion, exports) reach beyond one order and are
not batched: a batch ends before the first of them, which the drain applies alone.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError

from app.domain.followups.history import read_buyers
from app.domain.followups.sync import earlier_orders_of, stored_messages_of, sync_own
from app.domain.orders.events import apply_facts
from app.domain.orders.order_locks import holding, insert_customers, lock_orders
from app.domain.orders.upsert import is_stale
from app.domain.privacy.lifecycle import redact_late_arrivals
from app.jobs.delivery_outcomes import (
    MALFORMED,
    RETRY,
    record,
    record_outcome,
    shop_of,
    unknown_shop,
    with_event_time,
)
from app.models import DeliveryState, Order, Shop, WebhookDelivery
from app.models.states import DeliveryOutcome
from connectors import get_connector
from connectors.base import (
    FulfillmentEvent,
    IgnoredEvent,
    MalformedPayload,
    OrderEvent,
    ParsedEvent,
    RefundEvent,
    TrackingUpdate,
)

log = logging.getLogger(__name__)

BATCH = 50
ORDER_EVENTS = (OrderEvent, FulfillmentEvent, TrackingUpdate, RefundEvent)


@dataclass
class Prepared:
    """A claimed delivery, parsed; `settled` is its outcome when known without the database."""
    delivery: WebhookDelivery
    shop: Shop | None = None
    event: ParsedEvent | None = None
    settled: DeliveryOutcome | None = None
    error: str | None = None
    id: int = field(init=False)  # kept: a rollback expires the row, and reading it again asks the database

    def __post_init__(self) -> None:
        self.id = self.delivery.id

    @property
    def batchable(self) -> bool:
        return self.settled is not None or isinstance(self.event, (*ORDER_EVENTS, IgnoredEvent))


class _Spoiled(Exception):
    """Applying these deliveries raised; the attempt is lost, the rest of the batch is not."""

    def __init__(self, items: list[Prepared], exc: Exception) -> None:
        super().__init__(f"{type(exc).__name__}: {exc}")
        self.ids = {item.id for item in items}
        self.malformed = isinstance(exc, MalformedPayload)


def prepare(session, delivery: WebhookDelivery, shops: dict) -> Prepared:
    shop = shop_of(session, delivery, shops)
    if shop is None:
        return Prepared(delivery, settled=unknown_shop(delivery))
    try:
        event = get_connector(delivery.platform).parse(delivery.topic, delivery.body)
    except MalformedPayload as exc:
        log.warning("delivery %s malformed: %s", delivery.id, exc)
        return Prepared(delivery, shop, settled=MALFORMED, error=f"malformed: {exc}")
    except Exception as exc:  # noqa: BLE001 - recorded on the delivery and retried by its own job
        log.exception("delivery %s failed (will retry)", delivery.id)
        return Prepared(delivery, shop, settled=RETRY, error=f"{type(exc).__name__}: {exc}")
    return Prepared(delivery, shop, with_event_time(event, delivery.triggered_at))


def leading_batch(session, claimed: list[WebhookDelivery], shops: dict) -> list[Prepared]:
    """The claimed deliveries up to the first one that cannot be batched, parsed."""
    batch = []
    for delivery in claimed:
        item = prepare(session, delivery, shops)
        if not item.batchable:
            break
        batch.append(item)
    return batch


def apply_batch(session, batch: list[Prepared],
                now: datetime) -> tuple[list[tuple[int, DeliveryOutcome]], list[int]]:
    """Apply the batch and commit. Returns each settled delivery's (id, outcome) and the ids
    left to the one-delivery path."""
    set_apart: dict[int, tuple[DeliveryOutcome, str]] = {}  # delivery id: (outcome, error)
    while True:
        try:
            outcomes = _apply_together(session, [i for i in batch if i.id not in set_apart], now)
            for item in batch:
                if item.id in set_apart:
                    outcome, error = set_apart[item.id]
                    _record_failure(item.delivery, outcome, error, now)
                    outcomes.append((item.id, outcome))
            session.commit()
            return outcomes, []
        except _Spoiled as spoiled:
            session.rollback()
            for delivery_id in sorted(spoiled.ids):
                if spoiled.malformed:
                    log.warning("delivery %s malformed: %s", delivery_id, spoiled)
                else:
                    log.error("delivery %s failed (will retry); its batch goes on without it", delivery_id,
                              exc_info=spoiled.__cause__)
            set_apart.update({delivery_id: (MALFORMED if spoiled.malformed else RETRY, str(spoiled))
                              for delivery_id in spoiled.ids})
        except Exception as exc:  # noqa: BLE001 - nothing to blame a delivery for: one at a time
            session.rollback()
            log.warning("a batch of %s deliveries failed as a whole (%s: %s); applying them one by one",
                        len(batch), type(exc).__name__, exc)
            return [], [item.id for item in batch]
        batch = _claim_again(session, batch)
        if not batch:
            session.commit()
            return [], []


def _claim_again(session, batch: list[Prepared]) -> list[Prepared]:
    """After a rollback: those of the batch no other drain took meanwhile, locked (and their
    expired rows read) again."""
    ids = {delivery.id for delivery in session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.id.in_([i.id for i in batch]),
                                      WebhookDelivery.state == DeliveryState.RECEIVED)
        .with_for_update(skip_locked=True))}
    return [item for item in batch if item.id in ids]


def _apply_together(session, batch: list[Prepared],
                    now: datetime) -> list[tuple[int, DeliveryOutcome]]:
    live = [item for item in batch if item.settled is None and isinstance(item.event, ORDER_EVENTS)]
    orders = lock_orders(session, [(item.shop.id, item.event.platform_order_id) for item in live], now)
    customers = insert_customers(session, [
        (item.shop.id, item.event.email.strip().lower()) for item in live
        if isinstance(item.event, OrderEvent) and item.event.email
        and not is_stale(orders[item.shop.id, item.event.platform_order_id].platform_updated_at,
                         item.event.updated_at)])
    outcomes: list[tuple[Prepared, DeliveryOutcome]] = []
    to_plan: dict[int, tuple[Order, Shop, list[Prepared]]] = {}
    with holding(session, orders, customers):
        for item in batch:
            if item.settled is not None:
                outcomes.append((item, item.settled))
                continue
            with _blamed_on([item]):
                outcome, touched = apply_facts(session, item.shop, item.event, now)
                session.flush()
            for order in touched:
                to_plan.setdefault(order.id, (order, item.shop, []))[2].append(item)
            outcomes.append((item, outcome))
        _plan(session, sorted(to_plan.values(), key=lambda t: (t[0].shop_id, t[0].platform_order_id)), now)
    for item, outcome in outcomes:
        if item.settled is None or item.settled.state == DeliveryState.IGNORED:
            record_outcome(item.delivery, outcome, now)
        else:
            _record_failure(item.delivery, outcome, item.error, now)
    # A delivery that waited while its buyer was erased: its body goes, and what it stored.
    redact_late_arrivals(session, [(i.shop, i.delivery, i.event) for i, _ in outcomes if i.settled is None], now)
    return [(item.id, outcome) for item, outcome in outcomes]


def _record_failure(delivery, outcome: DeliveryOutcome, error: str | None, now: datetime) -> None:
    """Malformed is final; any other failure is retried (its `retry_at` says when)."""
    if outcome.will_retry:
        record(delivery, outcome.state, error, None, failed_at=now)
    else:
        record(delivery, outcome.state, error, now)


def _plan(session, to_plan: list[tuple[Order, Shop, list[Prepared]]], now: datetime) -> None:
    """What `sync_followups` does for each order, for the batch's orders together: first each
    one's own mails (their stored rows and their buyers' history read once for all), then
    the buyers' earlier orders, each re-planned once."""
    session.flush()  # new parcels and refunds need their ids: they are plan sequences
    orders = [order for order, _, _ in to_plan]
    stored, buyers = stored_messages_of(session, orders), read_buyers(session, orders)
    for order, shop, sources in to_plan:
        with _blamed_on(sources):
            sync_own(session, order, shop, now, stored[order.id], buyers=buyers)
            session.flush()
    earlier, replanned = earlier_orders_of(session, orders), set()
    for order, shop, sources in to_plan:
        for older in earlier[order.id]:
            if older.id not in replanned:
                replanned.add(older.id)
                with _blamed_on(sources):
                    sync_own(session, older, shop, now)
                    session.flush()


@contextmanager
def _blamed_on(items: list[Prepared]):
    """An exception in the block spoils these deliveries (unless it is nobody's fault)."""
    try:
        yield
    except Exception as exc:
        if _nobodys_fault(exc):
            raise
        raise _Spoiled(items, exc) from exc


def _nobodys_fault(exc: Exception) -> bool:
    """A deadlock or a lost connection: the whole batch goes one by one."""
    return isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)
