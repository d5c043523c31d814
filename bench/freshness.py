"""Freshness: from a webhook's 200 to the block showing its order, while other webhooks
stream in at a set rate (wrk, paced on a schedule) and real workers (`python -m app.worker`)
process them."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import httpx

from bench.ingest_script import SAMPLE, write_script
from bench.wrk import run_wrk
from connectors.signature import body_signature

PROBE_EVERY = 0.5
# Enough that a connection is free at each scheduled send: the schedule sets the pace.
STREAM_CONNECTIONS = 32
GIVE_UP_AFTER = 15.0


def _order_body(order_id: int) -> bytes:
    """A new order placed now: the block shows a guest only an order of the last 72 hours."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    order = dict(json.loads(SAMPLE.read_text()), id=order_id, name=f"#F{order_id % 100000}",
                 created_at=now, processed_at=now, updated_at=now)
    return json.dumps(order).encode()


def _post(client: httpx.Client, base: str, secret: str, domain: str, order_id: int) -> int:
    body = _order_body(order_id)
    event = uuid.uuid4().hex
    return client.post(f"{base}/webhooks/shopify", content=body, headers={
        "Content-Type": "application/json", "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": body_signature(body, secret), "X-Shopify-Shop-Domain": domain,
        "X-Shopify-API-Version": "2026-10", "X-Shopify-Event-Id": event,
        "X-Shopify-Webhook-Id": f"w-{event}"}).status_code


def run(base: str, env: dict[str, str], domain: str, session_token: str, *, rate: float,
        seconds: float, workers: int = 2) -> dict:
    procs = [subprocess.Popen([sys.executable, "-m", "app.worker"], env={**env, "LOG_LEVEL": "WARNING"})
             for _ in range(workers)]
    latencies: list[float] = []
    unresolved = [0]
    stream: dict = {}

    def background() -> None:
        # Sent on a schedule, not after each answer: the stream reaches `rate` unless the
        # app cannot take it, and the rate it reached is reported beside the asked one.
        script = write_script(Path(tempfile.mkdtemp()) / "stream.lua", secret=env["SHOPIFY_API_SECRET"],
                              domain=domain, run_id=uuid.uuid4().hex[:8], first_order_id=7_000_000_000_000,
                              rate=rate)
        stream.update(run_wrk(base + "/", seconds=int(seconds), connections=STREAM_CONNECTIONS,
                              script=script).as_dict())

    def probe(order_id: int) -> None:
        with httpx.Client(timeout=10) as client:
            assert _post(client, base, env["SHOPIFY_API_SECRET"], domain, order_id) == 200
            accepted = time.perf_counter()
            url = f"{base}/api/v1/order-status?order_id=gid://shopify/OrderIdentity/{order_id}"
            while time.perf_counter() - accepted < GIVE_UP_AFTER:
                status = client.get(url, headers={"Authorization": f"Bearer {session_token}"}).status_code
                if status == 200:
                    latencies.append(time.perf_counter() - accepted)
                    return
                if status != 404:  # only "not there yet" is worth waiting for
                    raise SystemExit(f"freshness probe: the block answered {status} for order {order_id}")
                time.sleep(0.02)
            unresolved[0] += 1

    try:
        time.sleep(2)  # workers up
        loaders = [threading.Thread(target=background)]
        for loader in loaders:
            loader.start()
        probes, probe_id, began = [], 8_000_000_000_000, time.perf_counter()
        while time.perf_counter() - began < seconds:
            probe_id += 1
            thread = threading.Thread(target=probe, args=(probe_id,))
            thread.start()
            probes.append(thread)
            time.sleep(PROBE_EVERY)
        for thread in [*loaders, *probes]:
            thread.join()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)
    ordered = sorted(latencies) or [GIVE_UP_AFTER]
    p99 = GIVE_UP_AFTER if unresolved[0] else ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return {"probes": len(latencies) + unresolved[0], "unresolved": unresolved[0],
            "p50_ms": round(ordered[len(ordered) // 2] * 1000, 1), "p99_ms": round(p99 * 1000, 1),
            "background_rps": stream.get("rps", 0.0), "target_background_rps": rate,
            "errors": unresolved[0] + stream.get("errors", 0)}
