"""Render a scheduled message into a MIME mail (text + HTML) from the shared presenter."""
from __future__ import annotations

from email.utils import formatdate, parseaddr
from functools import lru_cache
from urllib.parse import urlsplit

import css_inline
from flask import current_app

from app.domain.followups.mail_kinds import MARKETING
from app.i18n import translate
from app.links.bounce_addresses import REF_HEADER, feedback_token
from app.links.tracking_page import tracking_url
from app.links.unsubscribe import list_id, unsubscribe_url
from app.mail.kind_context import kind_context
from app.mail.mime import OutgoingMail, mailbox
from app.mail.own_sender import from_own_domain
from app.presenters import order_status
from app.read_model.views import MessageView

# What the mail templates read of the presenter's modules (the order and shop facts come
# always): the parcel a parcel-bound kind is about.
MAIL_MODULES = frozenset({"tracking"})


def message_id_for(message: MessageView) -> str:
    """The same Message-ID on every attempt, so a resend is recognisable as a duplicate."""
    host = urlsplit(current_app.config["APP_URL"]).hostname or "localhost"
    return f"<sm-{message.id}.{message.shop_id}@{host}>"


def render_message(message: MessageView) -> OutgoingMail:
    """The mail for a message's view: a stored one (app/read_model/loads.py) or an admin
    preview's sample (app/domain/orders/sample_orders.py), which carries no feedback reference."""
    order, customer = message.order, message.customer
    if customer is None or not customer.email:  # the re-check skips such a message first
        raise ValueError(f"message {message.id} has no recipient")
    facts = order_status(order, customer.locale, modules=MAIL_MODULES)
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
    subject, text, html = _render_parts(f"email/{message.kind}", context)
    sender_name, sender_addr = _sender(current_app.config["MAIL_FROM"])
    headers = [
        ("From", mailbox(sender_display_name(order.shop.name) or sender_name, sender_addr)),
        ("To", customer.email),
        ("Subject", subject), ("Date", formatdate(usegmt=True)), ("Message-ID", message_id_for(message)),
        ("Content-Language", lang),
    ]
    support = order.shop.support_email
    if support:  # a buyer's answer reaches the shop, not our sending address
        headers.insert(2, ("Reply-To", mailbox(sender_display_name(order.shop.name), support)))
    if not message.sample:  # comes back quoted in bounces and complaints (app/links/bounce_addresses.py)
        headers.append((REF_HEADER, feedback_token(message.id)))
    if marketing:
        # RFC 8058 one-click: mailbox providers POST to the link; GET only shows a page.
        headers += [("List-Unsubscribe", f"<{unsubscribe}>"),
                    ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"), ("List-Id", list_id(message))]
    mail = OutgoingMail(sender=sender_addr, recipient=customer.email, headers=headers, text=text, html=html)
    # The shop's own verified sender domain, if any: its From and DKIM signature (app/mail/own_sender.py).
    return from_own_domain(mail, order.shop, sender_display_name(order.shop.name) or sender_name)


def _render_parts(base: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML (CSS inlined) of one kind, with the app's context processors
    run once for the three, as render_template would run them for each."""
    current_app.update_template_context(context)
    subject, text, html = (current_app.jinja_env.get_template(f"{base}/{name}").render(context)
                           for name in ("subject.txt", "body.txt", "body.html"))
    return subject.strip(), text, css_inline.inline(html)


@lru_cache(maxsize=8)
def _sender(mail_from: str) -> tuple[str, str]:
    return parseaddr(mail_from)


# What makes a display name read as an address: "PayPal <service@paypal.com>" would show a
# reader that address before ours. The merchant's name stays, the address part cannot.
ADDRESS_MARKS = str.maketrans("", "", "<>@\uff20\ufe6b\uff1c\uff1e")


def sender_display_name(shop_name: str | None) -> str:
    """The shop's name as the From display name: the address is ours (MAIL_FROM) unless the
    shop's own sender domain checks out (app/mail/own_sender.py)."""
    return " ".join((shop_name or "").translate(ADDRESS_MARKS).split())


def _parcel_of(facts: dict, message: MessageView) -> dict | None:
    """Parcel-bound kinds use the sequence as the shipment id."""
    for parcel in facts["modules"].get("tracking", {}).get("parcels", []):
        if parcel["id"] == message.sequence:
            return parcel
    return None
