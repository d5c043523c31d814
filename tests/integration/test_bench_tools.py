"""The benchmark's own parts: reading wrk's report, and the signed requests it sends."""
import json
import re
from pathlib import Path

from bench.ingest_script import signed_bodies, write_script
from bench.wrk import parse
from connectors.signature import signature_matches

WRK_REPORT = (Path(__file__).parents[1] / "payloads" / "wrk" / "hello.txt").read_text()


def test_reads_throughput_and_percentiles_from_a_real_wrk_report():
    result = parse(WRK_REPORT)
    assert (result.requests, result.rps, result.errors) == (2775, 2523.21, 0)
    assert (result.p50_ms, result.p99_ms) == (1.40, 2.55)


def test_socket_errors_and_non_2xx_answers_count_as_errors():
    report = WRK_REPORT.replace(
        "Requests/sec:",
        "  Socket errors: connect 0, read 3, write 0, timeout 2\n"
        "  Non-2xx or 3xx responses: 7\nRequests/sec:")
    report = report.replace("99%    2.55ms", "99%    1.20s")
    result = parse(report)
    assert result.errors == 12
    assert result.p99_ms == 1200.0


def test_every_generated_body_carries_a_valid_signature(tmp_path):
    pairs = signed_bodies("bench-secret", first_order_id=9_000_000_000_000)
    assert len({json.loads(body)["id"] for body, _ in pairs}) == len(pairs)
    assert all(signature_matches(body, signature, ("bench-secret",)) for body, signature in pairs)
    script = write_script(tmp_path / "ingest.lua", secret="bench-secret", domain="x.myshopify.com",
                          run_id="r1", first_order_id=1)
    lua = script.read_text()
    assert len(re.findall(r"\{\[==\[", lua)) == len(pairs)
    assert '"X-Shopify-Event-Id"] = event' in lua


def test_the_ingest_floor_stores_a_signed_webhook_and_refuses_a_forged_one(monkeypatch):
    """The floor does the least an intake must do: check the signature, store durably."""
    import os

    import psycopg
    import pytest

    from bench import ingest_floor
    from tests.support.app_config import SHOPIFY_SECRET
    from tests.support.payload_files import shopify_headers

    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("the floor writes with raw psycopg: PostgreSQL only")
    url = url.replace("postgresql+psycopg://", "postgresql://")
    ingest_floor.prepare(url)
    monkeypatch.setenv("BENCH_FLOOR_PG", url)
    monkeypatch.setenv("SHOPIFY_API_SECRET", SHOPIFY_SECRET)
    monkeypatch.setenv("REDIS_URL", os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    client = ingest_floor.app.test_client()
    body = b'{"id": 1}'
    assert client.post("/webhooks/shopify", data=body, headers=shopify_headers(body, "orders/create", "f-1")
                       ).status_code == 200
    forged = shopify_headers(body, "orders/create", "f-2", secret="not-the-secret")
    assert client.post("/webhooks/shopify", data=body, headers=forged).status_code == 401
    with psycopg.connect(url) as conn:
        assert conn.execute(f"SELECT delivery_key FROM {ingest_floor.TABLE}").fetchall() == [("f-1",)]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE {ingest_floor.TABLE}")


def test_the_block_floor_answers_304_only_for_the_current_facts(app, shop, monkeypatch):
    """The floor reads the same facts versions as the app: a change moves its ETag."""
    import os

    import pytest

    from app.extensions import db
    from bench import block_floor
    from bench.floor_connection import close_floor_connection
    from tests.integration.test_block_api import session_token
    from tests.support.app_config import SHOPIFY_SECRET
    from tests.support.factories import make_order

    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("the floor reads with raw psycopg: PostgreSQL only")
    order = make_order(shop, platform_order_id="77001")
    db.session.commit()
    monkeypatch.setenv("BENCH_FLOOR_PG", url.replace("postgresql+psycopg://", "postgresql://"))
    monkeypatch.setenv("SHOPIFY_API_SECRET", SHOPIFY_SECRET)
    monkeypatch.setenv("SHOPIFY_API_KEY", "test-client-id")
    client = block_floor.app.test_client()
    auth = {"Authorization": f"Bearer {session_token()}"}
    path = "/api/v1/order-status?order_id=gid://shopify/OrderIdentity/77001"
    etag = client.get(path, headers=auth).headers["ETag"]
    assert client.get(path, headers={**auth, "If-None-Match": etag}).status_code == 304
    order.status = "shipped"
    db.session.commit()
    assert client.get(path, headers={**auth, "If-None-Match": etag}).status_code == 200
    assert client.get(path, headers={"Authorization": "Bearer forged"}).status_code == 401
    close_floor_connection()  # its connection belongs to this test


def test_a_paced_stream_sends_on_a_schedule_that_adds_up_to_the_rate(tmp_path):
    """Each of two wrk threads gets every 2 * 1000 / rate ms a send time, from the monotonic
    clock, so the threads together reach the rate whatever the answers take."""
    lua = write_script(tmp_path / "stream.lua", secret="s", domain="x.myshopify.com", run_id="r1",
                       first_order_id=1, rate=500, threads=2).read_text()
    assert "local interval_ms = 4.0000" in lua
    assert "clock_gettime(1, clock)" in lua and "function delay()" in lua
    unpaced = write_script(tmp_path / "ingest.lua", secret="s", domain="x.myshopify.com", run_id="r1",
                           first_order_id=1).read_text()
    assert "function delay()" not in unpaced


def test_path_counts_counts_one_statement_per_request_and_the_floors_below_the_app(app, tmp_path):
    """bench.path_counts (the bisect's measure) in a process of its own, on a database of its own:
    each path is one SQL statement, the intakes one Redis command each, and each floor costs
    fewer Python calls than the app's path it bounds (`app`: its teardown empties the Redis the
    child kicked a drain in)."""
    import os
    import subprocess
    import sys

    import pytest

    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("the floors read and write with raw psycopg: PostgreSQL only")
    env = {**os.environ, "PATH_COUNTS_DATABASE_URL": url + "_path_counts",
           "PATH_COUNTS_REDIS_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
           "PYTHONPATH": str(Path(__file__).parents[2])}
    try:
        done = subprocess.run([sys.executable, "-m", "bench.path_counts", "--requests", "20"], env=env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=300)
    finally:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}_path_counts" WITH (FORCE)'))
        admin.dispose()
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert {name: figures[name]["sql"] for name in figures} == dict.fromkeys(figures, 1.0)
    assert figures["ingest_floor"]["redis"] == 1.0 and figures["ingest"]["redis"] >= 1.0
    assert figures["block_etag_floor"]["calls"] < figures["block_etag"]["calls"]
    assert figures["ingest_floor"]["calls"] < figures["ingest"]["calls"]
    assert 0 < figures["block_etag"]["floor_share_of_calls"] < 1
