"""Customer data exports hold a buyer's personal data: each goes DATA_EXPORT_RETENTION_DAYS
after it was made (oldest first, a bounded batch per tick), and at once when the buyer it
names is erased (customers/redact), whichever shop's export it is not."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.config import config_from_env
from app.domain.privacy.lifecycle import export_customer_data, redact_customer
from app.extensions import db
from app.jobs.periodic import run_periodic
from app.jobs.purge import purge_old_data_exports
from app.models import DataExport, Shop
from tests.integration.test_webhook_body_retention import SECRETS
from tests.support.factories import T0, add_parcel, make_order

NOW = datetime.now(timezone.utc)


def _export(shop, email: str | None, days_old: float = 0, order_ids: tuple[str, ...] = ()) -> DataExport:
    export = export_customer_data(db.session, shop, email, order_ids, None)
    export.created_at = NOW - timedelta(days=days_old)
    db.session.commit()
    return export


def _left() -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(DataExport.id)))


def test_exports_go_after_the_retention_oldest_first_in_bounded_batches(app, shop):
    old = [_export(shop, "a@example.com", days) for days in (50, 40, 31)]
    fresh = _export(shop, "a@example.com", 29)
    assert purge_old_data_exports(NOW, limit=2) == 2
    assert _left() == {old[2].id, fresh.id}  # the two oldest went first
    assert purge_old_data_exports(NOW, limit=2) == 1
    assert _left() == {fresh.id}
    assert purge_old_data_exports(NOW) == 0


def test_the_retention_is_configurable_and_the_periodic_tick_applies_it(app, shop):
    assert config_from_env(SECRETS)["DATA_EXPORT_RETENTION_DAYS"] == 30
    assert config_from_env({**SECRETS, "DATA_EXPORT_RETENTION_DAYS": "7"})["DATA_EXPORT_RETENTION_DAYS"] == 7
    app.config["DATA_EXPORT_RETENTION_DAYS"] = 7
    _export(shop, "a@example.com", 8)
    kept = _export(shop, "a@example.com", 6)
    assert run_periodic()["purged_data_exports"] == 1
    assert _left() == {kept.id}


def _buyer_with_order(shop, order_id: str):
    order = make_order(shop, platform_order_id=order_id)
    add_parcel(order)
    db.session.commit()
    return order


def test_redacting_a_buyer_deletes_the_exports_naming_them_and_no_other(app, shop):
    jon = _buyer_with_order(shop, "1001")   # buyer-1001@example.com
    ann = _buyer_with_order(shop, "2002")
    _export(shop, "Buyer-1001@Example.com")
    _export(shop, None, order_ids=("1001",))
    # Asked for an address the app did not know then: the request itself names him.
    _export(shop, "jon.old@example.com")
    anns = _export(shop, ann.customer.email)
    # A short id that appears inside another number must not count as his.
    similar = _export(shop, None, order_ids=("10011",))
    other_shop = Shop(platform="shopify", domain="other.myshopify.com", access_token="t")
    db.session.add(other_shop)
    db.session.flush()
    _buyer_with_order(other_shop, "1001")
    elsewhere = _export(other_shop, "buyer-1001@example.com")
    assert len(_left()) == 6

    redact_customer(db.session, shop, "jon.old@example.com", ("1001",), T0)
    db.session.commit()
    assert jon.customer.email is None
    assert _left() == {anns.id, similar.id, elsewhere.id}


def test_redacting_by_address_alone_finds_exports_listing_their_orders(app, shop):
    _buyer_with_order(shop, "1001")
    export = _export(shop, None, order_ids=("1001",))  # made from the order; the address is in the records
    assert export.payload["customers"][0]["email"] == "buyer-1001@example.com"
    redact_customer(db.session, shop, "buyer-1001@example.com", (), T0)
    db.session.commit()
    assert _left() == set()
