"""LOG_FORMAT=json: every line parses as one JSON object, carries the request's or the job's id,
and no buyer's address; the request id comes from a trusted proxy or is made, and goes back in
the response."""
from __future__ import annotations

import io
import json
import logging
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs.dispatch import dispatch_due
from app.models import MessageState, ScheduledMessage
from app.observability.logs import REQUEST_ID_HEADER, JsonAccessFormatter, log_handler
from tests.integration.test_loop import _ingest_order_and_fulfillment

BUYER = ("jon@example.com", "john@example.com", "Steve", "Shipper", "Smith", "Shipping Street",
         "555-555-SHIP",
         "123 Elm St.")


@pytest.fixture
def json_lines():
    """The root logger at DEBUG through the handler create_app installs for LOG_FORMAT=json."""
    stream = io.StringIO()
    handler = log_handler("json", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_the_loop_at_debug_is_json_lines_with_ids_and_no_buyer(app, client, shop, post_shopify, run_jobs,
                                                               json_lines):
    from app.mail.senders import ConsoleSender

    app.extensions["mail_sender"] = ConsoleSender()
    _ingest_order_and_fulfillment(post_shopify, run_jobs)
    assert dispatch_due(datetime.now(timezone.utc) + timedelta(days=1))["queued"] == 1
    run_jobs()
    [message] = db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.kind == "shipped")).all()
    assert message.state == MessageState.SENT
    lines = json_lines()  # json.loads of every line: each is one object
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    during_requests = [line for line in lines if line.get("request_id")]
    assert during_requests and {len(line["request_id"]) for line in during_requests} == {32}
    sent = [line for line in lines if line["logger"] == "app.mail.senders"]
    assert sent and sent[0]["job_id"] == f"message-{message.id}" and "message-id=<sm-" in sent[0]["message"]
    assert not any("request_id" in line for line in lines if line.get("job_id"))
    text = json.dumps(lines, ensure_ascii=False)
    for personal in BUYER:
        assert personal not in text


def test_an_exception_stays_on_its_line_without_the_address(app, json_lines):
    try:
        raise ValueError("550 5.1.1 <jane.doe@example.org>: no such user")
    except ValueError:
        logging.getLogger("app.test").exception("sending failed for jane.doe@example.org")
    (line,) = [line for line in json_lines() if line["logger"] == "app.test"]
    assert line["level"] == "ERROR" and line["message"] == "sending failed for [address]"
    assert "Traceback" in line["exception"] and "jane.doe" not in line["exception"]


def test_a_request_gets_an_id_and_the_response_carries_it(client):
    first, second = client.get("/healthz/live"), client.get("/healthz/live")
    assert len(first.headers[REQUEST_ID_HEADER]) == 32
    assert first.headers[REQUEST_ID_HEADER] != second.headers[REQUEST_ID_HEADER]
    # Without a trusted proxy the client's own id is not taken (it could forge another's).
    given = client.get("/healthz/live", headers={REQUEST_ID_HEADER: "proxy-abc-123"})
    assert given.headers[REQUEST_ID_HEADER] != "proxy-abc-123"
    # A 404 for an unknown host carries one too.
    assert client.get("/admin/", headers={"Host": "evil.example"}).headers[REQUEST_ID_HEADER]


@pytest.fixture
def config(config, request):
    return {**config, **getattr(request, "param", {})}


@pytest.mark.parametrize("config", [{"TRUSTED_PROXY_COUNT": 1}], indirect=True)
def test_a_trusted_proxys_request_id_is_kept_if_it_is_plain(client):
    assert client.get("/healthz/live",
                      headers={REQUEST_ID_HEADER: "proxy-abc-123"}).headers[REQUEST_ID_HEADER] \
        == "proxy-abc-123"
    for forged in ("two words", "x" * 129, "<script>", "id\tx"):
        assert client.get("/healthz/live",
                          headers={REQUEST_ID_HEADER: forged}).headers[REQUEST_ID_HEADER] != forged


def test_gunicorns_access_line_has_no_client_address_or_query_string():
    atoms = {"h": "203.0.113.9", "m": "GET", "U": "/t/abc", "q": "email=jane@example.org", "s": "200",
             "B": 512,
             "M": 12, "{x-request-id}o": "f" * 32, "r": "GET /t/abc?email=jane@example.org HTTP/1.1"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(h)s %(r)s", (atoms,), None)
    line = json.loads(JsonAccessFormatter().format(record))
    assert line == {"time": line["time"], "level": "INFO", "logger": "gunicorn.access",
                    "message": "GET /t/abc 200",
                    "method": "GET", "path": "/t/abc", "status": 200, "bytes": 512, "duration_ms": 12,
                    "request_id": "f" * 32}


@pytest.mark.slow
def test_the_procfiles_web_process_writes_json_lines_only(config, tmp_path):
    """gunicorn as the Procfile starts it: its own lines, the access log and the app's, all JSON."""
    import os
    import shlex
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx

    from bench.servers import free_port
    from tests.integration.test_faults import process_env

    root = Path(__file__).resolve().parents[2]
    web = next(line for line in (root / "Procfile").read_text().splitlines() if line.startswith("web:"))
    port = free_port()
    command = shlex.split(web.removeprefix("web:").replace("${WEB_CONCURRENCY:-2}", "1")
                          .replace("0.0.0.0:${PORT:-8000}", f"127.0.0.1:{port}"))
    command[0] = str(Path(sys.executable).parent / command[0])
    env = {**os.environ, **process_env(config), "LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}
    out, err = open(tmp_path / "out", "w+"), open(tmp_path / "err", "w+")
    process = subprocess.Popen(command, env=env, cwd=root, stdout=out, stderr=err)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz/live?email=jane@example.org",
                                     timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and process.poll() is None, "gunicorn did not start"
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=20)
    text = (tmp_path / "out").read_text() + (tmp_path / "err").read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    (access,) = [line for line in lines if line.get("request_id") == response.headers[REQUEST_ID_HEADER]]
    assert (access["logger"], access["path"], access["status"]) == ("gunicorn.access", "/healthz/live", 200)
    assert any(line["message"].startswith("Booting worker") for line in lines)
    assert "jane" not in text and "127.0.0.1" not in json.dumps(access)
