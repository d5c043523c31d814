"""`/test-address/<token>`: the link mailed to an address a merchant added for test mails.

GET only asks (mail scanners and link previews fetch links in mails), the button POSTs, and
only that confirms the address. Public: whoever reads that mailbox may answer, signed in to
the admin or not; the signed token (app/links/test_address.py) is the whole permission.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, render_template, request

from app.domain.privacy.test_recipients import confirm, confirmable
from app.extensions import db
from app.links.test_address import LinkExpired, read_confirm_token
from app.mail.test_address_confirmation import shop_label
from app.rate_limits import allow, client_address

bp = Blueprint("test_address_confirm", __name__)
PER_ADDRESS = (30, 60)
# The token is in the path: no Referer carries it on, no cache keeps the page.
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
REFUSALS = {
    "expired": (410, "This link has expired. Ask for a new one in the app's admin: add the address again "
                     "under Previews & test send."),
    "invalid": (404, "This link is not valid (any more): the address was removed, a newer link was sent, "
                     "or the link was cut off. Ask for a new one in the app's admin."),
}


def _page(status: int, state: str, message: str, shop=None, address: str = ""):
    html = render_template("test_address/confirm.html", state=state, message=message, address=address,
                           shop_label=shop_label(shop) if shop else "", action=request.path)
    return html, status, HEADERS


def _found(token: str):
    """((shop, recipient), None), or (None, the refusal page)."""
    try:
        target = read_confirm_token(token)
    except LinkExpired:
        return None, _refused("expired")
    found = confirmable(db.session(), target) if target else None
    return (found, None) if found else (None, _refused("invalid"))


def _refused(state: str):
    status, message = REFUSALS[state]
    return _page(status, state, message)


@bp.get("/test-address/<token>")
def ask(token: str):
    """Say which shop asks for which address; nothing changes yet."""
    found, refusal = _found(token)
    if refusal:
        return refusal
    shop, recipient = found
    if recipient.confirmed_at is not None:
        return _page(200, "confirmed", "This address is confirmed for test mails.", shop, recipient.address)
    return _page(200, "ask", f"The admin of {shop_label(shop)} asks to send test mails to this address.",
                 shop, recipient.address)


@bp.post("/test-address/<token>")
def confirm_address(token: str):
    """Confirm the address: from now on the shop's test sends may go to it."""
    if not allow("test-address-ip", client_address(request), *PER_ADDRESS):
        return "Too many requests; try again in a minute.", 429, {"Retry-After": str(PER_ADDRESS[1]),
                                                                  **HEADERS}
    found, refusal = _found(token)
    if refusal:
        return refusal
    shop, recipient = found
    confirm(recipient, datetime.now(timezone.utc))
    db.session.commit()
    return _page(200, "confirmed", f"Confirmed: {shop_label(shop)} may now send test mails to this address.",
                 shop, recipient.address)
