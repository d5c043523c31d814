"""App lifecycle and privacy: uninstall stops all work, redaction erases personal data."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from app.domain.data_exports import delete_exports_naming
from app.domain.suppressions import email_hash, suppress
from app.models import Customer, DataExport, Order, ScheduledMessage, Shop, SurveyAnswer, WebhookDelivery
from app.models.delivery import FINISHED

PENDING_STATES = ("planned", "queued")
# Shopify sends shop/redact 48 h after uninstall; keep data no longer than this without it.
REDACT_GRACE = timedelta(days=30)


def uninstall_shop(session: Session, shop: Shop, now: datetime) -> None:
    """Stop all work: mark uninstalled, forget credentials, cancel every pending mail."""
    shop.uninstalled_at = now
    shop.redact_after = now + REDACT_GRACE
    shop.access_token = shop.refresh_token = None
    session.execute(
        update(ScheduledMessage)
        .where(ScheduledMessage.shop_id == shop.id, ScheduledMessage.state.in_(PENDING_STATES))
        .values(state="cancelled", reason="shop uninstalled", updated_at=now)
    )


def redact_shop(session: Session, shop: Shop) -> None:
    """Delete every row of the shop, raw webhook bodies included (they hold buyers' data).

    Children go by ON DELETE CASCADE; deliveries stored before the shop was resolved are
    found by the shop's domain.
    """
    session.execute(delete(WebhookDelivery).where(_deliveries_of(shop))
                    .execution_options(synchronize_session="fetch"))
    session.delete(shop)


def _deliveries_of(shop: Shop):
    return or_(WebhookDelivery.shop_id == shop.id,
               and_(WebhookDelivery.platform == shop.platform, WebhookDelivery.shop_domain == shop.domain))


def _customers(session: Session, shop: Shop, email: str | None, order_ids: tuple[str, ...]) -> list[Customer]:
    """The customer rows a privacy request names, by address and by order."""
    customers = []
    if email:
        customers = list(session.scalars(select(Customer).where(
            Customer.shop_id == shop.id, Customer.email == email.strip().lower())))
    if order_ids:
        orders = session.scalars(select(Order).where(
            Order.shop_id == shop.id, Order.platform_order_id.in_(order_ids)))
        customers += [o.customer for o in orders if o.customer is not None]
    return list({c.id: c for c in customers}.values())


def export_customer_data(session: Session, shop: Shop, email: str | None, order_ids: tuple[str, ...],
                         request_id: str | None) -> DataExport:
    """Everything we hold about the customer, stored for the merchant to hand over; what the
    request named is kept beside it, so an export that found nobody still says whom it was for."""
    customers = _customers(session, shop, email, order_ids)
    records = []
    for customer in customers:
        orders = session.scalars(select(Order).where(Order.customer_id == customer.id)).all()
        messages = session.scalars(select(ScheduledMessage).where(ScheduledMessage.customer_id == customer.id)).all()
        records.append({
            "email": customer.email, "locale": customer.locale,
            "marketing_consent": {"state": customer.marketing_consent, "source": customer.consent_source,
                                  "at": customer.consent_at.isoformat() if customer.consent_at else None},
            "suppressed": customer.suppressed_reason,
            "orders": [{"order": o.platform_order_id, "name": o.name, "status": o.status,
                        "parcels": [{"carrier": s.carrier, "tracking_number": s.tracking_number,
                                     "status": s.status} for s in o.shipments],
                        "survey": _survey_record(o.survey_answer)} for o in orders],
            "mails": [{"kind": m.kind, "stream": m.stream, "state": m.state,
                       "sent_at": m.sent_at.isoformat() if m.sent_at else None} for m in messages],
        })
    asked = {"email": email.strip() if email else None, "orders": list(order_ids)}
    export = DataExport(shop_id=shop.id, request_id=request_id, payload={"requested": asked, "customers": records})
    session.add(export)
    return export


def _survey_record(answer: SurveyAnswer | None) -> dict | None:
    if answer is None:
        return None
    return {"score": answer.score, "comment": answer.comment, "answered_at": answer.answered_at.isoformat()}


def redact_customer(session: Session, shop: Shop, email: str | None, order_ids: tuple[str, ...],
                    now: datetime) -> int:
    """Erase a buyer's personal data, raw webhook bodies and data exports naming them
    included; orders keep anonymised facts. Returns the customer rows touched."""
    customers = _customers(session, shop, email, order_ids)
    their_orders = session.scalars(select(Order.platform_order_id).where(
        Order.customer_id.in_([c.id for c in customers]))).all()
    _drop_bodies_naming(session, shop, {email, *order_ids, *their_orders, *(c.email for c in customers)})
    delete_exports_naming(session, shop, {email, *(c.email for c in customers)}, {*order_ids, *their_orders})
    for customer in customers:
        session.execute(
            update(ScheduledMessage)
            .where(ScheduledMessage.customer_id == customer.id,
                   ScheduledMessage.state.in_(PENDING_STATES))
            .values(state="cancelled", reason="customer redacted", updated_at=now)
        )
        if customer.email:
            # Only the hash stays: a redacted buyer is never mailed marketing again.
            suppress(session, shop.id, email_hash(customer.email), "redacted", now)
        # A survey comment is free text and may name the buyer; the bare score stays.
        session.execute(
            update(SurveyAnswer).where(SurveyAnswer.order_id.in_(select(Order.id).where(
                Order.customer_id == customer.id))).values(comment=None)
            .execution_options(synchronize_session=False))
        customer.email = None
        customer.platform_customer_id = None
        customer.suppressed_reason = "redacted"
        customer.suppressed_at = now
    return len(customers)


def _drop_bodies_naming(session: Session, shop: Shop, needles: set[str | None]) -> None:
    """Drop the raw bodies of the shop's finished deliveries that name the buyer (address or
    one of their order ids): they carry name, address and e-mail. A short order id can also
    match inside an unrelated body (so can an address's `_`, a LIKE wildcard); that delivery
    only loses its replay. A delivery still waiting keeps its body until it is applied (the
    retention purge takes it then); the redaction request's own body goes when it is
    applied (app/jobs/deliveries.py)."""
    needles = {needle.strip() for needle in needles if needle and needle.strip()}
    if not needles:
        return
    session.execute(
        update(WebhookDelivery).where(
            _deliveries_of(shop), WebhookDelivery.body.is_not(None), FINISHED,
            or_(*(_body_holds(session, needle.encode()) for needle in sorted(needles))))
        .values(body=None).execution_options(synchronize_session=False))


def _body_holds(session: Session, needle: bytes):
    """bytea LIKE on PostgreSQL; SQLite's LIKE never matches a BLOB, its instr() does."""
    if session.get_bind().dialect.name == "sqlite":
        return func.instr(WebhookDelivery.body, needle) > 0
    return WebhookDelivery.body.contains(needle)
