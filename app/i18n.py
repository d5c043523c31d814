"""Buyer-facing wording in German and English, and the choice of the buyer's language."""
from __future__ import annotations

from datetime import date

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
        "edd.title": "Voraussichtliche Zustellung",
        "edd.range": "{start} bis {end}",
        "edd.source.carrier": "Angabe des Versanddienstleisters",
        "edd.source.tracking": "Laut Sendungsverfolgung ist Ihr Paket heute in Zustellung",
        "edd.today": "Heute",
        "lookup.title": "Bestellung verfolgen",
        "lookup.intro": "Geben Sie Ihre Bestellnummer und die E-Mail-Adresse ein, mit der Sie bestellt haben.",
        "lookup.number": "Bestellnummer",
        "lookup.email": "E-Mail-Adresse",
        "lookup.submit": "Bestellung anzeigen",
        "lookup.incomplete": "Bitte geben Sie Bestellnummer und E-Mail-Adresse an.",
        "lookup.not_found": "Wir finden keine Bestellung mit diesen Angaben. Bitte prüfen Sie beide Eingaben.",
        "lookup.too_many": "Zu viele Versuche. Bitte versuchen Sie es in einigen Minuten erneut.",
        "edd.source.platform": "Angabe des Shopsystems",
        "edd.source.merchant": "Schätzung des Shops aus üblicher Bearbeitungs- und Laufzeit",
        "edd.late.title": "Ihre Lieferung verspätet sich",
        "edd.late.text": "Das tut uns leid: Ihre Bestellung braucht länger als angekündigt. Wir behalten sie im Blick, und hier sehen Sie jeden neuen Stand. Bei Fragen antworten Sie einfach auf Ihre Bestellbestätigung.",
        "reorder.title": "Noch einmal bestellen",
        "reorder.text": "Legt die Artikel dieser Bestellung erneut in den Warenkorb. Sie prüfen alles, bevor Sie bestellen.",
        "reorder.cta": "In den Warenkorb",
        "review.title": "Wie war Ihr Einkauf?",
        "review.text": "Ihre ehrliche Meinung hilft uns und anderen Kundinnen und Kunden, ob lobend oder kritisch.",
        "review.cta": "Bewertung schreiben",
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
        "edd.title": "Estimated delivery",
        "edd.range": "{start} to {end}",
        "edd.source.carrier": "Estimate from the carrier",
        "edd.source.tracking": "Tracking says your parcel is out for delivery today",
        "edd.today": "Today",
        "lookup.title": "Track your order",
        "lookup.intro": "Enter your order number and the e-mail address you ordered with.",
        "lookup.number": "Order number",
        "lookup.email": "E-mail address",
        "lookup.submit": "Show my order",
        "lookup.incomplete": "Please enter your order number and e-mail address.",
        "lookup.not_found": "We cannot find an order with these details. Please check both.",
        "lookup.too_many": "Too many attempts. Please try again in a few minutes.",
        "edd.source.platform": "Estimate from the shop platform",
        "edd.source.merchant": "The shop's estimate from usual handling and transit times",
        "edd.late.title": "Your delivery is running late",
        "edd.late.text": "We are sorry: your order is taking longer than we said. We are keeping an eye on it, and every update shows here. If you have questions, simply reply to your order confirmation.",
        "reorder.title": "Buy again",
        "reorder.text": "Puts the items of this order back into your cart. You check everything before you order.",
        "reorder.cta": "Add to cart",
        "review.title": "How was your purchase?",
        "review.text": "Your honest opinion helps us and other shoppers, whether it is praise or criticism.",
        "review.cta": "Write a review",
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


WEEKDAYS = {"de": ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."),
            "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_day(locale: str, day: date) -> str:
    """A short weekday and date: 'Di., 29.12.' or 'Tue 29 Dec'."""
    weekday = WEEKDAYS.get(locale, WEEKDAYS["en"])[day.weekday()]
    if locale == "de":
        return f"{weekday}, {day.day:02d}.{day.month:02d}."
    return f"{weekday} {day.day} {MONTHS_EN[day.month - 1]}"


def format_day_range(locale: str, start: date, end: date) -> str:
    if start == end:
        return format_day(locale, start)
    return translate(locale, "edd.range", start=format_day(locale, start), end=format_day(locale, end))


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
