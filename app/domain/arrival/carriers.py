"""Carriers: recognise one from a tracking number, name it, and link to its tracking page.

The platform's own carrier always wins: number patterns overlap (a 14-digit number is DPD
or Hermes, a 12-digit one DHL Paket, GLS or FedEx, a 22-digit one Austrian Post or FedEx
SmartPost), so a pattern only decides when exactly one carrier matches. An ambiguous number
gets no carrier and no guessed link rather than a wrong one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Carrier:
    key: str
    name: str
    # `{number}` is replaced by the URL-quoted tracking number; German pages where they exist.
    url_template: str
    patterns: tuple[str, ...]
    aliases: tuple[str, ...] = ()

    def matches(self, number: str) -> bool:
        return any(re.fullmatch(pattern, number) for pattern in self.patterns)

    def tracking_url(self, number: str) -> str:
        return self.url_template.format(number=quote(number, safe=""))


CARRIERS: tuple[Carrier, ...] = (
    Carrier("dhl", "DHL Paket",
            "https://www.dhl.de/de/privatkunden/dhl-sendungsverfolgung.html?piececode={number}",
            (r"\d{12}", r"\d{20}", r"JJD\d{16,20}"), ("dhl", "dhl paket", "dhl parcel", "dhl germany")),
    Carrier("dhl_express", "DHL Express",
            "https://www.dhl.com/de-de/home/tracking/tracking-express.html?submit=1&tracking-id={number}",
            (r"\d{10}",), ("dhl express",)),
    Carrier("deutsche_post", "Deutsche Post",
            "https://www.deutschepost.de/de/s/sendungsverfolgung.html?piececode={number}",
            (r"[A-Z]{2}\d{9}DE",), ("deutsche post", "deutsche post dhl", "dp")),
    Carrier("dpd", "DPD", "https://tracking.dpd.de/status/de_DE/parcel/{number}",
            (r"\d{14}",), ("dpd", "dpd germany", "dpd de")),
    Carrier("hermes", "Hermes",
            "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation/#{number}",
            (r"\d{14}", r"\d{16}", r"H\d{19}"), ("hermes", "hermes germany", "evri")),
    Carrier("gls", "GLS", "https://www.gls-pakete.de/sendungsverfolgung?trackingNumber={number}",
            (r"\d{11}", r"\d{12}"), ("gls", "gls germany")),
    Carrier("ups", "UPS", "https://www.ups.com/track?loc=de_DE&tracknum={number}",
            (r"1Z[0-9A-Z]{16}",), ("ups",)),
    Carrier("fedex", "FedEx", "https://www.fedex.com/fedextrack/?trknbr={number}&locale=de_DE",
            (r"\d{12}", r"\d{15}", r"96\d{20}"), ("fedex", "fed ex", "tnt")),
    Carrier("postnl", "PostNL", "https://jouw.postnl.nl/track-and-trace/{number}",
            (r"3S[0-9A-Z]{11,13}", r"[A-Z]{2}\d{9}NL"), ("postnl", "post nl")),
    Carrier("austrian_post", "Österreichische Post", "https://www.post.at/s/sendungsdetails?snr={number}",
            (r"\d{22}", r"[A-Z]{2}\d{9}AT"), ("austrian post", "austria post", "österreichische post",
                                               "post.at", "post at")),
    Carrier("swiss_post", "Die Schweizerische Post",
            "https://service.post.ch/ekp-web/ui/entry/search/{number}?lang=de",
            (r"99\d{16}", r"[A-Z]{2}\d{9}CH"), ("swiss post", "die post", "post ch", "post.ch")),
)
BY_KEY = {carrier.key: carrier for carrier in CARRIERS}
BY_ALIAS = {alias: carrier for carrier in CARRIERS for alias in (carrier.key, *carrier.aliases)}


@dataclass(frozen=True)
class CarrierMatch:
    """Which carrier a parcel travels with, and how we know."""
    carrier: Carrier | None
    name: str | None
    source: str | None  # "platform" | "detected" | None
    candidates: tuple[str, ...] = ()  # the colliding carriers when a number is ambiguous

    def tracking_url(self, number: str | None) -> str | None:
        return self.carrier.tracking_url(normalise_number(number)) if self.carrier and number else None


def normalise_number(number: str | None) -> str:
    return re.sub(r"[\s-]", "", number or "").upper()


def carrier_named(name: str | None) -> Carrier | None:
    """The known carrier behind a platform's carrier name ('DHL Express', 'dpd'), if any."""
    return BY_ALIAS.get(" ".join((name or "").lower().replace("_", " ").split()))


def detect(number: str | None) -> tuple[Carrier, ...]:
    """Every carrier whose number pattern fits; more than one means the number is ambiguous."""
    cleaned = normalise_number(number)
    return tuple(carrier for carrier in CARRIERS if cleaned and carrier.matches(cleaned))


def resolve(platform_carrier: str | None, number: str | None, *, detect_missing: bool = True) -> CarrierMatch:
    """The platform's carrier when it names one, else the one carrier the number fits."""
    if platform_carrier and platform_carrier.strip():
        known = carrier_named(platform_carrier)
        return CarrierMatch(known, known.name if known else platform_carrier.strip(), "platform")
    found = detect(number) if detect_missing else ()
    if len(found) == 1:
        return CarrierMatch(found[0], found[0].name, "detected")
    return CarrierMatch(None, None, None, tuple(c.key for c in found))
