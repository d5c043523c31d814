"""Bounces that are not RFC 3464 reports: qmail's notice (QSBMF), Exchange's plain-text
"Delivery has failed to these recipients or groups", and the older formats flufl.bounce's
detectors know (Exim, Yahoo, GroupWise, …).

Such a text is trusted no more than a DSN: intake matches it to its message only through a
genuine token (the VERP address it was sent to, or our headers it quotes; the HMAC is checked
in app/links/bounce_addresses.py) and keeps it as malformed when there is none. Which address
failed, as the text says, is never used. flufl.bounce only tells whether the text is a
bounce at all (an out-of-office reply to our envelope sender is not), and a warning from a
failure; a notice from MAILER-DAEMON or postmaster that no detector knows counts as a failure.

Hard or soft, from the notice (the text before the returned copy) where it is clear: its
first 4.x.x or 5.x.x code decides as in a DSN (5.x.x a bounce, 5.7.x policy soft, 4.x.x
soft); "mailbox full", "over quota" or x.2.2 are soft; with no code it is soft, so one
unclear notice never ends all mail to an address (SOFT_BOUNCE_LIMIT of them do).
"""
from __future__ import annotations

import logging
import re
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import parseaddr

from app.domain.privacy.mail_feedback import DELAY, SOFT_BOUNCE, FeedbackReport, bounce_kind
from app.mail.feedback_reports import ORIGINAL_HEADERS, REPORT_HEADERS, STATUS, scrubbed

# The package logs every detector it runs at INFO: one line per detector per report.
logging.getLogger("flufl.bounce").setLevel(logging.WARNING)

# Where a notice ends and the copy of our mail (with its own words and numbers) begins.
RETURNED_COPY = re.compile(
    r"^\s*(?:-+\s*Below this line is a copy of the message|Original message headers:|"
    r"-+\s*Original message|-+\s*This is a copy of|-+\s*The header of the original message|"
    r"Original message details:|-+\s*Message header follows|-+\s*Returned mail\b)", re.I | re.M)
# Failure notices flufl.bounce does not know (Exchange 2010 and later, Exchange Online).
FAILURE_INTROS = re.compile(
    r"^\s*(?:Delivery has failed to these recipients or groups|Your message (?:to \S+ )?couldn't be "
    r"delivered|"
    r"Your message wasn't delivered|Hi\. This is the qmail-send program)", re.I | re.M)
WARNING = re.compile(r"\bdelayed\b|has not yet been delivered|will (?:be )?retr(?:y|ied)|could not send "
                     r"message for"
                     r" past", re.I)
MAILBOX_FULL = re.compile(r"mailbox (?:is )?full|over ?quota|quota exceeded|exceed(?:s|ed)? (?:the |its |his "
                          r"|her )?"
                          r"(?:storage|disk|mailbox)? ?(?:quota|size limit)", re.I)
REPORTER = re.compile(r"(?:qmail-send program at|Generating server:|mail (?:system|delivery agent) at"
                      r"(?: host)?)\s*\[?([A-Za-z0-9.-]+[A-Za-z0-9])", re.I)
DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon")
NOTICE_LENGTH = 20_000


def plain_bounce(raw: bytes) -> FeedbackReport | None:
    """The facts of a bounce that is not a multipart/report; None for anything else."""
    try:
        return _plain(BytesParser(policy=compat32).parsebytes(raw))
    except Exception:  # whatever hostile bytes do to a detector: not a bounce we can read
        return None


def _plain(message: Message) -> FeedbackReport | None:
    from flufl.bounce import all_failures  # ≈30 ms of imports, paid by the first plain bounce only

    if message.get_content_type() == "multipart/report":
        return None  # an RFC 6522 report: read as one (feedback_reports.py) or not at all
    text = _text(message)
    notice = RETURNED_COPY.split(text, maxsplit=1)[0][:NOTICE_LENGTH]
    temporary, permanent = all_failures(message)
    from_daemon = parseaddr(str(message.get("From", "")))[1].split("@")[0].lower() in DAEMONS
    if permanent or FAILURE_INTROS.search(notice):
        kind, status, line = _failure(notice)
    elif temporary or from_daemon and WARNING.search(notice):
        kind, status, line = DELAY, None, None
    elif from_daemon:
        kind, status, line = _failure(notice)
    else:
        return None  # an auto-reply or anything else that is not about a failed delivery
    reporter = REPORTER.search(notice)
    return FeedbackReport(kind=kind, status=status, diagnostic=scrubbed(line),
                          reporting_mta=reporter.group(1)[:255] if reporter else None,
                          token_sources=_token_sources(message, text))


def _failure(notice: str) -> tuple[str, str | None, str | None]:
    """(kind, RFC 3463 status or None, the line that says so) from a failure notice's words."""
    status = next((m for m in STATUS.finditer(notice) if m.group(1) in "45"), None)
    full = MAILBOX_FULL.search(notice)
    if status is None:
        return SOFT_BOUNCE, None, _line(notice, full.start()) if full else None
    code = ".".join(status.groups())
    kind = bounce_kind("failed", status.group(1), status.group(2))
    if full or status.group(2, 3) == ("2", "2"):
        kind = SOFT_BOUNCE
    return kind, code, _line(notice, status.start())


def _line(text: str, at: int) -> str:
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return text[start:end if end >= 0 else len(text)]


def _text(message: Message) -> str:
    """Every text part, decoded (a returned message's own headers included)."""
    texts = []
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() not in ("text", "message"):
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            try:
                texts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
            except LookupError:  # a charset nobody knows
                texts.append(payload.decode("utf-8", "replace"))
    return "\n".join(texts)


def _token_sources(message: Message, text: str) -> tuple[str, ...]:
    """The report's own recipient headers, then any header of ours it returns, then its text."""
    values = [value for name in REPORT_HEADERS for value in message.get_all(name) or ()]
    for part in message.walk():
        if part is not message:
            values += [value for name in ORIGINAL_HEADERS for value in part.get_all(name) or ()]
    return tuple(str(value) for value in values if value) + (text,)
