"""Uninstall stops all work; redaction leaves no personal data behind."""
from sqlalchemy import func, select

from app.domain.followups.sync import sync_followups
from app.domain.privacy.lifecycle import redact_customer, redact_shop, uninstall_shop
from app.extensions import db
from app.models import Customer, MessageState, Order, ScheduledMessage, Shipment, Shop
from tests.support.factories import T0, add_parcel, make_order


def _order_with_planned_mail(shop):
    order = make_order(shop)
    add_parcel(order)
    sync_followups(db.session, [order], T0)
    db.session.commit()
    return order


def test_uninstall_cancels_planned_mails_and_forgets_tokens(app, shop):
    _order_with_planned_mail(shop)
    uninstall_shop(db.session, shop, T0)
    db.session.commit()
    message = db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.kind == "shipped")).one()
    assert (message.state, message.reason) == (MessageState.CANCELLED, "shop uninstalled")
    assert shop.access_token is None and not shop.active


def test_shop_redact_leaves_no_row_of_the_shop(app, shop):
    _order_with_planned_mail(shop)
    redact_shop(db.session, shop)
    db.session.commit()
    for model in (Shop, Order, Customer, Shipment, ScheduledMessage):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model.__name__


def test_customer_redact_erases_personal_data_but_keeps_order_facts(app, shop):
    order = _order_with_planned_mail(shop)
    email = order.customer.email
    assert redact_customer(db.session, shop, email, (), T0) == 1
    db.session.commit()
    customer = db.session.scalars(select(Customer)).one()
    assert customer.email is None and customer.suppressed_reason == "redacted"
    kept = db.session.scalars(select(Order)).one()
    assert kept.name == "#1001" and [line.quantity for line in kept.lines] == [1]
    assert (
        db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.kind == "shipped")).one().state
        == MessageState.CANCELLED
    )
