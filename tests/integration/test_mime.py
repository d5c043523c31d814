"""The mail writer: what it puts on the wire reads back, through the standard library and a
real SMTP server, as exactly the headers and bodies it was given."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.mail.mime import OutgoingMail, mailbox

# Header text as templates and shop names produce it: any printable character, spaces inside.
header_text = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1,
                      max_size=300) \
    .map(lambda text: " ".join(text.split())).filter(bool)
body_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=3000)


def _mail(subject="Ihre Bestellung ist unterwegs", name="Johns Laden", text="Hallo\n", html="<p>Hallo</p>",
          recipient="buyer@example.com") -> OutgoingMail:
    return OutgoingMail(sender="shop@example.com", recipient=recipient, text=text, html=html, headers=[
        ("From", mailbox(name, "shop@example.com")), ("To", recipient), ("Subject", subject),
        ("Message-ID", "<sm-1.1@app.example>")])


def _lines(wire: bytes) -> list[bytes]:
    assert b"\n" not in wire.replace(b"\r\n", b""), "every line ends in CRLF"
    return wire.split(b"\r\n")


@settings(max_examples=300, deadline=None)
@given(subject=header_text, name=header_text)
def test_any_subject_and_sender_name_read_back_unchanged(subject, name):
    mail = _mail(subject=subject, name=name)
    wire = mail.as_bytes()
    parsed = mail.parsed()
    assert str(parsed["Subject"]) == subject
    # CPython's address parser puts a space between adjacent encoded words of a phrase (it
    # does so with EmailMessage's own output too; RFC 2047 §6.2 says to drop it): compare
    # the name without spaces, and the subject, which is unstructured, exactly.
    assert parsed["From"].addresses[0].display_name.replace(" ", "") == name.replace(" ", "")
    assert parsed["From"].addresses[0].addr_spec == "shop@example.com"
    assert all(len(line) <= 998 for line in _lines(wire))
    head = wire.split(b"\r\n\r\n", 1)[0]
    assert head.isascii(), "headers of a mail to an ASCII address are 7-bit"


@settings(max_examples=200, deadline=None)
@given(text=body_text, html=body_text)
def test_any_body_reads_back_exactly_with_its_line_ends_normalised(text, html):
    mail = _mail(text=text, html=html)
    wire = mail.as_bytes()
    assert wire.isascii() and all(len(line) <= 76 for line in _lines(wire.split(b"\r\n\r\n", 1)[1]))

    def lf(body: str) -> str:
        return body.replace("\r\n", "\n").replace("\r", "\n")

    # CPython's reader keeps the wire's CRLF in a part read from bytes (with EmailMessage's
    # own output too), so both sides are compared with LF line ends.
    assert lf(mail.get_body(("plain",)).get_content()) == lf(text)
    assert lf(mail.get_body(("html",)).get_content()) == lf(html)


def test_a_line_break_in_a_header_value_cannot_start_a_header_of_its_own():
    mail = _mail(subject="Hallo\r\nBcc: victim@example.org", name="Shop\nX-Evil: 1")
    parsed = mail.parsed()
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert str(parsed["Subject"]) == "Hallo Bcc: victim@example.org"


def test_long_unbreakable_header_stays_one_plain_word():
    url = "https://app.example.test/u/" + "x" * 300
    mail = _mail()
    mail.headers.append(("List-Unsubscribe", f"<{url}>"))
    assert f"\r\nList-Unsubscribe: <{url}>\r\n".encode() in mail.as_bytes()


def test_a_real_smtp_server_receives_the_same_mail(app, smtp_inbox):
    """Dot-stuffing, a line of one dot and an umlaut subject, through aiosmtpd and back."""
    text = "Zeile eins\n.\n..zwei Punkte\n" + "lang " * 40 + "\n"
    mail = _mail(subject="Grüße aus dem Lager – Ihre Sendung", text=text)
    app.extensions["mail_sender"].send(mail)
    [received] = smtp_inbox
    assert received["mail"]["Subject"] == "Grüße aus dem Lager – Ihre Sendung"
    assert received["mail"].get_body(("plain",)).get_content().replace("\r\n", "\n") == text
    assert received["mail"].get_content_type() == "multipart/alternative"


def test_an_address_outside_ascii_goes_out_as_utf8_with_smtputf8(app, smtp_inbox):
    mail = _mail(recipient="jürgen@example.com")
    assert mail.international and "To: jürgen@example.com".encode() in mail.as_bytes()
    app.extensions["mail_sender"].send(mail)
    [received] = smtp_inbox
    assert (received["envelope_to"] == ["jürgen@example.com"]
            and received["mail"]["To"] == "jürgen@example.com")
