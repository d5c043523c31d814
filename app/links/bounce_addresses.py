"""VERP envelope senders and feedback tokens: a bounce names its message without being trusted.

Every mail carries a token `m<message id>-<16 hex of an HMAC>`: in its envelope sender
`bounces+<token>@BOUNCE_DOMAIN` (when that is set; otherwise MAIL_FROM stays the envelope
sender) and in the `X-Aftersales-Ref` header. A DSN goes to the envelope sender, and an ARF
complaint quotes the original headers, so the token comes back with every report; only a
token whose HMAC checks out names a message. Whatever else a report says (its
Final-Recipient, its copy of our Message-ID) is never used to decide whom to suppress.
Lowercase hex, because some mail systems change the case of local parts: so this token keeps
its own short format rather than app/links/signer.py's (base64url, case-sensitive); it
verifies with SECRET_KEY_OLD too while that is rotated out.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

from flask import current_app

from app.links.signer import app_secrets
from connectors.signature import same_secret

LOCAL_PREFIX = "bounces+"
REF_HEADER = "X-Aftersales-Ref"
TOKEN_PATTERN = re.compile(r"(?<![0-9a-z])m([0-9]{1,18})-([0-9a-f]{16})(?![0-9a-f])", re.IGNORECASE)


def _mac(message_id: int, secret: str) -> str:
    mac = hmac.new(secret.encode(), f"verp-v1:{message_id}".encode(), hashlib.sha256)
    return mac.hexdigest()[:16]


def feedback_token(message_id: int) -> str:
    return f"m{message_id}-{_mac(message_id, current_app.config['SECRET_KEY'])}"


def envelope_sender(message_id: int) -> str | None:
    """bounces+<token>@BOUNCE_DOMAIN, or None to keep MAIL_FROM as the envelope sender."""
    domain = (current_app.config.get("BOUNCE_DOMAIN") or "").strip()
    return f"{LOCAL_PREFIX}{feedback_token(message_id)}@{domain}" if domain else None


def message_id_from(texts: Iterable[str | None]) -> int | None:
    """The first message id carried by a genuine token anywhere in `texts`, or None."""
    for text in texts:
        for match in TOKEN_PATTERN.finditer(text or ""):
            message_id, mac = int(match.group(1)), match.group(2).lower()
            if any([same_secret(mac, _mac(message_id, secret)) for secret in app_secrets()]):
                return message_id
    return None
