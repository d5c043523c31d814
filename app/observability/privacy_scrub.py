"""Error texts without e-mail addresses: what is stored, logged or left in RQ's failed registry.

SMTP replies quote the recipient (`450 4.1.1 <buyer@example.com>: mailbox busy`), and so do
the exceptions smtplib raises from them; an error text is kept on the row (last_error,
error), written to the log and, when a job raises, kept by RQ with its traceback. Every
such text goes through `scrub_addresses` first, and a job raises `address_free(exc)` in
place of an exception whose text or chained cause may quote one.

An address is replaced whole by ADDRESS_PLACEHOLDER: in angle brackets or bare, with a
quoted local part (`"jane doe"@example.com`) and the quoted display name before it,
plus-addressed, internationalised (`käufer@bücher.de`, also as Python's `\\xc3\\xa4` escapes
of a bytes repr), with a domain literal, or URL-encoded (`%40`).
"""
from __future__ import annotations

import logging
import re

ADDRESS_PLACEHOLDER = "[address]"

_QUOTED = r'"(?:[^"\\\r\n]|\\.)*"'
# A character of an unquoted local part or of a domain: anything but space and the
# delimiters around addresses in replies, headers, URLs and reprs (`?&/{}|` are allowed in a
# local part but in no buyer's: excluding them keeps a URL's path and a repr's `{'` out of the match).
# Non-ASCII counts (IDN, EAI).
_CHAR = r"[^\s<>()\[\]\",;:@'?&/{}|]"
# A local part may hold an apostrophe (o'brien@…), never start with one ('buyer@…' in a repr).
_LOCAL = rf"(?:{_QUOTED}|{_CHAR}(?:{_CHAR}|')*)"
_DOMAIN = rf"(?:\[[^\]\s]*\]|{_CHAR}+)"
ADDRESS = re.compile(rf"(?:{_QUOTED}\s*<{_LOCAL}(?:@|%40){_DOMAIN}>|{_LOCAL}(?:@|%40){_DOMAIN})")


# Our own Message-IDs (`<sm-<message id>.<shop id>@host>`, app/mail/render.py) look like
# addresses but name a mail, not a person; operators follow a mail through the logs by them.
OUR_MESSAGE_ID = re.compile(r"sm-\d+\.\d+@[^\s<>@]+")


def scrub_addresses(text: str) -> str:
    """`text` with every e-mail address in it replaced by ADDRESS_PLACEHOLDER."""
    return ADDRESS.sub(lambda m: m[0] if OUR_MESSAGE_ID.fullmatch(m[0]) else ADDRESS_PLACEHOLDER, text)


class AddressFreeError(Exception):
    """Stands in for an exception whose text may quote an address: the original type's name
    and text, scrubbed; its traceback; no chained cause (see `address_free`)."""


def address_free(exc: BaseException) -> AddressFreeError:
    """What a job raises instead of `exc`: `raise address_free(exc) from None`, so that
    neither the text nor a chained cause (smtplib's, quoting the recipient) reaches RQ."""
    return AddressFreeError(scrub_addresses(f"{type(exc).__name__}: {exc}")).with_traceback(exc.__traceback__)


class ScrubAddresses(logging.Filter):
    """A safety net on log handlers: the formatted message, the traceback and the stack of a
    record lose their addresses. Error texts are scrubbed where they are made; this catches
    what a library logs (a traceback's chained causes, RQ's copy of a job's exception)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = scrub_addresses(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub_addresses(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub_addresses(record.stack_info)
        return True


def scrub_logged_addresses() -> None:
    """Put ScrubAddresses on the root logger's handlers and on RQ's loggers (which log a
    failed job's exception through handlers of their own)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, ScrubAddresses) for f in handler.filters):
            handler.addFilter(ScrubAddresses())
    for name in ("rq.worker", "rq.job"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, ScrubAddresses) for f in logger.filters):
            logger.addFilter(ScrubAddresses())
