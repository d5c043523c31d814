"""The two ways reports come in (MTA pipe, HTTP) under bad input: clear 4xx or exit codes,
malformed reports kept for replay and purged later, never a 5xx."""
import base64
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.extensions import db
from app.jobs.purge import purge_mail_feedback
from app.mail.feedback_intake import MAX_REPORT_BYTES
from app.models import MailFeedback, MessageState, ScheduledMessage
from tests.integration.test_mail_feedback import SECRET, _sent_notices, pipe, post, report_for

NOT_A_REPORT = b"From: someone@example.net\nSubject: out of office\n\nI am away until Monday."


@pytest.fixture(autouse=True)
def feedback_config(app):
    app.config.update(MAIL_FEEDBACK_SECRET=SECRET, BOUNCE_DOMAIN="bounce.app.example.test")


def test_without_a_secret_there_is_no_endpoint(app, client):
    app.config["MAIL_FEEDBACK_SECRET"] = None
    assert post(client, NOT_A_REPORT).status_code == 404
    assert db.session.scalars(select(MailFeedback)).all() == []


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Token {SECRET}"},
    {"Authorization": "Basic !!!"}, {"Authorization": "Bearer s\u00e9cret\u00ff"},
    {"Authorization": "Basic " + base64.b64encode(b"user:wrong").decode()},
])
def test_a_wrong_or_missing_secret_is_401_and_nothing_is_stored(client, headers):
    response = client.post("/webhooks/mail-feedback", data=NOT_A_REPORT, headers=headers)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert db.session.scalars(select(MailFeedback)).all() == []


def test_basic_auth_with_the_secret_as_password_is_accepted(app, shop, client):
    [message] = _sent_notices(shop, 1)
    credentials = base64.b64encode(f"forwarder:{SECRET}".encode()).decode()
    response = client.post("/webhooks/mail-feedback", data=report_for(message, "dsn_rfc3464_gave_up.eml"),
                           headers={"Authorization": f"Basic {credentials}"})
    assert (response.status_code, response.json["message"]) == (200, "soft bounce 1 of 3")


def test_only_post_and_only_so_much(client):
    assert client.get("/webhooks/mail-feedback",
                      headers={"Authorization": f"Bearer {SECRET}"}).status_code == 405
    too_large = post(client, b"x" * (MAX_REPORT_BYTES + 1))
    assert (too_large.status_code, too_large.json["message"]) == (413, "report too large")


def test_a_malformed_report_is_400_and_kept_for_replay(client):
    response = post(client, NOT_A_REPORT)
    assert response.status_code == 400
    [row] = db.session.scalars(select(MailFeedback)).all()
    assert response.json["message"] == (f"malformed report, kept as feedback {row.id}: "
                                        "not a multipart/report (RFC 6522) but text/plain")
    assert (row.kind, row.raw, row.shop_id) == ("malformed", NOT_A_REPORT, None)
    assert post(client, NOT_A_REPORT).status_code == 400  # the same again: still 400, kept once
    assert len(db.session.scalars(select(MailFeedback)).all()) == 1


def test_the_pipe_exits_65_on_a_malformed_report_and_keeps_it(app):
    result = pipe(app, NOT_A_REPORT)
    assert result.exit_code == 65
    [row] = db.session.scalars(select(MailFeedback)).all()
    assert f"malformed report, kept as feedback {row.id}" in result.output and row.raw == NOT_A_REPORT


def test_replay_reads_a_kept_report_again(app, shop):
    """A report an older parser could not read, kept with its bytes, is acted on when replayed."""
    [message] = _sent_notices(shop, 1)
    kept = MailFeedback(digest="0" * 64, kind="malformed", diagnostic="older parser", source="pipe",
                        outcome="malformed", raw=report_for(message, "dsn_postfix_user_unknown.eml"))
    db.session.add(kept)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mail", "replay-feedback", str(kept.id)])
    assert result.exit_code == 0 and result.output.strip().endswith("suppressed: bounced"), result.output
    db.session.expire_all()
    assert db.session.get(ScheduledMessage, message.id).state == MessageState.BOUNCED
    assert [(r.kind, r.raw) for r in db.session.scalars(select(MailFeedback))] == [("bounce", None)]
    # nothing left to replay
    assert runner.invoke(args=["mail", "replay-feedback", str(kept.id)]).exit_code == 1


def test_kept_bytes_go_after_30_days_and_report_facts_after_400(app, client):
    post(client, NOT_A_REPORT)
    [row] = db.session.scalars(select(MailFeedback)).all()
    received = row.received_at
    assert purge_mail_feedback(received + timedelta(days=29)) == 0
    assert purge_mail_feedback(received + timedelta(days=31)) == 1
    db.session.expire_all()
    assert db.session.get(MailFeedback, row.id).raw is None
    assert purge_mail_feedback(received + timedelta(days=401)) == 1
    assert db.session.scalars(select(MailFeedback)).all() == []


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.binary(max_size=300)
       | st.sampled_from([b"Content-Type: multipart/report\n\n--\n", b"\xff" * 10]),
       recipient=st.none() | st.text(max_size=40))
def test_any_body_is_answered_200_or_400(client, body, recipient):
    query = {"recipient": recipient} if recipient is not None else {}
    response = post(client, body, **query)
    assert response.status_code in (200, 400), response.json


def _flask_cli(database_url: str, raw: bytes) -> subprocess.CompletedProcess:
    """`flask --app app mail ingest-feedback` as its own process, configured from the environment."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key",
           "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(), "SHOPIFY_API_KEY": "k",
           "SHOPIFY_API_SECRET": "s"}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", "mail", "ingest-feedback"],
                          input=raw,
                          capture_output=True, env=env, timeout=60)


def test_the_real_command_as_an_mta_runs_it(app, database_url, tmp_path):
    kept = _flask_cli(database_url, NOT_A_REPORT)
    assert kept.returncode == 65, kept.stderr
    assert b"malformed report, kept as feedback" in kept.stderr
    db.session.expire_all()
    assert db.session.scalars(select(MailFeedback.kind)).all() == ["malformed"]
    # The database is away: 75 (EX_TEMPFAIL), so the MTA keeps the report and tries again.
    away = _flask_cli(f"sqlite:///{tmp_path}/missing/dir/db.sqlite3", NOT_A_REPORT)
    assert away.returncode == 75, away.stderr
    assert b"database unavailable, deliver again later" in away.stderr
