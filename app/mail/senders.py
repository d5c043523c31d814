"""Ways to hand a rendered message to the world, chosen by SMTP_URL.

smtp://user:pass@host:port[?starttls=1]  plain SMTP, STARTTLS when asked
smtps://user:pass@host:port              SMTP over TLS
console:                                 print to the log (development)
memory:                                  keep in a list (tests)
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from app.mail.mime import OutgoingMail
from app.observability.privacy_scrub import scrub_addresses

log = logging.getLogger(__name__)


class SendError(Exception):
    """The message was not accepted; `code`: the SMTP reply code, when the server gave one.

    Its text never holds an address (replies quote the recipient's: `450 4.1.1 <buyer@…>`):
    it is stored on the message, logged, and kept by RQ when the send job raises it. The
    sender raises it without the smtplib exception as cause, whose text quotes the address.
    """

    def __init__(self, text: str, code: int | None = None):
        super().__init__(scrub_addresses(text))
        self.code = code


class TemporarySendError(SendError):
    """Try again later (4xx, connection trouble)."""


class PermanentSendError(SendError):
    """Giving up is right (5xx: unknown mailbox, policy rejection)."""


class RecipientRefused(PermanentSendError):
    """The server refused the recipient with a 5xx: a bounce at SMTP time."""

    def __init__(self, code: int, reply: str):
        super().__init__(f"{code} {reply}", code)
        self.reply = scrub_addresses(reply)


class EmailSender(Protocol):
    def send(self, message: OutgoingMail, envelope_from: str | None = None) -> None: ...


class SMTPSender:
    def __init__(self, url: str, timeout: float = 20.0):
        parts = urlsplit(url)
        self.ssl = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.ssl else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.starttls = parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true", "yes")
        self.timeout = timeout

    def send(self, message: OutgoingMail, envelope_from: str | None = None) -> None:
        """Hand over the message; `envelope_from` (MAIL FROM, where bounces go) defaults to From."""
        try:
            with self._connect() as smtp:
                if self.username:
                    smtp.login(self.username, self.password or "")
                options = ["SMTPUTF8"] if message.international else []
                smtp.sendmail(envelope_from or message.sender, [message.recipient], message.as_bytes(),
                              options)
        except smtplib.SMTPRecipientsRefused as exc:
            # One recipient per mail; the reply without the address it was given for.
            code, reply = min(exc.recipients.values())
            text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
            # `from None`: smtplib's exception names the recipient; ours keeps code and reply.
            if 500 <= code < 600:
                raise RecipientRefused(code, text) from None
            raise TemporarySendError(f"{code} {text}", code) from None
        except smtplib.SMTPResponseException as exc:
            raise _by_code(exc.smtp_code, exc.smtp_error) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporarySendError(f"{type(exc).__name__}: {exc}") from None

    def _connect(self) -> smtplib.SMTP:
        if self.ssl:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=ssl.create_default_context())
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.starttls:
            smtp.starttls(context=ssl.create_default_context())
        return smtp


def _by_code(code: int, detail) -> SendError:
    text = detail.decode(errors="replace") if isinstance(detail, bytes) else str(detail)
    cls = PermanentSendError if 500 <= code < 600 else TemporarySendError
    return cls(f"{code} {text}", code)


class ConsoleSender:
    """Logs that a mail would go out, without the address: logs are not for personal data."""

    def send(self, message: OutgoingMail, envelope_from: str | None = None) -> None:
        domain = str(message["To"] or "").rpartition("@")[2] or "?"
        log.info("mail to=…@%s message-id=%s", domain, message["Message-ID"])


class MemorySender:
    def __init__(self) -> None:
        self.outbox: list[OutgoingMail] = []

    def send(self, message: OutgoingMail, envelope_from: str | None = None) -> None:
        self.outbox.append(message)


def sender_from_url(url: str) -> EmailSender:
    scheme = urlsplit(url).scheme
    if scheme in ("smtp", "smtps"):
        return SMTPSender(url)
    if scheme == "console":
        return ConsoleSender()
    if scheme == "memory":
        return MemorySender()
    raise ValueError(f"SMTP_URL scheme {scheme!r} is not one of smtp, smtps, console, memory")
