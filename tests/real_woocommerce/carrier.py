"""Check: the carrier's word makes the real order delivered, and the buyer hears of it.

WooCommerce knows no delivery. Our worker asks DHL Shipment Tracking – Unified (here a fake on
loopback that speaks its documented format: tests/support/fakes/tracking_providers.py) and, from its
"delivered" answer, marks the parcel delivered and sends the delivered notice, which lands in
the SMTP sink folder. The first look at a fresh number waits 30 minutes (DHL shows new numbers
after 10-30); the run moves it to now instead of waiting.
"""
from __future__ import annotations

import copy
import email
import email.policy
from datetime import datetime, timedelta, timezone

from tests.real_woocommerce.our_app import App
from tests.real_woocommerce.progress import Failed, note, step, wait_for
from tests.real_woocommerce.settings import GUEST_EMAIL, TRACKING_NUMBER
from tests.support.fakes.tracking_providers import FakeDhl, recorded


def delivered_answer(number: str, at: datetime) -> dict:
    """DHL's recorded "delivered" answer, for our number and a delivery an hour ago."""
    body = copy.deepcopy(recorded("dhl", "delivered_recorded.json"))
    stamp = at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    for shipment in body["shipments"]:
        shipment["id"] = number
        shipment["status"]["timestamp"] = stamp
        for event in shipment.get("events", []):
            event["timestamp"] = stamp
    return body


def carrier_delivers(app: App, dhl: FakeDhl) -> str:
    step("carrier: DHL's answer (a fake DHL Unified on loopback) makes the order delivered; "
         "the buyer is told")
    dhl.put(TRACKING_NUMBER,
            delivered_answer(TRACKING_NUMBER, datetime.now(timezone.utc) - timedelta(hours=1)))
    from sqlalchemy import select, update

    from app.extensions import db
    from app.models import Shipment

    with app.flask.app_context():
        db.session.execute(update(Shipment).where(Shipment.tracking_number == TRACKING_NUMBER)
                           .values(next_poll_at=datetime.now(timezone.utc)))
        db.session.commit()

    def delivered():
        with app.flask.app_context():
            row = db.session.execute(select(Shipment.status, Shipment.tracking_provider)
                                     .where(Shipment.tracking_number == TRACKING_NUMBER)).one()
            db.session.remove()
            return row if row.status == "delivered" else None

    row = wait_for("the worker's carrier pass to mark the parcel delivered", delivered, 150, 2)
    note(f"parcel {TRACKING_NUMBER}: {row.status} (provider {row.tracking_provider}); "
         f"DHL asked {dhl.calls_for(TRACKING_NUMBER)} time(s)")

    def mail():
        for path in sorted(app.mailbox.glob("*.eml")):
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if "zugestellt" in str(msg["Subject"]):
                return msg
        return None

    msg = wait_for("the delivered notice in the SMTP sink folder", mail, 90, 1)
    if GUEST_EMAIL not in str(msg["To"]):
        raise Failed(f"the delivered notice went to {msg['To']}, not the buyer")
    note(f"delivered notice: To {msg['To']} | Subject {msg['Subject']!r}")
    return str(msg["Subject"])
