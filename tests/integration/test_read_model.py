"""The read model (app/read_model/): a message's view loaded by id, as the send job loads it,
must hold what the mapped objects hold, and every kind's mail rendered from it must be the
mail rendered from the view of the mapped objects; views are frozen."""
from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import bindparam, inspect, select

from app.domain.followups.mail_kinds import KINDS
from app.extensions import db
from app.mail.render import render_message
from app.mail.senders import MemorySender
from app.models import Customer, MessageState, Refund, ScheduledMessage, Shop
from app.models.shipment import TrackingEvent
from app.models.survey import SurveyAnswer
from app.read_model.from_orm import message_view
from app.read_model.loads import load_message_view, load_order, load_order_view
from app.read_model.views import CustomerView, MessageView, OrderView, ShopView, columns_of
from tests.support.factories import T0, add_parcel, make_order, set_module


@pytest.fixture
def full_order(shop):
    """Two lines, two parcels (one with three events stored out of time order, one with
    none), two refunds, a survey answer, a consenting buyer and modules with settings."""
    order = make_order(shop, lines=(("l1", 1, "v1"), ("l2", 2, "v2")), total_price=Decimal("59.90"),
                       shipping_country="AT")
    order.customer.marketing_consent = "granted"
    first = add_parcel(order, fulfillment_id="f1", line_items=(("l1", 1),),
                       shipped_at=T0 + timedelta(hours=1))
    add_parcel(order, fulfillment_id="f2", index=1, line_items=(("l2", 2),), status="delivered",
               shipped_at=T0 + timedelta(hours=2), delivered_at=T0 + timedelta(days=2))
    for hours, status in ((30, "out_for_delivery"), (5, "in_transit"), (20, "exception")):
        first.events.append(TrackingEvent(status=status, happened_at=T0 + timedelta(hours=hours),
                                          source="test"))
    order.refunds += [Refund(platform_refund_id="r1", created_at=T0 + timedelta(days=3),
                             amount=Decimal("9.90")),
                      Refund(platform_refund_id="r2", created_at=T0 + timedelta(days=4), returned=True,
                             amount=Decimal("19.90"))]
    db.session.add(SurveyAnswer(shop_id=shop.id, order=order, score=9, answered_at=T0 + timedelta(days=5)))
    for key, module in {kind.module: kind for kind in KINDS.values()}.items():
        set_module(shop, key, texts={"de": f"Eigener Text für {module.key}", "en": "Own text"},
                   voucher_code="DANKE10", content={"de": "Pflegehinweis"},
                   share_url="https://example.com/share")
    set_module(shop, "faq", entries=[{"question": {"de": "Wie lange?"}, "answer": {"de": "Zwei Tage."}}])
    set_module(shop, "banner", title={"de": "Banner"}, text={"de": "Text"}, url="https://example.com/b",
               discount_code="B10", show="always")
    set_module(shop, "survey", before_delivery=True, voucher_code="NPS5")
    shop.branding = {"primary_colour": "#224466", "imprint": "Muster GmbH, Berlin"}
    db.session.commit()
    return order


def _messages(order) -> list[ScheduledMessage]:
    """One stored message of every kind, each pointing at what its kind is about."""
    parcel, line, refund = order.shipments[0], order.lines[1], order.refunds[1]
    sequence = {"replenishment": line.id, "return_received": refund.id, "refund_issued": refund.id}
    rows = [
        ScheduledMessage(
            shop_id=order.shop_id,
            order_id=order.id,
            customer_id=order.customer_id,
            kind=key,
            sequence=sequence.get(key, parcel.id),
            stream=kind.stream,
            send_at=T0,
            state=MessageState.SENDING,
        )
        for key, kind in KINDS.items()
    ]
    db.session.add_all(rows)
    db.session.commit()
    return rows


SHOP_CREDENTIALS = {"access_token", "refresh_token", "api_key", "api_secret", "webhook_secret"}


def _columns(obj, view_type) -> dict:
    """What `obj` (a view or a mapped object) holds of the columns `view_type` carries."""
    return {name: getattr(obj, name) for name in columns_of(view_type)}


def test_every_column_is_in_its_view_or_named_as_left_out():
    """A new column reaches the views, or is left out on purpose (views.LEFT_OUT); a column
    left out is not in its view, and the shop's credentials are always left out."""
    from app.models import Order, OrderLine, Shipment, Shop
    from app.read_model import views
    pairs = ((views.ShopView, Shop), (views.OrderView, Order), (views.LineView, OrderLine),
             (views.ParcelView, Shipment), (views.EventView, TrackingEvent), (views.RefundView, Refund),
             (views.SurveyAnswerView, SurveyAnswer), (views.CustomerView, Customer),
             (views.MessageView, ScheduledMessage))
    assert {view for view, _ in pairs} == set(views.LEFT_OUT)
    for view, model in pairs:
        carried, left_out = set(columns_of(view)), views.LEFT_OUT[view]
        assert not carried & left_out, view
        assert carried | left_out == {c.key for c in inspect(model).column_attrs}, view
    assert SHOP_CREDENTIALS <= views.LEFT_OUT[ShopView]


def test_a_loaded_view_holds_what_the_mapped_objects_hold(app, full_order):
    message = _messages(full_order)[0]
    loaded = load_message_view(message.id)
    db.session.expire_all()
    mapped = db.session.get(ScheduledMessage, message.id)
    order = load_order(db.session, mapped.order_id)

    assert _columns(loaded, MessageView) == _columns(mapped, MessageView)
    assert _columns(loaded.customer, CustomerView) == _columns(mapped.customer, CustomerView)
    assert _columns(loaded.order, OrderView) == _columns(order, OrderView)
    assert loaded.order.customer is loaded.customer  # one buyer, one object
    shop = loaded.order.shop
    assert _columns(shop, ShopView) == _columns(order.shop, ShopView) and shop.active
    assert not any(hasattr(shop, name) for name in SHOP_CREDENTIALS)
    assert sorted((m.key, m.enabled, m.settings) for m in shop.modules) == sorted(
        (m.key, m.enabled, m.settings) for m in order.shop.modules)
    for name in ("lines", "refunds", "shipments"):
        ours, theirs = getattr(loaded.order, name), getattr(order, name)
        assert [_columns(a, type(a)) for a, b in zip(ours, theirs, strict=True)] == [
            _columns(b, type(a)) for a, b in zip(ours, theirs, strict=True)]
    assert [[e.status for e in p.events] for p in loaded.order.shipments] == [
        ["in_transit", "exception", "out_for_delivery"], []]
    assert loaded.order.survey_answer.score == order.survey_answer.score == 9
    assert load_order_view(order.id) == loaded.order
    with pytest.raises(FrozenInstanceError):
        loaded.order.status = "delivered"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_renders_the_same_from_the_loaded_view(app, full_order, kind, monkeypatch):
    # Signed links carry the second they were made in; both renders must make them alike.
    monkeypatch.setattr("app.links.signer.time", SimpleNamespace(time=lambda: 1_800_000_000))
    message = next(m for m in _messages(full_order) if m.kind == kind)
    loaded = load_message_view(message.id)
    db.session.expire_all()
    from_mapped = render_message(message_view(db.session.get(ScheduledMessage, message.id)))
    from_loaded = render_message(loaded)

    def without_date(mail):
        return [(name, value) for name, value in mail.headers if name != "Date"]

    assert without_date(from_loaded) == without_date(from_mapped)
    assert (from_loaded.text, from_loaded.html) == (from_mapped.text, from_mapped.html)
    assert from_loaded["X-Aftersales-Ref"]  # a stored message, not a preview


def test_an_order_that_changed_hands_keeps_its_own_buyer(app, full_order):
    message = _messages(full_order)[0]
    other = Customer(shop_id=full_order.shop_id, email="new-owner@example.com", locale="en")
    full_order.customer = other
    db.session.commit()
    loaded = load_message_view(message.id)
    assert loaded.customer.email == "buyer-1001@example.com"
    assert (loaded.order.customer.id, loaded.order.customer.email) == (other.id, "new-owner@example.com")


def test_an_order_with_nothing_around_it(app, shop):
    order = make_order(shop, lines=())
    order.customer = None
    db.session.flush()
    message = ScheduledMessage(shop_id=shop.id, order_id=order.id, kind="shipped", stream="transactional",
                               send_at=T0, state=MessageState.SENDING)
    db.session.add(message)
    db.session.commit()
    loaded = load_message_view(message.id)
    assert loaded.customer is None and loaded.order.customer is None
    assert (loaded.order.lines, loaded.order.shipments, loaded.order.refunds) == ((), (), ())
    assert loaded.order.survey_answer is None
    assert load_message_view(message.id + 1000) is None


def test_a_message_erased_after_its_claim_is_let_go(app, full_order, monkeypatch):
    """customers/redact may delete the order (and its mails) between the claim and the load."""
    from app.jobs import messages

    message = _messages(full_order)[0]
    db.session.query(ScheduledMessage).filter_by(id=message.id).update(
        {"state": MessageState.QUEUED})
    db.session.commit()

    def erased_first(message_id):
        with db.engine.begin() as conn:
            conn.execute(ScheduledMessage.__table__.delete()
                         .where(ScheduledMessage.__table__.c.id == message_id))
        return load_message_view(message_id)

    monkeypatch.setattr(messages, "load_message_view", erased_first)
    app.extensions["mail_sender"] = sender = MemorySender()
    assert messages.send_message(message.id) == "gone"
    assert sender.outbox == []


def test_a_changed_module_is_read_afresh_by_the_next_send(app, full_order):
    """The modules are kept per shop facts version; switching one moves the version."""
    message = _messages(full_order)[0]
    before = load_message_view(message.id)
    again = load_message_view(message.id)
    assert again.order.shop is before.order.shop  # the shop and its modules read once at this version

    set_module(full_order.shop, "banner", enabled=False)
    db.session.commit()
    after = load_message_view(message.id)
    assert after.order.shop.facts_version > before.order.shop.facts_version
    assert [m.enabled for m in after.order.shop.modules if m.key == "banner"] == [False]
    assert [m.enabled for m in before.order.shop.modules if m.key == "banner"] == [True]


def test_a_changed_shop_is_read_afresh_by_the_next_send(app, full_order):
    """The shop's view is kept per facts version too: a change to its row moves the version,
    and the next load reads the row again (here the Reply-To the mail gets)."""
    message = _messages(full_order)[0]
    before = load_message_view(message.id)
    full_order.shop.support_email = "hilfe@example.com"
    db.session.commit()
    after = load_message_view(message.id)
    assert after.order.shop.facts_version > before.order.shop.facts_version
    assert before.order.shop.support_email != after.order.shop.support_email == "hilfe@example.com"
    assert "hilfe@example.com" in render_message(after)["Reply-To"]


def test_a_shop_gone_after_the_joined_read_lets_the_message_go(app, full_order, monkeypatch):
    """The shop's row is read by a query of its own when its version is new: if the shop was
    erased in between, the message is gone like one whose order was erased."""
    from app.read_model import loads
    message = _messages(full_order)[0]
    gone = select(Shop.id).where(Shop.id == bindparam("shop_id"), Shop.id < 0)  # finds no row
    monkeypatch.setattr(loads, "_shop_statement", lambda: gone)
    assert load_message_view(message.id) is None
