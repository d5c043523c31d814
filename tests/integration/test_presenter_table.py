"""The presenter over a table of order situations, at a fixed clock, with literal expectations.

Each row builds one order with tests/support/factories.py (its status derived the way ingestion
derives it) and states what a buyer sees: status and its wording in German and English, the
timeline with the current step, the parcels, the estimate or the late state, and which
modules appear. Every optional module is switched on, so the rows also show when the
review prompt, banner and how-to entries (after delivery only) appear and when they do not.

The clock: Tuesday 1 December 2026, 11:00 in Berlin. The shop ships from Germany to Germany.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from flask import render_template

from app.domain.orders.statuses import derive_order_status
from app.extensions import db
from app.i18n import translator
from app.models import TrackingEvent
from app.presenters import order_status
from app.read_model.from_orm import order_view
from app.read_model.loads import load_order
from tests.support.click_links import target_of
from tests.support.factories import add_parcel, make_order, set_module

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)  # Tue 11:00 in Berlin
LINES = (("l1", 1, "4001"), ("l2", 2, "4002"), ("l3", 1, "4003"))
REORDER = "https://johns-apparel.myshopify.com/cart/4001:1,4002:2,4003:1"
DHL_NUMBER, DPD_NUMBER = "00340434161094042557", "01234567890123"
DHL_URL = f"https://www.dhl.de/de/privatkunden/dhl-sendungsverfolgung.html?piececode={DHL_NUMBER}"


def at(day: int, hour: int, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=timezone.utc)


def event(parcel, status: str, when: datetime, location: str | None = None) -> None:
    parcel.events.append(TrackingEvent(status=status, happened_at=when, location=location,
                                       source="provider:dhl"))


def build(shop, *, parcels=(), lines=LINES, **fields):
    """An order with `parcels` ((fields, events), …); its status derived as ingestion does."""
    order = make_order(shop, lines=lines, shipping_country="DE", **fields)
    for index, (parcel_fields, events) in enumerate(parcels):
        parcel = add_parcel(order, fulfillment_id=f"f{index + 1}", **parcel_fields)
        for status, when, *location in events:
            event(parcel, status, when, *location)
    order.status = derive_order_status(order).value
    db.session.commit()
    return load_order(db.session, order.id)


IN_TRANSIT_DHL = dict(status="in_transit", carrier="DHL", tracking_number=DHL_NUMBER, line_items=(("l1", 1),))

SITUATIONS = {
    "unpaid": dict(
        order=dict(financial_status="pending", placed_at=NOW - timedelta(hours=2)),
        expect=dict(status="placed", branch=None, attention=None, timeline="current todo todo todo todo",
                    parcels=[], estimate=None, faq=["f-always"],
                    modules=["delivery_status", "faq", "reorder", "social", "tracking"]),
        de=dict(label="Bestellung eingegangen", estimate=None),
        en=dict(label="Order received", estimate=None)),
    "paid": dict(
        order=dict(financial_status="paid", placed_at=NOW - timedelta(hours=2)),
        # Ready on Tuesday (before the 14:00 cut-off), leaves Wednesday, 1-2 days in Germany.
        expect=dict(status="processing", branch=None, attention=None, timeline="done current todo todo todo",
                    parcels=[], estimate=("expected", "merchant", "2026-12-03", "2026-12-04"),
                    faq=["f-always"],
                    modules=["delivery_estimate", "delivery_status", "faq", "reorder", "social", "tracking"]),
        de=dict(label="In Bearbeitung", estimate="Do., 3.12. bis Fr., 4.12."),
        en=dict(label="Processing", estimate="Thu 3 Dec to Fri 4 Dec")),
    "partially shipped, two parcels": dict(
        order=dict(placed_at=at(30, 9, 11), parcels=(
            (dict(IN_TRANSIT_DHL, shipped_at=at(30, 15, 11)), [("in_transit", at(1, 5), "Leipzig")]),
            (dict(status="info_received", carrier=None, tracking_number=DPD_NUMBER, line_items=(("l2", 2),),
                  shipped_at=at(1, 7)), []),
        )),
        # Line l3 is still in the warehouse: the estimate counts from the order, not from a parcel.
        expect=dict(status="partially_shipped", branch=None, attention=None,
                    timeline="done done current todo todo",
                    parcels=[("DHL Paket", DHL_NUMBER, DHL_URL, False), (None, DPD_NUMBER, None, False)],
                    estimate=("expected", "merchant", "2026-12-02", "2026-12-03"), faq=["f-always"],
                    modules=["delivery_estimate", "delivery_status", "faq", "reorder", "social", "tracking"]),
        de=dict(label="Teilweise versandt",
                parcels=["Paket 1: Unterwegs", "Paket 2: Versandetikett erstellt"],
                estimate="Mi., 2.12. bis Do., 3.12."),
        en=dict(label="Partly shipped", parcels=["Parcel 1: On its way", "Parcel 2: Label created"],
                estimate="Wed 2 Dec to Thu 3 Dec")),
    "out for delivery": dict(
        order=dict(placed_at=at(30, 9, 11), parcels=(
            (dict(IN_TRANSIT_DHL, status="out_for_delivery", line_items=(("l1", 1), ("l2", 2), ("l3", 1)),
                  shipped_at=at(30, 15, 11)),
             [("in_transit", at(30, 18, 11)), ("out_for_delivery", at(1, 6), "Berlin")]),
        )),
        expect=dict(status="out_for_delivery", branch=None, attention=None,
                    timeline="done done done current todo",
                    parcels=[("DHL Paket", DHL_NUMBER, DHL_URL, False)],
                    estimate=("expected", "tracking", "2026-12-01", "2026-12-01"), faq=["f-always"],
                    modules=["delivery_estimate", "delivery_status", "faq", "reorder", "social", "tracking"]),
        de=dict(label="In Zustellung", parcels=["Paket 1: In Zustellung"], estimate="Heute"),
        en=dict(label="Out for delivery", parcels=["Parcel 1: Out for delivery"], estimate="Today")),
    "delivered": dict(
        order=dict(placed_at=at(27, 9, 11), parcels=(
            (dict(IN_TRANSIT_DHL, status="delivered", line_items=(("l1", 1), ("l2", 2), ("l3", 1)),
                  shipped_at=at(27, 15, 11), delivered_at=at(30, 11, 11)),
             [("delivered", at(30, 11, 11), "Berlin")]),
        )),
        # Only now: the review prompt, the banner with its code and the how-to entry.
        expect=dict(status="delivered", branch=None, attention=None, timeline="done done done done done",
                    parcels=[("DHL Paket", DHL_NUMBER, DHL_URL, False)], estimate=None,
                    faq=["f-always", "f-care"], banner_code="DANKE10",
                    modules=["banner", "delivery_status", "faq", "reorder", "review_prompt", "social",
                             "tracking"]),
        de=dict(label="Zugestellt", parcels=["Paket 1: Zugestellt"]),
        en=dict(label="Delivered", parcels=["Parcel 1: Delivered"])),
    "exception": dict(
        order=dict(placed_at=at(26, 9, 11), parcels=(
            (dict(IN_TRANSIT_DHL, status="exception", line_items=(("l1", 1), ("l2", 2), ("l3", 1)),
                  shipped_at=at(27, 10, 11)),
             [("in_transit", at(27, 18, 11)), ("exception", at(30, 9, 11), "Hamburg")]),
        )),
        # Shipped Friday before the cut-off: Monday to Tuesday, still within the window today.
        expect=dict(status="needs_attention", branch="needs_attention", attention="exception",
                    timeline="done done current todo todo",
                    parcels=[("DHL Paket", DHL_NUMBER, DHL_URL, False)],
                    estimate=("expected", "merchant", "2026-11-30", "2026-12-01"), faq=["f-always"],
                    modules=["delivery_estimate", "delivery_status", "faq", "reorder", "social", "tracking"]),
        de=dict(label="Bitte beachten", parcels=["Paket 1: Problem bei der Zustellung"],
                attention="Bei der Zustellung gibt es ein Problem. Der Versanddienstleister kümmert sich "
                          "darum; "
                          "die Sendungsverfolgung zeigt die Einzelheiten.",
                estimate="Mo., 30.11. bis Di., 1.12."),
        en=dict(label="Needs attention", parcels=["Parcel 1: Delivery problem"],
                attention="There is a problem with the delivery. The carrier is dealing with it; "
                          "tracking shows the details.",
                estimate="Mon 30 Nov to Tue 1 Dec")),
    "quiet over a weekend, not stalled": dict(
        # Last scan Friday 09:00 Berlin: Monday and Tuesday are two business days, not three.
        order=dict(placed_at=at(26, 9, 11), parcels=(
            (dict(IN_TRANSIT_DHL, line_items=(("l1", 1), ("l2", 2), ("l3", 1)), shipped_at=at(26, 15, 11),
                  edd_start=at(2, 8), edd_end=at(2, 8), edd_source="carrier"),
             [("in_transit", at(27, 8, 11), "Kassel")]),
        )),
        expect=dict(status="shipped", branch=None, attention=None, timeline="done done current todo todo",
                    parcels=[("DHL Paket", DHL_NUMBER, DHL_URL, False)],
                    estimate=("expected", "carrier", "2026-12-02", "2026-12-02"), faq=["f-always"],
                    modules=["delivery_estimate", "delivery_status", "faq", "reorder", "social", "tracking"]),
        de=dict(label="Versandt", parcels=["Paket 1: Unterwegs"], estimate="Mi., 2.12."),
        en=dict(label="Shipped", parcels=["Parcel 1: On its way"], estimate="Wed 2 Dec")),
    "stalled over a weekend": dict(
        # Last scan Thursday 09:00 Berlin; Friday, Monday, Tuesday later it is stalled (at 09:00).
        order=dict(placed_at=at(25, 9, 11), parcels=(
            (dict(IN_TRANSIT_DHL, line_items=(("l1", 1), ("l2", 2), ("l3", 1)), shipped_at=at(25, 15, 11)),
             [("in_transit", at(26, 8, 11), "Kassel")]),
        )),
        # The promise (Thursday + 1-2 business days) ended Monday: late, with the apology.
        expect=dict(status="needs_attention", branch="needs_attention", attention="stalled",
                    timeline="done done current todo todo",
                    parcels=[("DHL Paket", DHL_NUMBER, DHL_URL, True)],
                    estimate=("late", "merchant", None, None), faq=["f-always"],
                    modules=["delivery_estimate", "delivery_status", "faq", "reorder", "social", "tracking"]),
        de=dict(label="Bitte beachten", parcels=["Paket 1: Unterwegs"],
                attention="Seit einigen Werktagen gibt es keine neue Nachricht vom Versanddienstleister. "
                          "Das kommt vor; wir behalten Ihre Sendung im Blick.",
                estimate="Das tut uns leid: Ihre Bestellung braucht länger als angekündigt. Wir behalten sie "
                         "im "
                         "Blick, und hier sehen Sie jeden neuen Stand. Bei Fragen antworten Sie einfach auf "
                         "Ihre "
                         "Bestellbestätigung."),
        en=dict(label="Needs attention", parcels=["Parcel 1: On its way"],
                attention="The carrier has had no news for a few business days. This happens; "
                          "we are keeping an eye on your parcel.",
                estimate="We are sorry: your order is taking longer than we said. We are keeping an eye on "
                         "it, "
                         "and every update shows here. If you have questions, simply reply to your order "
                         "confirmation.")),
    "cancelled": dict(
        order=dict(financial_status="voided", placed_at=at(30, 9, 11), cancelled_at=at(30, 12, 11)),
        expect=dict(status="cancelled", branch="cancelled", attention=None,
                    timeline="done todo todo todo todo",
                    parcels=[], estimate=None, faq=["f-always"],
                    modules=["delivery_status", "faq", "reorder", "social", "tracking"]),
        de=dict(label="Storniert"), en=dict(label="Cancelled")),
    "refunded": dict(
        order=dict(financial_status="refunded", placed_at=at(27, 9, 11)),
        expect=dict(status="refunded", branch="refunded", attention=None, timeline="done done todo todo todo",
                    parcels=[], estimate=None, faq=["f-always"],
                    modules=["delivery_status", "faq", "reorder", "social", "tracking"]),
        de=dict(label="Erstattet"), en=dict(label="Refunded")),
    "returned": dict(
        # Sent back to the shop by the carrier, never handed over: shipped, not delivered.
        order=dict(placed_at=at(20, 9, 11), parcels=(
            (dict(IN_TRANSIT_DHL, status="returned", line_items=(("l1", 1), ("l2", 2), ("l3", 1)),
                  shipped_at=at(20, 15, 11)),
             [("in_transit", at(21, 8, 11)), ("returning", at(25, 8, 11)),
              ("returned", at(30, 8, 11), "Bonn")]),
        )),
        expect=dict(status="returned", branch="returned", attention=None, timeline="done done done todo todo",
                    parcels=[("DHL Paket", DHL_NUMBER, DHL_URL, False)], estimate=None, faq=["f-always"],
                    modules=["delivery_status", "faq", "reorder", "social", "tracking"]),
        de=dict(label="Zurückgesendet", parcels=["Paket 1: Zurückgesendet"]),
        en=dict(label="Returned", parcels=["Parcel 1: Returned"])),
}


@pytest.fixture
def shop_with_every_module(shop):
    set_module(shop, "review_prompt", url="https://reviews.example/johns-apparel")
    set_module(shop, "banner", title={"de": "Danke!", "en": "Thank you!"}, discount_code="DANKE10",
               url="https://johns-apparel.example/sale", show="after_delivery")
    set_module(shop, "faq", entries=[
        {"id": "f-always",
         "question": {"de": "Wie lange dauert der Versand?", "en": "How long does shipping take?"},
         "answer": {"de": "1-2 Werktage.", "en": "1-2 business days."}, "scope": "all", "show": "always"},
        {"id": "f-care", "question": {"de": "Wie wasche ich das?", "en": "How do I wash it?"},
         "answer": {"de": "Bei 30 Grad.", "en": "At 30 degrees."}, "scope": "all", "show": "after_delivery"}])
    set_module(shop, "social", instagram="https://instagram.com/johns_apparel")
    db.session.commit()
    return shop


def summary(facts: dict) -> dict:
    """The language-neutral facts of one answer, in the expectation's shape."""
    modules = facts["modules"]
    delivery = modules["delivery_status"]
    estimate = modules.get("delivery_estimate")
    facts_summary = {
        "status": facts["order"]["status"], "branch": delivery["branch"],
        "attention": delivery["attention"]["reason"] if delivery["attention"] else None,
        "timeline": " ".join(step["state"] for step in delivery["timeline"]),
        "parcels": [(p["carrier"], p["tracking_number"], p["tracking_url"], p["stalled"])
                    for p in modules["tracking"]["parcels"]],
        "estimate": (estimate["state"], estimate["source"], estimate["earliest"], estimate["latest"])
        if estimate else None,
        "faq": [entry["id"] for entry in modules["faq"]["entries"]] if "faq" in modules else [],
        "modules": sorted(modules),
    }
    if "banner" in modules:
        facts_summary["banner_code"] = modules["banner"]["discount_code"]
    return facts_summary


def wording(facts: dict) -> dict:
    """The buyer-facing words of one answer, in the expectation's shape."""
    modules = facts["modules"]
    words = {"label": facts["order"]["status_label"]}
    if parcels := modules["tracking"]["parcels"]:
        words["parcels"] = [f"{p['label']}: {p['status_label']}" for p in parcels]
    if attention := modules["delivery_status"]["attention"]:
        words["attention"] = attention["text"]
    if "delivery_estimate" in modules:
        words["estimate"] = modules["delivery_estimate"]["text"]
    return words


@pytest.mark.parametrize("situation", SITUATIONS)
def test_situation(app, shop_with_every_module, situation):
    row = SITUATIONS[situation]
    order = build(shop_with_every_module, **row["order"])
    for lang in ("de", "en"):
        facts = order_status(order_view(order), lang, now=NOW)
        assert facts["locale"] == lang
        # A mail asks for its parcel alone and gets the same facts without the rest.
        only = order_status(order_view(order), lang, now=NOW, modules=frozenset({"tracking"}))
        assert only == {**facts, "modules": {"tracking": facts["modules"]["tracking"]}}
        assert summary(facts) == row["expect"], lang
        expected_words = {key: value for key, value in row[lang].items() if value is not None}
        assert wording(facts) == expected_words, lang
        assert target_of(facts["modules"]["reorder"]["url"]) == REORDER
        # The block's HTML says the same: the status, the current step, the reason.
        html = render_template("block/fragment.html", facts=facts, t=translator(lang))
        assert f"<strong>{row[lang]['label']}</strong>" in html
        current = [s["label"] for s in facts["modules"]["delivery_status"]["timeline"]
                   if s["state"] == "current"]
        assert html.count('aria-current="step"') == len(current)
        for label in current:
            assert f' aria-current="step">{label}</li>' in html
        if "attention" in row[lang]:
            assert row[lang]["attention"] in html
        assert ("data-stalled" in html) == any(p[3] for p in row["expect"]["parcels"])


def test_the_timeline_steps_are_worded_in_both_languages(app, shop):
    order = order_view(build(shop, financial_status="paid", placed_at=NOW - timedelta(hours=2)))
    labels = {lang: [s["label"] for s
                     in order_status(order, lang, now=NOW)["modules"]["delivery_status"]["timeline"]]
              for lang in ("de", "en")}
    assert labels == {
        "de": ["Bestellung eingegangen", "In Bearbeitung", "Versandt", "In Zustellung", "Zugestellt"],
        "en": ["Order received", "Processing", "Shipped", "Out for delivery", "Delivered"],
    }


def test_a_stall_waits_for_the_merchants_delay_days_of_the_delayed_mail(app, shop):
    """Five business days instead of three: Thursday's last scan is not stalled on Tuesday."""
    set_module(shop, "mail_delayed", delay_days=5)
    row = SITUATIONS["stalled over a weekend"]
    order = build(shop, **row["order"])
    facts = order_status(order_view(order), "en", now=NOW)
    assert (facts["order"]["status"], facts["modules"]["tracking"]["parcels"][0]["stalled"]) == ("shipped",
                                                                                                 False)
    # Thursday 11:00: five business days
    later = order_status(order_view(order), "en", now=NOW + timedelta(days=2))
    assert (later["order"]["status"], later["modules"]["delivery_status"]["attention"]["reason"]) == (
        "needs_attention", "stalled")
