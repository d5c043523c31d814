"""The scrubber takes every form in which an error text quotes an address, and the log filter
takes it out of a logged traceback's chained causes."""
import logging
import smtplib

import pytest

from app.observability.privacy_scrub import ScrubAddresses, scrub_addresses


@pytest.mark.parametrize("text, expected", [
    ("450 4.1.1 <buyer@example.com>: mailbox busy", "450 4.1.1 <[address]>: mailbox busy"),
    ("550 5.1.1 <buyer@example.com>... User unknown", "550 5.1.1 <[address]>... User unknown"),
    ("550 5.1.1 buyer+shop-7@example.com: no such user", "550 5.1.1 [address]: no such user"),
    ('550 5.1.1 "jane doe"@example.com rejected', "550 5.1.1 [address] rejected"),
    ('To: "Jane Doe" <jane@example.com> refused', "To: [address] refused"),
    ("550 5.1.1 <o'brien@example.com>: unknown", "550 5.1.1 <[address]>: unknown"),
    ("553 5.1.3 <käufer@bücher.de>: unknown", "553 5.1.3 <[address]>: unknown"),
    (r"b'4.1.1 <k\xc3\xa4ufer@b\xc3\xbccher.de>: busy'", "b'4.1.1 <[address]>: busy'"),
    ("550 <USER@[192.0.2.1]> unknown", "550 <[address]> unknown"),
    ("GET /lookup?email=buyer%40example.com failed", "GET /lookup?[address] failed"),
    ("{'buyer@example.com': (450, b'busy')}", "{'[address]': (450, b'busy')}"),
])
def test_every_form_of_an_address_goes(text, expected):
    assert scrub_addresses(text) == expected


def test_text_without_an_address_stays_as_it_is():
    text = "451 4.7.1 Try again later @ 10:30; a @ b"
    assert scrub_addresses(text) == text


def test_the_log_filter_scrubs_the_message_and_the_chained_cause_of_a_traceback():
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(handler.format(record))
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(ScrubAddresses())
    log = logging.getLogger("tests.address_scrub")
    log.addHandler(handler)
    try:
        try:
            try:
                raise smtplib.SMTPRecipientsRefused({"buyer@example.com": (450,
                                                                           b"4.1.1 <buyer@example.com>")})
            except smtplib.SMTPRecipientsRefused as exc:
                raise RuntimeError("send failed") from exc
        except RuntimeError:
            log.exception("mail to %s failed", "buyer@example.com")
    finally:
        log.removeHandler(handler)
    [logged] = records
    assert "mail to [address] failed" in logged and "SMTPRecipientsRefused" in logged
    assert "buyer@example.com" not in logged


def test_our_own_message_ids_stay_but_a_buyer_shaped_like_one_goes():
    kept = "mail sent message-id=<sm-42.7@app.example.test>"
    assert scrub_addresses(kept) == kept
    assert scrub_addresses("550 <sm-jane@example.com> unknown") == "550 <[address]> unknown"
