"""Voucher settings of a module and the codes reserved for messages: no platform calls here.

A module's voucher is `voucher_mode`: "none", "static" (`voucher_code`, the same for
everyone) or "unique" (a single-use code per buyer, created on the platform at send time:
`voucher_type` percent|fixed, `voucher_value`, `voucher_days` until it expires, optional
`voucher_minimum` order value). Settings saved before modes existed have only
`voucher_code`: they read as static when it is set.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import IssuedVoucherRow
from connectors.base import DiscountType

NONE, STATIC, UNIQUE = "none", "static", "unique"
MODES = (NONE, STATIC, UNIQUE)
# What a preview shows for a unique code: it never creates one.
SAMPLE_CODE = "SAMPLE-XXXX"
SURVEY = "survey"
STATIC_CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
# No 0/O, 1/I/L: the buyer types it.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class VoucherSetting:
    mode: str
    code: str | None = None
    discount: DiscountType | None = None
    value: Decimal | None = None
    days: int | None = None
    minimum: Decimal | None = None

    def unique_terms(self) -> tuple[DiscountType, Decimal, int]:
        """A unique voucher's discount, value and days valid; ValueError for any other setting."""
        if self.mode != UNIQUE or self.discount is None or self.value is None or self.days is None:
            raise ValueError(f"not a unique voucher setting: {self.mode}")
        return self.discount, self.value, self.days


def voucher_setting(settings: dict) -> VoucherSetting:
    """The module's voucher as stored; anything incomplete or malformed reads as none."""
    code = str(settings.get("voucher_code") or "").strip()
    mode = settings.get("voucher_mode") or (STATIC if code else NONE)
    if mode == STATIC and STATIC_CODE.match(code):
        return VoucherSetting(STATIC, code=code)
    if mode == UNIQUE:
        value, days = _decimal(settings.get("voucher_value")), settings.get("voucher_days")
        try:
            discount = DiscountType(settings.get("voucher_type") or "")
        except ValueError:
            return VoucherSetting(NONE)
        if value is not None and value > 0 and isinstance(days, int) and days > 0:
            return VoucherSetting(
                UNIQUE,
                discount=discount,
                value=value,
                days=days,
                minimum=_decimal(settings.get("voucher_minimum")),
            )
    return VoucherSetting(NONE)


def _decimal(raw) -> Decimal | None:
    try:
        return Decimal(str(raw)) if raw not in (None, "") else None
    except InvalidOperation:
        return None


def message_purpose(kind: str, sequence: int) -> str:
    return f"{kind}:{sequence}"


def new_code() -> str:
    """Twelve characters in three groups: about 10^17 codes, not guessable, easy to type."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def issued_voucher(session: Session, order_id: int, purpose: str) -> IssuedVoucherRow | None:
    """The code created on the platform for this order and purpose, if it was."""
    return session.scalar(
        select(IssuedVoucherRow).where(
            IssuedVoucherRow.order_id == order_id,
            IssuedVoucherRow.purpose == purpose,
            IssuedVoucherRow.issued_at.is_not(None),
        )
    )


def issued_code(session: Session, order_id: int, purpose: str) -> str | None:
    row = issued_voucher(session, order_id, purpose)
    return row.code if row is not None else None


def reserve(session: Session, order, purpose: str, setting: VoucherSetting,
            now: datetime) -> tuple[IssuedVoucherRow, bool]:
    """(row, True) for a new reservation (code and expiry fixed now), (row, False) when an
    earlier attempt reserved it; the caller commits."""
    row = session.scalar(
        select(IssuedVoucherRow).where(
            IssuedVoucherRow.order_id == order.id, IssuedVoucherRow.purpose == purpose
        )
    )
    if row is not None:
        return row, False
    discount, value, days = setting.unique_terms()
    row = IssuedVoucherRow(
        shop_id=order.shop_id,
        order_id=order.id,
        purpose=purpose,
        code=new_code(),
        discount=discount.value,
        value=value,
        minimum_order=setting.minimum,
        expires_at=now + timedelta(days=days),
        created_at=now,
    )
    try:
        with session.begin_nested():  # a concurrent attempt may reserve the same one first
            session.add(row)
    except IntegrityError:
        return reserve(session, order, purpose, setting, now)
    return row, True


def mark_issued(row: IssuedVoucherRow, platform_id: str | None, now: datetime) -> None:
    row.platform_id = platform_id
    row.issued_at = now


def retry_with_new_code(row: IssuedVoucherRow) -> None:
    """Someone else's code has our text (a reservation made in this very attempt met TAKEN)."""
    row.code = new_code()
