"""Addresses a shop confirmed for test mails, stored directly (the mailed link itself is
tested in tests/security/test_test_sends.py)."""
from __future__ import annotations

from datetime import datetime, timezone

from app.extensions import db
from app.models import TestRecipient


def confirm_test_address(shop, address: str) -> TestRecipient:
    now = datetime.now(timezone.utc)
    recipient = TestRecipient(shop_id=shop.id, address=address.strip().lower(), created_at=now,
                              confirmed_at=now)
    db.session.add(recipient)
    db.session.commit()
    return recipient
