"""SENTRY_DSN set: errors of web requests and RQ jobs go to Sentry with no e-mail address, no
request body, no cookies, no client address and no local variables."""
from __future__ import annotations

import json

import pytest
import sentry_sdk
from rq import SimpleWorker
from sentry_sdk.transport import Transport

from app import create_app
from app.extensions import queues
from app.observability.sentry import init_sentry, scrub_event

# Far from any frame of the reported errors: Sentry sends the source lines around each frame.
BUYER_FORM = {"email": "jane.doe@example.org", "name": "Jane Doe"}
BROWSER = {"Cookie": "session=secret-cookie", "X-Forwarded-For": "203.0.113.9"}
PERSONAL = ("jane.doe", "Jane Doe", "secret-cookie", "203.0.113.9")


class KeptEvents(Transport):
    """A transport that keeps the events instead of sending them."""

    def __init__(self, options=None):
        super().__init__(options)
        self.events: list[dict] = []

    def capture_envelope(self, envelope):
        self.events.extend(item.payload.json for item in envelope.items if item.payload.json)


def failing_job(address: str) -> None:
    raise RuntimeError(f"550 5.1.1 <{address}>: mailbox unavailable")


@pytest.fixture
def sentry_events(config):
    """The app with SENTRY_DSN, its events kept in memory."""
    app = create_app(config)
    app.config["SENTRY_DSN"] = "https://public@o1.ingest.sentry.example/1"
    transport = KeptEvents()
    assert init_sentry(app, transport=transport)
    try:
        yield app, transport.events
    finally:
        sentry_sdk.flush()
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)  # off again for the rest of the session


def test_a_failing_request_is_reported_without_personal_data(sentry_events):
    app, events = sentry_events

    @app.post("/boom")
    def boom():
        raise ValueError(f"no order for {BUYER_FORM['email']}")

    with app.test_client() as client:
        response = client.post("/boom", data=BUYER_FORM, headers=BROWSER)
    assert response.status_code == 500
    sentry_sdk.flush()
    # The exception, and the error line app/web/errors.py logs for it (Sentry's logging integration).
    assert events
    text = json.dumps(events)
    assert any(value["value"] == "no order for [address]" for event in events
               for value in event.get("exception", {}).get("values", []))
    for personal in PERSONAL:
        assert personal not in text, text[max(0, text.find(personal) - 400):text.find(personal) + 100]
    assert "vars" not in text  # no local variables of stack frames


def test_a_failing_job_is_reported_without_its_arguments(sentry_events):
    app, events = sentry_events
    with app.app_context():
        queues.get("mail").enqueue(failing_job, BUYER_FORM["email"])
        SimpleWorker([queues.get("mail")], connection=queues.redis).work(burst=True)
        queues.redis.flushdb()
    sentry_sdk.flush()
    assert events
    text = json.dumps(events)
    assert "mailbox unavailable" in text
    assert "jane.doe" not in text, text[max(0, text.find("jane.doe") - 300):text.find("jane.doe") + 100]


def test_scrub_event_reaches_every_string():
    event = {"message": "to a@example.com", "breadcrumbs": {"values": [{"message": "b@example.com", "data": {
        "list": ["c@example.com", 3, None]}}]}, "extra": {"d@example.com": ("e@example.com",)}}
    assert "example.com" not in json.dumps(scrub_event(event, {}))
