"""Creating a module's unique voucher on the shop's platform, once per order and purpose.

The code is reserved in issued_vouchers and committed before the platform is asked, then
marked issued. A retry (the send job's, or the survey's next try) finds the reservation and
asks again with the same code: if the platform answers "code taken", an earlier attempt
created it and only its answer was lost, so the code is ours. A reservation made in this
attempt that meets "taken" collided with someone else's code: it gets a fresh code and the
attempt fails, to be retried.
"""

from __future__ import annotations

from datetime import datetime

import httpx

from app.clients.platforms import create_voucher
from app.domain.followups.vouchers import VoucherSetting, mark_issued, reserve, retry_with_new_code
from app.extensions import db
from app.models import Order
from app.observability.privacy_scrub import scrub_addresses
from connectors.base import ConnectorError, VoucherCodeTaken, VoucherRequest

# What a platform call can fail with: refusals, throttling, 401/403, 5xx, the network.
PLATFORM_FAILURES = (ConnectorError, httpx.HTTPError, OSError)


class VoucherUnavailable(Exception):
    """The platform did not create the code this time; the text holds no address."""


def issue_voucher(order_id: int, purpose: str, setting: VoucherSetting, title: str, now: datetime) -> str:
    """The buyer's code for this order and purpose, created on the platform unless it was;
    commits its own transactions (the caller holds no lock across this call)."""
    session = db.session()
    order = session.get(Order, order_id)
    if order is None:  # erased meanwhile (a redaction, an uninstall): nothing to create it for
        raise VoucherUnavailable(f"order {order_id} is gone")
    row, new = reserve(session, order, purpose, setting, now)
    if row.issued_at is not None:
        return row.code
    session.commit()
    customer = order.customer
    discount, value, _ = setting.unique_terms()
    request = VoucherRequest(
        code=row.code,
        title=title,
        discount=discount,
        value=value,
        starts_at=now,
        ends_at=row.expires_at,
        buyer_email=customer.email if customer else None,
        buyer_platform_id=customer.platform_customer_id if customer else None,
        minimum_order=setting.minimum,
    )
    try:
        issued = create_voucher(order.shop, request)
    except VoucherCodeTaken:
        if new:
            retry_with_new_code(row)
            session.commit()
            raise VoucherUnavailable(
                "the platform has this code already; a fresh one is reserved"
            ) from None
        mark_issued(row, None, now)  # an earlier attempt created it; its answer was lost
        session.commit()
        return row.code
    except PLATFORM_FAILURES as exc:
        session.rollback()
        raise VoucherUnavailable(scrub_addresses(f"{type(exc).__name__}: {exc}")[:500]) from None
    mark_issued(row, issued.platform_id, now)
    session.commit()
    return row.code
