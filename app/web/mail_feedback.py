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

from app.mail.feedback_intake import MAX_REPORT_BYTES, take_report
from app.web.machine_posts import answer, capped_body, require_post
from connectors.signature import same_secret

bp = Blueprint("mail_feedback", __name__)


@bp.route("/webhooks/mail-feedback", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def receive_report():
    """Take one DSN or ARF report; `?recipient=` may name the envelope recipient it came to."""
    secret = current_app.config.get("MAIL_FEEDBACK_SECRET")
    if not secret:
        return answer(404, "mail feedback intake is not configured (MAIL_FEEDBACK_SECRET)")
    require_post("reports")
    if not _authorized(secret):
        body, status = answer(401, "missing or wrong shared secret")
        return body, status, {"WWW-Authenticate": 'Bearer realm="mail-feedback"'}
    raw = capped_body(MAX_REPORT_BYTES, "report too large")
    result = take_report(raw, "http", request.args.get("recipient"))
    if result.malformed:
        return answer(400, f"malformed report, kept as feedback {result.feedback_id}: {result.malformed}")
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
