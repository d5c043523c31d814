"""A buyer's data export holds what we keep that is theirs beyond orders and mails: the voucher
codes made for their orders and the clicks kept for attribution; another buyer's never."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from app.domain.privacy.lifecycle import export_customer_data
from app.extensions import db
from app.links.module_clicks import click_url
from app.models import IssuedVoucherRow
from tests.support.factories import make_order

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)


def _voucher(order, code: str) -> None:
    db.session.add(IssuedVoucherRow(shop_id=order.shop_id, order_id=order.id, purpose="thank_you:0",
                                    code=code,
                                    discount="percent", value=Decimal("10"),
                                    expires_at=NOW + timedelta(days=30),
                                    issued_at=NOW))


def test_the_export_lists_the_buyers_voucher_codes_and_kept_clicks(app, client, shop):
    order, other = make_order(shop, platform_order_id="1001"), make_order(shop, platform_order_id="2002")
    _voucher(order, "DANKE-7Q2X")
    _voucher(other, "DANKE-OTHER")
    db.session.commit()
    for made_for, module in ((order, "reorder"), (other, "reorder"), (order, "review_prompt")):
        link = click_url(made_for, module, "https://johns-apparel.myshopify.com/cart/4001:1")
        assert client.get(link.removeprefix(app.config["APP_URL"])).status_code == 302
    db.session.expire_all()

    [record] = export_customer_data(db.session, shop, order.customer.email, (), None).payload["customers"]
    [exported] = record["orders"]
    assert exported["vouchers"] == [{"code": "DANKE-7Q2X", "for": "thank_you:0", "discount": "percent",
                                     "value": "10.00", "expires_at": (NOW + timedelta(days=30)).isoformat(),
                                     "issued_at": NOW.isoformat()}]
    # The reorder click is kept for attribution; a review prompt's click is only counted (no row).
    [click] = record["clicks"]
    assert (click["module"], click["from_mail"], click["order"]) == ("reorder", False, "1001")
    assert datetime.fromisoformat(click["clicked_at"])
