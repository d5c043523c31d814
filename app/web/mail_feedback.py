"""Bounce and complaint reports posted by a mail provider or forwarder (the raw message).

The MTA pipe (`flask --app app mail ingest-feedback`) is the other way in; both end in
app/mail/feedback_intake.py. The shared secret MAIL_FEEDBACK_SECRET is sent as
`Authorization: Bearer <secret>` (or as the password of Basic auth, for forwarders that only
take a URL with credentials); without it configured the endpoint does not exist (404).
"""
from __future__ import annotations

import base64
import binascii

from flask import Blueprint, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from app.mail.feedback_intake import MAX_REPORT_BYTES, take_report
from app.web.body_limits import set_body_limit
from connectors.signature import same_secret

bp = Blueprint("mail_feedback", __name__)


@bp.route("/webhooks/mail-feedback", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def receive_report():
    """Take one DSN or ARF report; `?recipient=` may name the envelope recipient it came to."""
    secret = current_app.config.get("MAIL_FEEDBACK_SECRET")
    if not secret:
        return _answer(404, "mail feedback intake is not configured (MAIL_FEEDBACK_SECRET)")
    if request.method != "POST":
        return _answer(405, "method not allowed: reports are POSTed")
    if not _authorized(secret):
        body, status = _answer(401, "missing or wrong shared secret")
        return body, status, {"WWW-Authenticate": 'Bearer realm="mail-feedback"'}
    set_body_limit(MAX_REPORT_BYTES)  # read through the limit: a chunked report stops there too
    try:
        raw = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return _answer(413, "report too large")
    result = take_report(raw, "http", request.args.get("recipient"))
    if result.malformed:
        return _answer(400, f"malformed report, kept as feedback {result.feedback_id}: {result.malformed}")
    return {"status": 200, "message": result.outcome, "feedback_id": result.feedback_id}, 200


def _authorized(secret: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    offered = credentials.strip()
    if scheme.lower() == "basic":
        try:
            offered = base64.b64decode(offered, validate=True).decode("utf-8").partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return False
    elif scheme.lower() != "bearer":
        return False
    return same_secret(offered, secret)


def _answer(status: int, message: str):
    return {"status": status, "message": message}, status
