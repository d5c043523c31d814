"""Carrier detection from tracking numbers, names, and tracking links."""
import pytest

from app.domain.arrival.carriers import carrier_named, detect, resolve


@pytest.mark.parametrize("number, expected", [
    ("00340434161094042557", "dhl"),          # DHL Paket, 20 digits
    ("JJD000390007123456789", "dhl"),         # DHL Paket, JJD
    ("1234567890", "dhl_express"),            # DHL Express, 10 digits
    ("RR123456789DE", "deutsche_post"),       # Einschreiben / Warenpost
    ("1234567890123456", "hermes"),           # Hermes, 16 digits
    ("H1234567890123456789", "hermes"),       # Hermes, new format
    ("12345678901", "gls"),                   # GLS, 11 digits
    ("1Z999AA10123456784", "ups"),
    ("1z 999 aa1 0123456784", "ups"),         # spaces and case do not matter
    ("123456789012345", "fedex"),             # FedEx, 15 digits
    ("3SABCD1234567", "postnl"),
    ("CX123456789NL", "postnl"),
    ("1000123456789012345678", "austrian_post"),
    ("RR123456789AT", "austrian_post"),
    ("991234567812345678", "swiss_post"),
])
def test_a_number_that_fits_one_carrier_is_detected(number, expected):
    assert [c.key for c in detect(number)] == [expected]
    match = resolve(None, number)
    assert (match.carrier.key, match.source) == (expected, "detected")


@pytest.mark.parametrize("number, colliding", [
    ("01234567890123", {"dpd", "hermes"}),            # 14 digits: DPD or Hermes
    ("123456789012", {"dhl", "gls", "fedex"}),       # 12 digits: DHL Paket, GLS or FedEx
    ("9612345678901234567890", {"austrian_post", "fedex"}),
])
def test_colliding_patterns_name_no_carrier_and_build_no_link(number, colliding):
    match = resolve(None, number)
    assert match.carrier is None and match.name is None
    assert set(match.candidates) == colliding
    assert match.tracking_url(number) is None


@pytest.mark.parametrize("platform_name, number, key", [
    ("DPD", "01234567890123", "dpd"),          # the platform settles a collision
    ("Hermes", "01234567890123", "hermes"),
    ("DHL Express", "00340434161094042557", "dhl_express"),  # and beats any pattern
    ("Österreichische Post", "RR123456789AT", "austrian_post"),
])
def test_the_platform_carrier_wins(platform_name, number, key):
    match = resolve(platform_name, number)
    assert (match.carrier.key, match.source) == (key, "platform")


def test_an_unknown_platform_carrier_keeps_its_name_without_a_guessed_link():
    match = resolve("Sendle", "00340434161094042557")
    assert (match.name, match.source, match.carrier) == ("Sendle", "platform", None)
    assert match.tracking_url("00340434161094042557") is None


def test_nothing_is_guessed_when_detection_is_off_or_the_number_is_unknown():
    assert resolve(None, "00340434161094042557", detect_missing=False).carrier is None
    assert resolve(None, "NOT-A-NUMBER").carrier is None
    assert resolve(None, None).carrier is None


@pytest.mark.parametrize("key, number, url", [
    ("dhl", "00340434161094042557",
     "https://www.dhl.de/de/privatkunden/dhl-sendungsverfolgung.html?piececode=00340434161094042557"),
    ("dpd", "01234567890123", "https://tracking.dpd.de/status/de_DE/parcel/01234567890123"),
    ("ups", "1Z999AA10123456784", "https://www.ups.com/track?loc=de_DE&tracknum=1Z999AA10123456784"),
    ("gls", "12345678901", "https://www.gls-pakete.de/sendungsverfolgung?trackingNumber=12345678901"),
])
def test_tracking_links_use_the_german_pages(key, number, url):
    assert resolve(key, number).tracking_url(number) == url


def test_carrier_names_are_matched_loosely():
    assert carrier_named("  dhl   EXPRESS ").key == "dhl_express"
    assert carrier_named("swiss_post").key == "swiss_post"
    assert carrier_named("Pigeon Post") is None
