"""Buyer-facing wording in German and English, and the choice of the buyer's language."""
from __future__ import annotations

SUPPORTED = ("de", "en")

CATALOGUE: dict[str, dict[str, str]] = {
    "de": {
        "order.placed": "Bestellung eingegangen",
        "order.processing": "In Bearbeitung",
        "order.partially_shipped": "Teilweise versandt",
        "order.shipped": "Versandt",
        "order.out_for_delivery": "In Zustellung",
        "order.delivered": "Zugestellt",
        "order.cancelled": "Storniert",
        "order.refunded": "Erstattet",
        "order.returned": "Zurückgesendet",
        "order.needs_attention": "Bitte beachten",
        "parcel.pending": "Wird vorbereitet",
        "parcel.info_received": "Versandetikett erstellt",
        "parcel.in_transit": "Unterwegs",
        "parcel.out_for_delivery": "In Zustellung",
        "parcel.available_for_pickup": "Zur Abholung bereit",
        "parcel.attempt_failed": "Zustellversuch gescheitert",
        "parcel.delayed": "Verzögert",
        "parcel.exception": "Problem bei der Zustellung",
        "parcel.delivered": "Zugestellt",
        "parcel.returning": "Auf dem Rückweg",
        "parcel.returned": "Zurückgesendet",
        "parcel.cancelled": "Storniert",
        "parcel.unknown": "Status unbekannt",
        "block.title": "Ihre Bestellung {name}",
        "block.parcel": "Paket {n}",
        "block.tracking_number": "Sendungsnummer",
        "block.track": "Sendung verfolgen",
        "block.no_parcels": "Ihre Bestellung wird vorbereitet. Sobald sie unterwegs ist, sehen Sie hier die Sendungsverfolgung.",
        "mail.shipped.subject": "Ihre Bestellung {name} ist unterwegs",
        "mail.shipped.intro": "gute Nachricht: Ein Paket Ihrer Bestellung {name} ist auf dem Weg zu Ihnen.",
        "mail.greeting": "Hallo",
        "mail.carrier": "Versanddienstleister",
        "mail.status_page": "Status Ihrer Bestellung ansehen",
        "mail.footer_transactional": "Diese E-Mail informiert Sie über Ihre Bestellung und enthält keine Werbung.",
        "mail.review_request.subject": "Wie gefällt Ihnen Ihre Bestellung {name}?",
        "mail.review_request.intro": "Ihre Bestellung {name} ist vor einigen Tagen angekommen. Wir freuen uns über Ihre ehrliche Meinung – ob positiv oder kritisch.",
        "mail.review_request.button": "Bewertung schreiben",
        "mail.review_request.once": "Wir fragen nur dieses eine Mal.",
        "mail.objection_notice": "Sie können der Verwendung Ihrer E-Mail-Adresse für Werbung jederzeit widersprechen, ohne dass andere als die Übermittlungskosten nach den Basistarifen entstehen.",
        "mail.unsubscribe": "Abmelden",
        "unsubscribe.title": "E-Mails von {shop} abbestellen",
        "unsubscribe.question": "Möchten Sie keine Werbe-E-Mails (z. B. Bewertungsanfragen) von {shop} mehr erhalten? Nachrichten zu Ihren Bestellungen bekommen Sie weiterhin.",
        "unsubscribe.button": "Abmelden",
        "unsubscribe.done": "Sie sind abgemeldet. Sie erhalten keine Werbe-E-Mails von {shop} mehr.",
    },
    "en": {
        "order.placed": "Order received",
        "order.processing": "Processing",
        "order.partially_shipped": "Partly shipped",
        "order.shipped": "Shipped",
        "order.out_for_delivery": "Out for delivery",
        "order.delivered": "Delivered",
        "order.cancelled": "Cancelled",
        "order.refunded": "Refunded",
        "order.returned": "Returned",
        "order.needs_attention": "Needs attention",
        "parcel.pending": "Being prepared",
        "parcel.info_received": "Label created",
        "parcel.in_transit": "On its way",
        "parcel.out_for_delivery": "Out for delivery",
        "parcel.available_for_pickup": "Ready for pickup",
        "parcel.attempt_failed": "Delivery attempt failed",
        "parcel.delayed": "Delayed",
        "parcel.exception": "Delivery problem",
        "parcel.delivered": "Delivered",
        "parcel.returning": "On its way back",
        "parcel.returned": "Returned",
        "parcel.cancelled": "Cancelled",
        "parcel.unknown": "Status unknown",
        "block.title": "Your order {name}",
        "block.parcel": "Parcel {n}",
        "block.tracking_number": "Tracking number",
        "block.track": "Track parcel",
        "block.no_parcels": "Your order is being prepared. Tracking shows here once it is on its way.",
        "mail.shipped.subject": "Your order {name} is on its way",
        "mail.shipped.intro": "good news: a parcel of your order {name} is on its way to you.",
        "mail.greeting": "Hello",
        "mail.carrier": "Carrier",
        "mail.status_page": "See your order status",
        "mail.footer_transactional": "This email is about your order and contains no advertising.",
        "mail.review_request.subject": "How do you like your order {name}?",
        "mail.review_request.intro": "Your order {name} arrived a few days ago. We would value your honest opinion, whether good or critical.",
        "mail.review_request.button": "Write a review",
        "mail.review_request.once": "We ask only this once.",
        "mail.objection_notice": "You may object to the use of your email address for advertising at any time, at no cost other than basic transmission rates.",
        "mail.unsubscribe": "Unsubscribe",
        "unsubscribe.title": "Unsubscribe from {shop} emails",
        "unsubscribe.question": "Stop marketing emails (such as review requests) from {shop}? You will still get messages about your orders.",
        "unsubscribe.button": "Unsubscribe",
        "unsubscribe.done": "You are unsubscribed. You will get no more marketing emails from {shop}.",
    },
}


def pick_locale(*candidates: str | None) -> str:
    """The first supported language among the candidates ('de-AT' counts as 'de')."""
    for candidate in candidates:
        if candidate:
            base = candidate.replace("_", "-").split("-")[0].lower()
            if base in SUPPORTED:
                return base
    return "en"


def translate(locale: str, key: str, **values) -> str:
    text = CATALOGUE.get(locale, CATALOGUE["en"]).get(key) or CATALOGUE["en"].get(key, key)
    return text.format(**values) if values else text


def catalogue_for(locale: str) -> dict[str, str]:
    """All strings of one language, English filling any gap."""
    return {**CATALOGUE["en"], **CATALOGUE.get(locale, {})}
