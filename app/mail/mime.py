"""A rendered mail as the wire carries it: multipart/alternative written straight to bytes.

`email.message.EmailMessage` builds header objects and runs its content manager for every
mail, which costs more than the whole SMTP dialogue with a local relay. Our mails all have
one shape (a text and an HTML part, both UTF-8, a dozen known headers), so they are written
here directly: quoted-printable bodies, RFC 2047 encoded words for non-ASCII header text,
CRLF line ends, no line over 998 octets. Anything reading a mail back (the admin preview,
tests) parses these bytes with the standard library, so what is read is what goes out.
"""
from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

CRLF = "\r\n"
# An encoded word is at most 75 characters: "=?utf-8?b?" + base64 of ≤45 octets + "?=".
WORD_OCTETS = 45
FOLD_AT = 78
SPECIALS = set('()<>[]:;@\\,."')


@dataclass
class OutgoingMail:
    """Envelope addresses, headers (name, unencoded value) in order, and the two bodies."""

    sender: str
    recipient: str
    headers: list[tuple[str, str]]
    text: str
    html: str
    _parsed: EmailMessage | None = field(default=None, repr=False, compare=False)

    def __getitem__(self, name: str) -> str | None:
        """The first header of that name, decoded, as EmailMessage would answer."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    @property
    def international(self) -> bool:
        """An address outside ASCII needs the relay's SMTPUTF8 (RFC 6531)."""
        return not (self.sender.isascii() and self.recipient.isascii())

    def as_bytes(self) -> bytes:
        boundary = f"=_{secrets.token_hex(16)}"  # "=_" never occurs in quoted-printable text
        lines = [_header_line(name, value, self.international) for name, value in self.headers]
        lines += ["MIME-Version: 1.0", f'Content-Type: multipart/alternative; boundary="{boundary}"', "", ""]
        head = CRLF.join(lines).encode("utf-8")
        parts = b"".join(_part(boundary, subtype, body) for subtype, body
                         in (("plain", self.text), ("html", self.html)))
        return head + parts + f"--{boundary}--{CRLF}".encode("ascii")

    def parsed(self) -> EmailMessage:
        """The mail as a reader sees it (standard library parser, default policy)."""
        if self._parsed is None:
            self._parsed = message_from_bytes(self.as_bytes(), policy=policy.default)
        return self._parsed

    def get_body(self, preferencelist=("related", "html", "plain")):
        return self.parsed().get_body(preferencelist)

    def get_content_type(self) -> str:
        return "multipart/alternative"


def mailbox(name: str, address: str) -> str:
    """'Name <address>', an ASCII name quoted when it holds specials; a name outside ASCII
    becomes encoded words when the header is written (which need no quotes)."""
    name = _one_line(name or "").strip()
    if not name:
        return address
    if name.isascii() and any(char in SPECIALS for char in name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{address}>"


def _part(boundary: str, subtype: str, body: str) -> bytes:
    # b2a_qp writes LF line ends (soft breaks included) for LF input: turn them all into CRLF.
    normalised = body.replace("\r\n", "\n").replace("\r", "\n")
    encoded = binascii.b2a_qp(normalised.encode("utf-8"), istext=True).replace(b"\n", b"\r\n")
    head = (f"--{boundary}{CRLF}Content-Type: text/{subtype}; charset=\"utf-8\"{CRLF}"
            f"Content-Transfer-Encoding: quoted-printable{CRLF}{CRLF}")
    return head.encode("ascii") + encoded + b"\r\n"  # this CRLF belongs to the next delimiter


def _header_line(name: str, value: str, raw_utf8: bool) -> str:
    value = _one_line(value)
    if value.isascii() or raw_utf8:
        return _fold(f"{name}: {value}")
    if name.lower() in ("from", "to", "reply-to") and value.endswith(">") and " <" in value:
        phrase, _, address = value.rpartition(" <")
        return f"{name}: {_encoded_words(phrase, len(name) + 2)} <{address}"
    return f"{name}: {_encoded_words(value, len(name) + 2)}"


def _one_line(value: str) -> str:
    """No CR or LF inside a header value: a line break there would start a new header."""
    return " ".join(str(value).splitlines()) if ("\n" in value or "\r" in value) else value


def _fold(line: str) -> str:
    """Fold an ASCII header at spaces to about 78 columns; a longer word stays whole (≤998)."""
    if len(line) <= FOLD_AT:
        return line
    name, _, value = line.partition(": ")
    out, current = [], f"{name}:"
    for word in value.split(" "):
        if word and len(current) + 1 + len(word) > FOLD_AT and current != f"{name}:":
            out.append(current)
            current = " " + word
        else:
            current = f"{current} {word}"
    out.append(current)
    return CRLF.join(out)


def _encoded_words(text: str, offset: int) -> str:
    """RFC 2047 base64 words, each line at most 76 columns (the first starts at `offset`),
    never splitting a character."""
    words, chunk = [], b""
    limit = max(3, (76 - offset - 12) // 4 * 3)
    for char in text:
        octets = char.encode("utf-8")
        if len(chunk) + len(octets) > limit:
            words.append(chunk)
            chunk, limit = b"", WORD_OCTETS
        chunk += octets
    words.append(chunk)
    return (CRLF + " ").join(f"=?utf-8?b?{base64.b64encode(word).decode('ascii')}?=" for word in words)
