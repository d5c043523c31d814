"""Mail From the shop's own domain, DKIM-signed with its key, once that domain checks out.

The one place where a mail's From is switched and its signature made: render_message hands
its finished mail to `from_own_domain`. A shop without a verified sender domain
(app/models/sender_domain.py, verified by app/domain/shop/sender_domain_checks.py) keeps
our From (MAIL_FROM's address, the shop's name, its Reply-To); a verified one gets
From: <shop name> <local part@its domain> and a DKIM-Signature (relaxed/relaxed, rsa-sha256,
d= its domain, made by dkimpy over the bytes as they go out). The envelope sender is left
alone: bounces still come to us (app/links/bounce_addresses.py).

Which shops have one is read once per shop and facts version (the row is one of SHOP_PARTS,
so any change of it moves the version), as the snapshot keeps the shop's modules: a send
finding its entry asks the database nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dkim
from sqlalchemy import select

from app.caches.bounded_lru import BoundedLRU
from app.extensions import db
from app.mail.mime import OutgoingMail, mailbox
from app.models import SenderDomain

MAX_SHOPS = 1024
# The headers the signature covers when present: what a reader sees and acts on, RFC 8058's
# one-click pair among them (a receiver honours List-Unsubscribe-Post only under a signature).
SIGNED_HEADERS = ("from", "to", "reply-to", "subject", "date", "message-id", "content-language",
                  "list-unsubscribe", "list-unsubscribe-post", "list-id")


@dataclass(frozen=True)
class OwnSender:
    address: str
    domain: str
    selector: str
    private_key: bytes


@dataclass
class SignedMail(OutgoingMail):
    """An OutgoingMail whose bytes carry a DKIM-Signature by `own`'s key, made over exactly
    those bytes (each call writes a new MIME boundary, so each call signs anew)."""

    own: OwnSender | None = None

    def as_bytes(self) -> bytes:
        data = super().as_bytes()
        if self.own is None:
            return data
        present = {name.lower() for name, _value in self.headers}
        signed = [name.encode("ascii") for name in SIGNED_HEADERS if name in present]
        signature = dkim.sign(data, self.own.selector.encode("ascii"), self.own.domain.encode("ascii"),
                              self.own.private_key, canonicalize=(b"relaxed", b"relaxed"),
                              include_headers=[*signed, b"mime-version", b"content-type", b"from"],
                              linesep=b"\r\n")
        return signature + data


# (shop id, installed at, facts version) → (OwnSender or None,): a 1-tuple, so "none" is kept too.
own_senders: BoundedLRU[tuple[OwnSender | None]] = BoundedLRU(MAX_SHOPS)


def _load(shop_id: int) -> OwnSender | None:
    table = SenderDomain
    statement = select(table.domain, table.local_part, table.selector, table.private_key).where(
        table.shop_id == shop_id, table.verified_at.is_not(None))
    with db.autocommit() as conn:
        row = conn.execute(statement).first()
    if row is None:
        return None
    return OwnSender(f"{row.local_part}@{row.domain}", row.domain, row.selector,
                     row.private_key.encode("ascii"))


def own_sender(shop: Any) -> OwnSender | None:
    """The shop's verified sender domain, or None (a sample shop without an id has none)."""
    shop_id = getattr(shop, "id", None)
    if not shop_id:
        return None
    version = getattr(shop, "facts_version", None)
    key = (shop_id, getattr(shop, "installed_at", None), version)
    cached = own_senders.get(key) if version is not None else None
    if cached is not None:
        return cached[0]
    found = _load(shop_id)
    if version is not None:
        own_senders.put(key, (found,))
    return found


def from_own_domain(mail: OutgoingMail, shop: Any, display_name: str) -> OutgoingMail:
    """`mail` as it goes out for `shop`: unchanged, or From its own domain and signed."""
    own = own_sender(shop)
    if own is None:
        return mail
    headers = [("From", mailbox(display_name, own.address)) if name == "From" else (name, value)
               for name, value in mail.headers]
    fields = {name: getattr(mail, name) for name in ("sender", "recipient", "text", "html")}
    return SignedMail(headers=headers, own=own, **fields)


