"""Render a scheduled message into a MIME mail (text + HTML) from the shared presenter."""
from __future__ import annotations

from email.utils import formatdate, parseaddr
from functools import cache
from urllib.parse import urlsplit

import css_inline
from flask import current_app, render_template
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.bounce_addresses import REF_HEADER, feedback_token
from app.domain.mail_kinds import MARKETING
from app.extensions import db
from app.i18n import translate
from app.mail.kind_context import kind_context
from app.mail.mime import OutgoingMail, mailbox
from app.models import Order, ScheduledMessage
from app.presenters import load_for_presenting, load_modules, order_status, presenting_loads
from app.tracking_links import tracking_url
from app.unsubscribe_links import list_id, unsubscribe_url


def message_id_for(message: ScheduledMessage) -> str:
    """The same Message-ID on every attempt, so a resend is recognisable as a duplicate."""
    host = urlsplit(current_app.config["APP_URL"]).hostname or "localhost"
    return f"<sm-{message.id}.{message.shop_id}@{host}>"


@cache
def _message_query():
    return (select(ScheduledMessage).where(ScheduledMessage.id == bindparam("message_id"))
            .options(joinedload(ScheduledMessage.customer),
                     joinedload(ScheduledMessage.order).options(*presenting_loads(), joinedload(Order.refunds)))
            .execution_options(populate_existing=True))


def load_for_sending(session, message_id: int) -> ScheduledMessage | None:
    """The message with all that its re-check before sending and its rendering read, in two
    queries; pass `message.order` on to render_message then."""
    message = session.scalars(_message_query(), {"message_id": message_id}).unique().first()
    if message is not None:
        load_modules(session, message.order.shop)
    return message


def render_message(message: ScheduledMessage, order: Order | None = None) -> OutgoingMail:
    """The mail for a stored message, or for an admin preview's sample message, whose order
    lives only in memory. `order`: the message's order as load_for_sending() loaded it;
    without it a stored message's order is loaded here (two queries)."""
    stored = isinstance(message, ScheduledMessage)
    if order is None:
        order = load_for_presenting(db.session, message.order_id) if stored else message.order
    facts = order_status(order, message.customer.locale if message.customer else None)
    lang = facts["locale"]
    parcel = _parcel_of(facts, message)
    marketing = message.stream == MARKETING
    extra = kind_context(message, lang)
    # A transactional notice carrying a voucher is a mixed mail: it gets the objection notice.
    advertising = marketing or extra["voucher"] is not None
    unsubscribe = unsubscribe_url(message) if advertising else None
    status_url = tracking_url(order)
    context = {
        "facts": facts, "parcel": parcel, "status_url": status_url,
        "t": lambda key, **kw: translate(lang, key, **kw), "shop": order.shop,
        "stream": message.stream, "unsubscribe_url": unsubscribe, "advertising": advertising,
        "review_url": status_url, **extra,
    }
    base = f"email/{message.kind}"
    subject = render_template(f"{base}/subject.txt", **context).strip()
    text = render_template(f"{base}/body.txt", **context)
    html = css_inline.inline(render_template(f"{base}/body.html", **context))

    sender_name, sender_addr = parseaddr(current_app.config["MAIL_FROM"])
    headers = [
        ("From", mailbox(order.shop.name or sender_name, sender_addr)), ("To", message.customer.email),
        ("Subject", subject), ("Date", formatdate(usegmt=True)), ("Message-ID", message_id_for(message)),
        ("Content-Language", lang),
    ]
    if stored:  # comes back quoted in bounces and complaints (app/bounce_addresses.py)
        headers.append((REF_HEADER, feedback_token(message.id)))
    if marketing:
        # RFC 8058 one-click: mailbox providers POST to the link; GET only shows a page.
        headers += [("List-Unsubscribe", f"<{unsubscribe}>"),
                    ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"), ("List-Id", list_id(message))]
    return OutgoingMail(sender=sender_addr, recipient=message.customer.email, headers=headers, text=text, html=html)


def _parcel_of(facts: dict, message: ScheduledMessage) -> dict | None:
    """Parcel-bound kinds use the sequence as the shipment id."""
    for parcel in facts["modules"].get("tracking", {}).get("parcels", []):
        if parcel["id"] == message.sequence:
            return parcel
    return None
