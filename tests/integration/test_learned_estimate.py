"""The block's delivery estimate learned from the shop's own deliveries: the daily job stores
a range per carrier × country once it has ten deliveries, the block shows it after a
carrier's own estimate and before the merchant's rule, and the shop's facts version moves
so cached answers and the read model's kept modules pick it up.

Time travel: T0 is Monday 2026-11-23 10:00 UTC (11:00 Berlin, before the rule's cut-off).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from app.domain.arrival.edd import DeliveryRule, DeliveryWindow, add_business_days, estimate
from app.extensions import db
from app.jobs.transit_learning import learn_transit_ranges
from app.models import Shop
from app.presenters import order_status
from app.read_model.loads import load_order_view
from tests.support.factories import T0, add_parcel, carrier_scan, make_order, set_module
from tests.support.periodic_ticks import tick

BERLIN = ZoneInfo("Europe/Berlin")


def _berlin(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BERLIN).astimezone(timezone.utc)


def _delivered(shop, transits, first: int = 0, carrier: str = "DHL", country: str = "DE") -> None:
    """One order per transit: shipped on a Monday before T0, delivered that many business days later."""
    for n, transit in enumerate(transits, start=first):
        ship_day = T0.date() - timedelta(weeks=n + 1)
        shipped, delivered = _berlin(ship_day, 9), _berlin(add_business_days(ship_day, transit, country), 14)
        order = make_order(shop, platform_order_id=f"past-{n}", shipping_country=country, status="delivered",
                           placed_at=shipped - timedelta(days=1))
        parcel = add_parcel(order, status="delivered", shipped_at=shipped, delivered_at=delivered,
                            fulfillment_id=f"f{n}", carrier=carrier, tracking_number=f"T{n:08d}")
        carrier_scan(parcel, "in_transit", shipped)
        carrier_scan(parcel, "delivered", delivered)
    db.session.commit()


def _travelling(shop, **parcel_fields) -> int:
    order = make_order(shop, platform_order_id="now", shipping_country="DE", status="shipped",
                       fulfillment_status="fulfilled", placed_at=T0 - timedelta(days=1))
    parcel = add_parcel(order, shipped_at=T0, carrier="DHL", tracking_number="T99999999", **parcel_fields)
    carrier_scan(parcel, "in_transit", T0)
    db.session.commit()
    return order.id


def _estimate(order_id: int, lang: str = "de", now: datetime = T0 + timedelta(hours=1)) -> dict:
    return order_status(load_order_view(order_id), lang, now=now)["modules"]["delivery_estimate"]


def test_nine_deliveries_leave_the_rule_and_the_tenth_teaches_the_range(app, shop):
    _delivered(shop, [2, 2, 3, 3, 3, 3, 4, 4, 5])
    order_id = _travelling(shop)
    assert learn_transit_ranges(shop.id, now=T0) == {"parcels": 10, "pairs": 0, "changed": False}
    merchant = _estimate(order_id)  # DE 1–2 business days from Monday
    assert (merchant["source"], merchant["earliest"], merchant["latest"]) == ("merchant", "2026-11-24",
                                                                              "2026-11-25")

    _delivered(shop, [3], first=9)
    version = db.session.get(Shop, shop.id).facts_version
    # Ten transits 2,2,3,3,3,3,3,4,4,5: the 4th and the 8th of ten are the 40th and 80th percentile.
    assert learn_transit_ranges(shop.id, now=T0) == {"parcels": 11, "pairs": 1, "changed": True}
    assert db.session.get(Shop, shop.id).facts_version == version + 1  # cached answers are redone
    learned = _estimate(order_id)
    assert (learned["source"], learned["earliest"], learned["latest"]) == ("learned", "2026-11-26",
                                                                           "2026-11-27")
    assert learned["source_label"] == "Aus den bisherigen Lieferungen dieses Shops"
    assert _estimate(order_id, "en")["source_label"] == "From this shop's past deliveries"

    assert learn_transit_ranges(shop.id, now=T0 + timedelta(hours=24))["changed"] is False
    assert db.session.get(Shop, shop.id).facts_version == version + 1  # nothing new: nothing redone


def test_a_carriers_own_estimate_still_comes_first(app, shop):
    _delivered(shop, [2, 2, 3, 3, 3, 3, 3, 4, 4, 5])
    learn_transit_ranges(shop.id, now=T0)
    eta = _berlin(date(2026, 11, 25), 18)
    order_id = _travelling(shop, edd_start=eta, edd_end=eta, edd_source="carrier")
    assert _estimate(order_id)["source"] == "carrier"


def test_another_carrier_or_country_keeps_the_rule(app, shop):
    _delivered(shop, [2, 2, 3, 3, 3, 3, 3, 4, 4, 5], carrier="DPD")
    learn_transit_ranges(shop.id, now=T0)
    assert _estimate(_travelling(shop))["source"] == "merchant"  # the parcel goes with DHL


def test_past_the_learned_range_the_merchants_promise_stands_before_late():
    rule, tz = DeliveryRule(), BERLIN  # AT: 2–5 business days
    shipped = _berlin(date(2026, 11, 23), 9)
    learned = DeliveryWindow(date(2026, 11, 25), date(2026, 11, 26), "learned")

    def window(today):
        return estimate(placed_at=shipped, shipped_at=shipped, country="AT", parcel_estimates=[], rule=rule,
                        tz=tz,
                        learned=learned, today=today)

    assert window(date(2026, 11, 26)) == learned
    assert window(date(2026, 11, 27)) == DeliveryWindow(date(2026, 11, 25), date(2026, 11, 30), "merchant")


def test_the_daily_learning_runs_for_shops_that_did_not_switch_the_estimate_off(app, shop):
    other = Shop(platform="woocommerce", domain="https://aus.example", name="Aus", locale="de")
    db.session.add(other)
    db.session.commit()
    set_module(other, "delivery_estimate", enabled=False)
    db.session.commit()
    assert tick("transit_learning") == 1  # `shop` never touched the module: on by default
    assert tick("transit_learning") == 0  # once a day
