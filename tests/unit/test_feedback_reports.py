"""Reading DSN (RFC 3464) and ARF (RFC 5965) reports: recorded-style samples with literal
expectations, and hostile bytes that must come out as a report or as MalformedReport."""
from pathlib import Path
from string import Template

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.privacy.mail_feedback import bounce_kind
from app.mail.feedback_reports import FeedbackReport, MalformedReport, parse_report

FIXTURES = Path(__file__).parents[1] / "payloads" / "mail_feedback"
TOKEN = "m42-0123456789abcdef"
VALUES = {"VERP": f"bounces+{TOKEN}@bounce.app.example.test", "TOKEN": TOKEN,
          "MESSAGE_ID": "<sm-42.1@app.example.test>", "RECIPIENT": "erika.example@example.com"}


def sample(name: str) -> bytes:
    return Template((FIXTURES / name).read_text()).substitute(VALUES).encode()


@pytest.mark.parametrize("name, kind, status, feedback_type, reporting_mta, diagnostic", [
    ("dsn_postfix_user_unknown.eml", "bounce", "5.1.1", None, "dns; mail.app.example.test",
     "smtp; 550 5.1.1 <[address]>: Recipient address rejected: User unknown in virtual mailbox table"),
    ("dsn_rfc3464_gave_up.eml", "soft_bounce", "4.0.0", None, "dns; relay.example.net",
     "smtp; 426 connection timed out"),
    ("dsn_rfc3464_delayed.eml", "delay", "4.0.0", None, "dns; relay.example.net", None),
    ("dsn_gmail_dmarc_policy.eml", "soft_bounce", "5.7.26", None, "dns; googlemail.com",
     "smtp; 550-5.7.26 Unauthenticated email from app.example.test is not accepted due to domain's DMARC "
     "policy. 550 5.7.26 Please contact the administrator of app.example.test domain if this was a "
     "legitimate mail."),
    ("arf_rfc5965_abuse.eml", "complaint", None, "abuse", "dns; mx.mailbox.example.com", None),
    ("arf_headers_only_abuse.eml", "complaint", None, "abuse", "MailboxFBL/2.3", None),
])
def test_samples_read_as_expected(name, kind, status, feedback_type, reporting_mta, diagnostic):
    report = parse_report(sample(name))
    assert (report.kind, report.status, report.feedback_type, report.reporting_mta, report.diagnostic) == (
        kind, status, feedback_type, reporting_mta, diagnostic)
    assert any(TOKEN in source for source in report.token_sources)
    assert not any("erika.example" in str(value) for value in (report.diagnostic, report.reporting_mta))


@pytest.mark.parametrize("action, status, kind", [
    ("failed", "5.1.1", "bounce"), ("failed", "5.2.1", "bounce"), ("failed", "5.0.0", "bounce"),
    ("failed", "5.7.1", "soft_bounce"), ("failed", "4.2.2", "soft_bounce"), ("delayed", "4.4.7", "delay"),
    ("delayed", "5.1.1", "delay"), ("delivered", "2.0.0", "delivered"), ("relayed", "2.0.0", "delivered"),
    ("", "5.1.1", "bounce"), ("", "4.0.0", "delay"),
])
def test_what_action_and_status_amount_to(action, status, kind):
    status_class, subject, _ = status.split(".")
    assert bounce_kind(action, status_class, subject) == kind


def _report(report_type: str, *parts: tuple[str, str]) -> bytes:
    """A multipart/report built by hand (the stdlib generator insists message/* parts be parsed)."""
    head = (f"From: MAILER-DAEMON@relay.example.net\nTo: {VALUES['VERP']}\nMIME-Version: 1.0\n"
            f'Content-Type: multipart/report; report-type={report_type}; boundary="b0undary"\n\n'
            "--b0undary\nContent-Type: text/plain\n\nYour message could not be delivered.\n")
    body = "".join(f"--b0undary\nContent-Type: {content_type}\n\n{text}\n" for content_type, text in parts)
    return (head + body + "--b0undary--\n").encode()


def test_a_base64_encoded_status_part_is_read_too():
    import base64

    fields = b"Reporting-MTA: dns; relay.example.net\n\nFinal-Recipient: rfc822; x@example.com\n" \
             b"Action: failed\nStatus: 5.1.1\n"
    raw = _report("delivery-status", ("message/delivery-status", base64.b64encode(fields).decode()))
    raw = raw.replace(b"Content-Type: message/delivery-status",
                      b"Content-Type: message/delivery-status\nContent-Transfer-Encoding: base64")
    assert parse_report(raw).status == "5.1.1"


@pytest.mark.parametrize("raw, reason", [
    (b"", "empty message"),
    (b"Subject: hello\n\nA plain-text bounce from an old qmail.",
     "not a multipart/report (RFC 6522) but text/plain"),
    (_report("disposition-notification", ("message/disposition-notification", "Disposition: manual-action")),
     "report-type 'disposition-notification' is neither delivery-status nor feedback-report"),
    (_report("delivery-status", ("text/plain", "no status part")),
     "a delivery-status report without a message/delivery-status part"),
    (_report("delivery-status", ("message/delivery-status", "Reporting-MTA: dns; x\n")),
     "no per-recipient fields (Action, Status) in the delivery status"),
    (_report("delivery-status",
             ("message/delivery-status", "Reporting-MTA: dns; x\n\nAction: failed\nStatus: bad\n")),
     "Status 'bad' is not an RFC 3463 code"),
    (_report("feedback-report", ("message/feedback-report", "User-Agent: x/1\nVersion: 1\n")),
     "no Feedback-Type in the feedback report"),
    (_report("feedback-report", ("text/plain", "x")),
     "a feedback report without a message/feedback-report part"),
])
def test_what_is_not_a_report_is_malformed_with_its_reason(raw, reason):
    with pytest.raises(MalformedReport) as caught:
        parse_report(raw)
    assert str(caught.value) == reason


def test_absurd_nesting_is_malformed_not_a_crash():
    nested = b"".join(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n'.encode() for i
                      in range(5000))
    raw = b'Content-Type: multipart/report; report-type=delivery-status; boundary="top"\n\n--top\n' + nested
    with pytest.raises(MalformedReport):
        parse_report(raw)


def _parse_or_malformed(raw: bytes):
    try:
        return parse_report(raw)
    except MalformedReport as exc:
        return exc


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=400))
def test_any_bytes_are_a_report_or_malformed(raw):
    assert isinstance(_parse_or_malformed(raw), (FeedbackReport, MalformedReport))


SAMPLES = sorted(path.name for path in FIXTURES.glob("*.eml"))


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(SAMPLES), cut=st.integers(0, 4000), junk=st.binary(max_size=60),
       drop=st.integers(0, 80))
def test_a_real_report_cut_spliced_or_missing_a_line_is_a_report_or_malformed(name, cut, junk, drop):
    lines = sample(name).split(b"\n")
    del lines[drop % len(lines)]
    raw = b"\n".join(lines)
    result = _parse_or_malformed(raw[:cut] + junk + raw[cut:])
    assert isinstance(result, (FeedbackReport, MalformedReport))
    if isinstance(result, FeedbackReport):
        assert result.kind in ("bounce", "soft_bounce", "delay", "delivered", "complaint", "feedback")
