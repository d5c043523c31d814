"""The mail asking an address's owner whether a shop may send test mails to it.

It goes out under the app's own name and address (MAIL_FROM), never the shop's chosen
name, and names the shop by its platform domain: nothing in it is the merchant's text,
so it cannot be used to carry a message of theirs to a stranger.
"""
from __future__ import annotations

from email.utils import formatdate, parseaddr
from urllib.parse import urlsplit

from flask import current_app
from markupsafe import escape

from app.links.test_address import MAX_AGE_SECONDS
from app.mail.mime import OutgoingMail, mailbox


def shop_label(shop) -> str:
    """The shop as its platform knows it: the myshopify.com domain or the store's host."""
    if "://" in shop.domain:
        return urlsplit(shop.domain).hostname or shop.domain
    return shop.domain


def confirmation_mail(shop, recipient, url: str) -> OutgoingMail:
    name, address = parseaddr(current_app.config["MAIL_FROM"])
    host = urlsplit(current_app.config["APP_URL"]).hostname or "localhost"
    label, hours = shop_label(shop), MAX_AGE_SECONDS // 3600
    lines = (
        f"The admin of the shop {label} asked to send test mails (sample order notices) to "
        f"{recipient.address} through Aftersales.",
        f"If that was you, confirm within {hours} hours:",
        url,
        "If not, ignore this mail: nothing will be sent to this address, and the link expires.",
    )
    text = "\n\n".join(lines) + "\n"
    html = ("<!doctype html><html lang=\"en\"><body style=\"font-family:Helvetica,Arial,sans-serif\">"
            f"<p>{escape(lines[0])}</p><p>{escape(lines[1])}</p>"
            f"<p><a href=\"{escape(url)}\">Confirm test mails to {escape(recipient.address)}</a></p>"
            f"<p>{escape(lines[3])}</p></body></html>")
    message_id = f"<test-address-{recipient.id}.{int(recipient.created_at.timestamp())}@{host}>"
    headers = [
        ("From", mailbox(name or "Aftersales", address)), ("To", recipient.address),
        ("Subject", f"Confirm test mails from {label}"), ("Date", formatdate(usegmt=True)),
        ("Message-ID", message_id), ("Auto-Submitted", "auto-generated"), ("Content-Language", "en"),
    ]
    return OutgoingMail(sender=address, recipient=recipient.address, headers=headers, text=text, html=html)
