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
        "mail.shop_button": "Zum Shop",
        "mail.voucher": "Ihr Gutscheincode für die nächste Bestellung:",
        "mail.out_for_delivery.subject": "Ihr Paket zur Bestellung {name} kommt heute",
        "mail.out_for_delivery.intro": "ein Paket Ihrer Bestellung {name} ist heute in der Zustellung.",
        "mail.ready_for_pickup.subject": "Ihr Paket zur Bestellung {name} liegt zur Abholung bereit",
        "mail.ready_for_pickup.intro": "ein Paket Ihrer Bestellung {name} wartet an der Abholstelle auf Sie. Bitte holen Sie es innerhalb der Lagerfrist ab.",
        "mail.delivered.subject": "Ihre Bestellung {name} wurde zugestellt",
        "mail.delivered.intro": "ein Paket Ihrer Bestellung {name} wurde zugestellt.",
        "mail.delivered.help": "Ist etwas nicht angekommen oder beschädigt? Antworten Sie einfach auf diese E-Mail.",
        "mail.delayed.subject": "Ihre Bestellung {name} verzögert sich",
        "mail.delayed.intro": "ein Paket Ihrer Bestellung {name} braucht länger als erwartet.",
        "mail.delayed.apology": "Das tut uns leid. Wir behalten die Sendung im Blick; den aktuellen Stand sehen Sie jederzeit auf der Statusseite.",
        "mail.delayed.voucher": "Als kleine Entschuldigung schenken wir Ihnen einen Gutschein für Ihre nächste Bestellung:",
        "mail.return_received.subject": "Ihre Rücksendung zur Bestellung {name} ist angekommen",
        "mail.return_received.intro": "Ihre Rücksendung zur Bestellung {name} ist bei uns eingegangen. Danke!",
        "mail.refund_issued.subject": "Erstattung zu Ihrer Bestellung {name}",
        "mail.refund_issued.intro": "wir haben eine Erstattung zu Ihrer Bestellung {name} veranlasst.",
        "mail.refund.amount": "Erstattungsbetrag: {amount}",
        "mail.refund.note": "Je nach Zahlungsart dauert es einige Tage, bis der Betrag bei Ihnen sichtbar ist.",
        "mail.review_reminder.subject": "Noch ein kurzer Gedanke zu Ihrer Bestellung {name}?",
        "mail.review_reminder.intro": "vor einigen Tagen haben wir Sie nach Ihrer Meinung gefragt. Wenn Sie Zeit haben, freuen wir uns über Ihre ehrliche Bewertung – ob positiv oder kritisch.",
        "mail.review_reminder.last": "Dies ist unsere einzige Erinnerung.",
        "mail.thank_you.subject": "Danke für Ihren Einkauf bei {shop}",
        "mail.thank_you.intro": "Ihre Bestellung {name} ist angekommen – danke, dass Sie bei uns eingekauft haben.",
        "mail.how_to.subject": "Tipps zu Ihrer Bestellung {name}",
        "mail.how_to.intro": "damit Sie lange Freude an Ihrem Einkauf haben, hier einige Hinweise zu Pflege und Gebrauch.",
        "mail.nps.subject": "Würden Sie {shop} weiterempfehlen?",
        "mail.nps.intro": "Ihre Bestellung {name} ist angekommen. Eine kurze Frage dazu:",
        "mail.nps.question": "Wie wahrscheinlich ist es, dass Sie {shop} Freunden oder Kollegen empfehlen?",
        "mail.nps.scale": "0 = sehr unwahrscheinlich, 10 = sehr wahrscheinlich",
        "mail.nps.voucher": "Danke für Ihre Antwort, wie auch immer sie ausfällt. Ihr Gutscheincode:",
        "mail.replenishment.subject": "Bald Nachschub nötig?",
        "mail.replenishment.intro": "{product} aus Ihrer Bestellung {name} geht vermutlich bald zur Neige. Möchten Sie rechtzeitig nachbestellen?",
        "mail.replenishment.button": "Nachbestellen",
        "mail.anniversary.subject": "Ein Jahr mit Ihrer Bestellung {name}",
        "mail.anniversary.intro": "vor einem Jahr ist Ihre Bestellung {name} bei Ihnen angekommen. Wir hoffen, sie macht Ihnen noch immer Freude.",
        "mail.win_back.subject": "Lange nicht gesehen: Neues bei {shop}",
        "mail.win_back.intro": "Ihre letzte Bestellung bei {shop} ist eine Weile her. Schauen Sie gern wieder vorbei – es gibt Neues zu entdecken.",
        "mail.referral.subject": "Empfehlen Sie {shop} weiter",
        "mail.referral.intro": "Sie sind zufrieden mit Ihrer Bestellung {name}? Dann teilen Sie {shop} gern mit Menschen, denen es auch gefallen könnte.",
        "mail.referral.button": "Shop teilen",
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
        "mail.shop_button": "Visit the shop",
        "mail.voucher": "Your voucher code for your next order:",
        "mail.out_for_delivery.subject": "Your parcel for order {name} arrives today",
        "mail.out_for_delivery.intro": "a parcel of your order {name} is out for delivery today.",
        "mail.ready_for_pickup.subject": "Your parcel for order {name} is ready for pickup",
        "mail.ready_for_pickup.intro": "a parcel of your order {name} is waiting for you at the pickup point. Please collect it before the holding period ends.",
        "mail.delivered.subject": "Your order {name} was delivered",
        "mail.delivered.intro": "a parcel of your order {name} was delivered.",
        "mail.delivered.help": "Anything missing or damaged? Simply reply to this email.",
        "mail.delayed.subject": "Your order {name} is delayed",
        "mail.delayed.intro": "a parcel of your order {name} is taking longer than expected.",
        "mail.delayed.apology": "We are sorry. We are keeping an eye on it; the status page always shows the latest news.",
        "mail.delayed.voucher": "As a small apology, here is a voucher for your next order:",
        "mail.return_received.subject": "Your return for order {name} has arrived",
        "mail.return_received.intro": "your return for order {name} has reached us. Thank you!",
        "mail.refund_issued.subject": "Refund for your order {name}",
        "mail.refund_issued.intro": "we have issued a refund for your order {name}.",
        "mail.refund.amount": "Refund amount: {amount}",
        "mail.refund.note": "Depending on your payment method it takes a few days until you see the amount.",
        "mail.review_reminder.subject": "A quick thought on your order {name}?",
        "mail.review_reminder.intro": "a few days ago we asked for your opinion. If you have a moment, we would value your honest review, whether good or critical.",
        "mail.review_reminder.last": "This is our only reminder.",
        "mail.thank_you.subject": "Thank you for shopping at {shop}",
        "mail.thank_you.intro": "your order {name} has arrived. Thank you for shopping with us.",
        "mail.how_to.subject": "Tips for your order {name}",
        "mail.how_to.intro": "to enjoy your purchase for a long time, here is some advice on care and use.",
        "mail.nps.subject": "Would you recommend {shop}?",
        "mail.nps.intro": "your order {name} has arrived. One quick question:",
        "mail.nps.question": "How likely are you to recommend {shop} to a friend or colleague?",
        "mail.nps.scale": "0 = not at all likely, 10 = extremely likely",
        "mail.nps.voucher": "Thank you for your answer, whatever it is. Your voucher code:",
        "mail.replenishment.subject": "Running low?",
        "mail.replenishment.intro": "{product} from your order {name} may run out soon. Would you like to reorder in time?",
        "mail.replenishment.button": "Reorder",
        "mail.anniversary.subject": "One year with your order {name}",
        "mail.anniversary.intro": "a year ago your order {name} arrived. We hope you still enjoy it.",
        "mail.win_back.subject": "It has been a while: what’s new at {shop}",
        "mail.win_back.intro": "your last order at {shop} was a while ago. Come and have a look: there is something new to discover.",
        "mail.referral.subject": "Recommend {shop}",
        "mail.referral.intro": "happy with your order {name}? Then share {shop} with people who might like it too.",
        "mail.referral.button": "Share the shop",
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
