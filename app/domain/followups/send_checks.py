"""The re-check of a due mail just before it goes out: anything that changed since it was
planned (suppression, consent, the order's fate, the plan itself, staleness) skips it."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.domain.analytics.holdout import HOLDOUT_REASON, in_holdout
from app.domain.followups.history import load_history
from app.domain.followups.mail_kinds import KINDS, MARKETING
from app.domain.followups.rules import (
    HISTORY_KINDS,
    UNHAPPY_ORDER_STATES,
    History,
    on_request,
    plan_followups,
)
from app.domain.orders.statuses import derive_order_status
from app.domain.privacy.suppressions import ALL_MAIL_REASONS, marketing_permitted, suppression_reason
from app.domain.shop.modules import module_enabled
from app.models.states import MessageReason
from app.read_model.views import MessageView

# Marketing mail waits for the shop's support address (the Reply-To): the skip reason.
NO_SUPPORT_ADDRESS = "no support address"


def send_time_verdict(message: MessageView, session: Session, now: datetime) -> str | None:
    """Re-check a due mail just before it goes out; return a skip reason or None.
    `session`: where to read the suppression list and the order's mail history."""
    order, shop = message.order, message.order.shop
    if not shop.active:
        return MessageReason.SHOP_UNINSTALLED
    if message.customer is None or not message.customer.email:
        return "no recipient"
    if message.customer.suppressed_reason:
        return f"suppressed: {message.customer.suppressed_reason}"
    listed = suppression_reason(session, shop.id, message.customer.email)
    if listed in ALL_MAIL_REASONS:
        return f"suppressed: {listed}"
    if message.stream == MARKETING:
        if in_holdout(shop, order.id):  # measured against: no advertising for this order
            return HOLDOUT_REASON
        status = derive_order_status(order).value
        if status in UNHAPPY_ORDER_STATES:
            return f"order {status}"
        if not marketing_permitted(message.customer, shop):
            return "no marketing consent"
        if listed:
            return f"suppressed: {listed}"
    if on_request(message.kind):
        if not module_enabled(shop, KINDS[message.kind].module):
            return f"{KINDS[message.kind].module} switched off"
    elif (message.kind, message.sequence) not in {
            p.key for p in plan_followups(order, shop, now, _history(session, message))}:
        return MessageReason.NO_LONGER_PLANNED
    if message.stale_after_seconds is not None:
        if now - message.send_at > timedelta(seconds=message.stale_after_seconds):
            return "stale: its moment has passed"
    if message.stream == MARKETING and not shop.support_email:
        # Advertising the buyer cannot answer: the merchant sets the address in the admin first.
        return NO_SUPPORT_ADDRESS
    return None


def _history(session: Session, message: MessageView) -> History:
    """The buyer's history when the message's kind is planned from it (HISTORY_KINDS), else
    none: a transactional notice's plan depends on the order alone (three reads saved)."""
    if message.kind not in HISTORY_KINDS:
        return History()
    return load_history(session, message.order)
