"""App lifecycle and privacy: uninstall stops all work, redaction erases personal data."""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import (
    ColumnClause,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal_column,
    not_,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from app.domain.orders.facts_versions import touch_orders
from app.domain.privacy.data_exports import delete_exports_naming
from app.domain.privacy.suppressions import email_hash, suppress
from app.models import (
    Customer,
    DataExport,
    IssuedVoucherRow,
    ModuleClick,
    Order,
    ScheduledMessage,
    SenderDomain,
    Shipment,
    Shop,
    Suppression,
    SurveyAnswer,
    WebhookDelivery,
)
from app.models.delivery import FINISHED
from app.models.states import MESSAGE_PENDING, MessageReason, MessageState
from app.observability.privacy_scrub import scrub_addresses
from connectors.base import ParsedEvent

# Shopify sends shop/redact 48 h after uninstall; keep data no longer than this without it.
REDACT_GRACE = timedelta(days=30)


def uninstall_shop(session: Session, shop: Shop, now: datetime) -> None:
    """Stop all work: mark uninstalled, forget credentials (the sender domain's DKIM key
    among them), cancel every pending mail."""
    shop.uninstalled_at = now
    shop.redact_after = now + REDACT_GRACE
    shop.access_token = shop.refresh_token = None
    sender_domain = session.get(SenderDomain, shop.id)
    if sender_domain is not None:
        session.delete(sender_domain)
    session.execute(
        update(ScheduledMessage)
        .where(ScheduledMessage.shop_id == shop.id, ScheduledMessage.state.in_(MESSAGE_PENDING))
        .values(state=MessageState.CANCELLED, reason=MessageReason.SHOP_UNINSTALLED, updated_at=now)
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
        messages = session.scalars(select(ScheduledMessage)
                                   .where(ScheduledMessage.customer_id == customer.id)).all()
        vouchers = _vouchers_of(session, [o.id for o in orders])
        records.append({
            "email": customer.email, "locale": customer.locale,
            "marketing_consent": {"state": customer.marketing_consent, "source": customer.consent_source,
                                  "at": customer.consent_at.isoformat() if customer.consent_at else None},
            "suppressed": customer.suppressed_reason,
            "orders": [{"order": o.platform_order_id, "name": o.name, "status": o.status,
                        "parcels": [{"carrier": s.carrier, "tracking_number": s.tracking_number,
                                     "status": s.status, "signed_by": s.signed_by} for s in o.shipments],
                        "survey": _survey_record(o.survey_answer),
                        "vouchers": vouchers.get(o.id, [])} for o in orders],
            "mails": [{"kind": m.kind, "stream": m.stream, "state": m.state,
                       "sent_at": m.sent_at.isoformat() if m.sent_at else None} for m in messages],
            "clicks": _clicks_of(session, customer, {o.id: o.platform_order_id for o in orders}),
        })
    asked = {"email": email.strip() if email else None, "orders": list(order_ids)}
    export = DataExport(shop_id=shop.id, request_id=request_id,
                        payload={"requested": asked, "customers": records})
    session.add(export)
    return export


def _vouchers_of(session: Session, order_ids: list[int]) -> dict[int, list[dict]]:
    """The codes made for the buyer's orders (unique vouchers, app/domain/followups/vouchers.py)."""
    found: dict[int, list[dict]] = {}
    for v in session.scalars(select(IssuedVoucherRow).where(IssuedVoucherRow.order_id.in_(order_ids))
                             .order_by(IssuedVoucherRow.id)):
        found.setdefault(v.order_id, []).append({
            "code": v.code, "for": v.purpose, "discount": v.discount, "value": str(v.value),
            "expires_at": v.expires_at.isoformat(),
            "issued_at": v.issued_at.isoformat() if v.issued_at else None})
    return found


def _clicks_of(session: Session, customer: Customer, order_names: dict[int, str]) -> list[dict]:
    """The buyer's clicks kept for attribution (app/domain/analytics/attribution.py): which link,
    when, on which order's block, page or mail. Counts per day name nobody and are not here."""
    return [{"module": c.module, "from_mail": c.from_mail, "clicked_at": c.clicked_at.isoformat(),
             "order": order_names.get(c.source_order_id)}
            for c in session.scalars(select(ModuleClick).where(ModuleClick.customer_id == customer.id)
                                     .order_by(ModuleClick.clicked_at, ModuleClick.id))]


def _survey_record(answer: SurveyAnswer | None) -> dict | None:
    if answer is None:
        return None
    return {"score": answer.score, "comment": answer.comment, "answered_at": answer.answered_at.isoformat()}


def redact_customer(session: Session, shop: Shop, email: str | None, order_ids: tuple[str, ...],
                    now: datetime) -> int:
    """Erase a buyer's personal data, raw webhook bodies, data exports and error texts naming
    them included; orders keep anonymised facts. Returns the customer rows touched.

    A delivery naming the buyer that is being applied meanwhile is waited for, and what it
    brought is erased here; one still waiting is erased once applied (`redact_late_arrivals`).
    """
    _wait_for_deliveries_being_applied(session, shop, {email, *order_ids})
    return _erase_customer(session, shop, email, order_ids, now)


def _erase_customer(session: Session, shop: Shop, email: str | None, order_ids: tuple[str, ...],
                    now: datetime) -> int:
    customers = _customers(session, shop, email, order_ids)
    their_orders = session.scalars(select(Order.platform_order_id).where(
        Order.customer_id.in_([c.id for c in customers]))).all()
    addresses = {a.strip().lower() for a in (email, *(c.email for c in customers)) if a and a.strip()}
    _drop_bodies_naming(session, shop, {email, *addresses, *order_ids, *their_orders})
    delete_exports_naming(session, shop, {email, *(c.email for c in customers)}, {*order_ids, *their_orders})
    _scrub_delivery_errors_naming(session, shop, addresses)
    for address in sorted(addresses):
        # Only the hash stays: a redacted buyer is never mailed again, and a delivery that
        # brings the address back later is erased in turn (`redact_late_arrivals`).
        _list_as_redacted(session, shop, address, now)
    for customer in customers:
        session.execute(
            update(ScheduledMessage)
            .where(ScheduledMessage.customer_id == customer.id,
                   ScheduledMessage.state.in_(MESSAGE_PENDING))
            .values(state=MessageState.CANCELLED, reason=MessageReason.CUSTOMER_REDACTED,
                    updated_at=now)
        )
        # An SMTP reply kept as the last error may quote the buyer (a name beside the address).
        session.execute(
            update(ScheduledMessage).where(ScheduledMessage.customer_id == customer.id,
                                           ScheduledMessage.last_error.is_not(None))
            .values(last_error=None).execution_options(synchronize_session=False))
        _erase_from_orders(session, customer)
        # Their clicks kept for attribution go now; the day's counts never named them.
        session.execute(delete(ModuleClick).where(ModuleClick.customer_id == customer.id)
                        .execution_options(synchronize_session=False))
        customer.email = None
        customer.platform_customer_id = None
        customer.suppressed_reason = "redacted"
        customer.suppressed_at = now
    return len(customers)


def _erase_from_orders(session: Session, customer: Customer) -> None:
    """What the buyer's orders hold of them beyond the customer row; their facts versions
    move, as these are bulk statements the ORM does not count."""
    order_ids = session.scalars(select(Order.id).where(Order.customer_id == customer.id)).all()
    if not order_ids:
        return
    # The name the carrier recorded at delivery (a tracking provider's proof) is theirs too.
    session.execute(update(Shipment).where(Shipment.order_id.in_(order_ids)).values(signed_by=None)
                    .execution_options(synchronize_session=False))
    # A survey comment is free text and may name the buyer; the bare score stays.
    session.execute(update(SurveyAnswer).where(SurveyAnswer.order_id.in_(order_ids))
                    .values(comment=None).execution_options(synchronize_session=False))
    touch_orders(session, order_ids)


def redact_late_arrivals(session: Session, applied: list[tuple[Shop, WebhookDelivery, ParsedEvent]],
                         now: datetime) -> int:
    """Deliveries just applied (`applied`: shop, delivery, parsed event) that name a buyer
    erased meanwhile lose their bodies, and the buyer they brought back is erased again; the
    caller commits. Returns the deliveries whose bodies went.

    A delivery waiting or retrying when customers/redact came keeps its body so that it can
    still be applied (a short order id may match an unrelated body); once applied, its body
    and what it stored go here. An erased buyer leaves two marks: the address hash listed as
    `redacted`, and the customer row (without address) the buyer's orders point at. An
    order event bearing a listed address has its buyer erased again (the order keeps its
    anonymised facts, as at redaction), and any event about an order of an erased customer
    loses its body. Both hold for deliveries that come later too: an erased address is
    never kept again (the shop can take it off its suppression list).

    One statement first asks which of the batch's shops have either mark at all; the two
    look-ups run only for those (most shops erased nobody).
    """
    by_address: dict[tuple[int, str], str] = {}
    by_order: set[tuple[int, str]] = set()
    for shop, _delivery, event in applied:
        address = (getattr(event, "email", None) or "").strip().lower()
        if address:
            by_address[shop.id, email_hash(address)] = address
        if order_id := getattr(event, "platform_order_id", None):
            by_order.add((shop.id, order_id))
    if by_address or by_order:
        shop_ids = {key[0] for key in (*by_address, *by_order)}
        listing, erasing = _shops_with_erasures(session, shop_ids)
        by_address = {key: a for key, a in by_address.items() if key[0] in listing}
        by_order = {key for key in by_order if key[0] in erasing}
    listed = {tuple(row) for row in session.execute(select(Suppression.shop_id, Suppression.email_hash).where(
        tuple_(Suppression.shop_id, Suppression.email_hash).in_(sorted(by_address)),
        Suppression.reason == "redacted"))} if by_address else set()
    erased = {tuple(row) for row in session.execute(select(Order.shop_id, Order.platform_order_id).join(
        Customer, Customer.id == Order.customer_id).where(
        tuple_(Order.shop_id, Order.platform_order_id).in_(sorted(by_order)),
        Customer.suppressed_reason == "redacted", Customer.email.is_(None)))} if by_order else set()
    if not listed and not erased:
        return 0
    dropped, again = 0, {}
    for shop, delivery, event in applied:
        address = (getattr(event, "email", None) or "").strip().lower()
        came_back = bool(address) and (shop.id, email_hash(address)) in listed
        if came_back:
            again[shop.id, address] = shop
        if came_back or (shop.id, getattr(event, "platform_order_id", None)) in erased:
            if delivery.body is not None:
                delivery.body, dropped = None, dropped + 1
    session.flush()
    for (_shop_id, address), shop in sorted(again.items(), key=lambda item: item[0]):
        _erase_customer(session, shop, address, (), now)  # no waiting: this transaction holds order locks
    return dropped


def _shops_with_erasures(session: Session, shop_ids: set[int]) -> tuple[set[int], set[int]]:
    """(shops with an address listed as `redacted`, shops with an erased buyer) among these:
    one statement, an index probe per shop (the partial indexes ix_suppressions_redacted and
    ix_customers_redacted); most shops have neither, and their batches ask nothing more.
    The literal (not a bound value) lets PostgreSQL's plans use the partial indexes."""
    rows = session.execute(_erasures_statement(), {"shop_ids": sorted(shop_ids)}).all()
    return ({shop for shop, listed, _ in rows if listed},
            {shop for shop, _, erased in rows if erased})


@cache
def _erasures_statement():
    """Built once: a drain asks it for every batch."""
    redacted: ColumnClause[str] = literal_column("'redacted'")
    return select(
        Shop.id,
        exists().where(Suppression.shop_id == Shop.id, Suppression.reason == redacted),
        exists().where(Customer.shop_id == Shop.id, Customer.suppressed_reason == redacted),
    ).where(Shop.id.in_(bindparam("shop_ids", expanding=True)))


def _wait_for_deliveries_being_applied(session: Session, shop: Shop, needles: set[str | None]) -> None:
    """Take the row locks of the shop's unfinished deliveries that name the buyer: a drain or
    a retry applying one holds its lock until it commits, so what it brings (an order, the
    buyer's address again) is committed before the redaction reads the buyer's rows, and
    its body is then a finished one's, dropped with the rest. PostgreSQL only: SQLite has no
    row locks, and its writers take turns."""
    wanted = {needle.strip() for needle in needles if needle and needle.strip()}
    if not wanted or session.get_bind().dialect.name == "sqlite":
        return
    session.execute(select(WebhookDelivery.id).where(
        _deliveries_of(shop), WebhookDelivery.body.is_not(None), not_(FINISHED),
        or_(*(_body_holds(session, needle.encode()) for needle in sorted(wanted))))
        .order_by(WebhookDelivery.id).with_for_update()).all()


def _list_as_redacted(session: Session, shop: Shop, address: str, now: datetime) -> None:
    """List the address's hash with the reason `redacted`, over an earlier one (a bounce):
    it is how a delivery applied later recognises the buyer (`redact_late_arrivals`)."""
    hashed = email_hash(address)
    suppress(session, shop.id, hashed, "redacted", now)
    session.execute(update(Suppression).where(
        Suppression.shop_id == shop.id, Suppression.email_hash == hashed, Suppression.reason != "redacted")
        .values(reason="redacted"))


def _scrub_delivery_errors_naming(session: Session, shop: Shop, addresses: set[str]) -> None:
    """Error texts are scrubbed when they are written; one written before that may still
    quote the buyer's address."""
    if not addresses:
        return
    rows = session.execute(select(WebhookDelivery.id, WebhookDelivery.error).where(
        _deliveries_of(shop), WebhookDelivery.error.is_not(None),
        or_(*(WebhookDelivery.error.contains(address, autoescape=True)
              for address in sorted(addresses))))).all()
    for delivery_id, error in rows:
        if error is None:  # the query asks for set ones
            continue
        session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
                        .values(error=scrub_addresses(error)).execution_options(synchronize_session=False))


def _drop_bodies_naming(session: Session, shop: Shop, needles: set[str | None]) -> None:
    """Drop the raw bodies of the shop's finished deliveries that name the buyer (address or
    one of their order ids): they carry name, address and e-mail. A short order id can also
    match inside an unrelated body (so can an address's `_`, a LIKE wildcard); that delivery
    only loses its replay. A delivery still waiting keeps its body until it is applied
    (`redact_late_arrivals` takes it then); the redaction request's own body goes when it is
    applied (app/jobs/deliveries.py)."""
    wanted = {needle.strip() for needle in needles if needle and needle.strip()}
    if not wanted:
        return
    session.execute(
        update(WebhookDelivery).where(
            _deliveries_of(shop), WebhookDelivery.body.is_not(None), FINISHED,
            or_(*(_body_holds(session, needle.encode()) for needle in sorted(wanted))))
        .values(body=None).execution_options(synchronize_session=False))


def _body_holds(session: Session, needle: bytes):
    """bytea LIKE on PostgreSQL; SQLite's LIKE never matches a BLOB, its instr() does."""
    if session.get_bind().dialect.name == "sqlite":
        return func.instr(WebhookDelivery.body, needle) > 0
    return WebhookDelivery.body.contains(needle)
