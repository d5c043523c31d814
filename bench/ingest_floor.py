"""The floor of webhook intake on the fixed stack, served like the app: Flask, shopifyapp's
HMAC check, one durable INSERT (raw psycopg, autocommit) and one Redis SET, nothing else.

No intake on this stack can be faster; `make bench` reports the app's ingest against it as
well as against the bare hello world, so the gap that is ours and the gap that is the
stack's read apart. BENCH_FLOOR_PG names the database; the table is made by `prepare`.
"""
from __future__ import annotations

import os
import threading

import psycopg
import redis
import shopify_app
from flask import Flask, request

from bench.floor_connection import floor_connection

app = Flask(__name__)
_local = threading.local()
TABLE = "bench_floor_deliveries"


def prepare(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
        conn.execute(f"CREATE TABLE {TABLE} (id bigserial PRIMARY KEY, delivery_key text UNIQUE, body bytea, "
                     "received_at timestamptz DEFAULT now())")


def _redis() -> redis.Redis:
    client = getattr(_local, "redis", None)
    if client is None:
        client = _local.redis = redis.Redis.from_url(os.environ["REDIS_URL"])
    return client


@app.post("/webhooks/shopify")
def ingest():
    body = request.get_data(cache=False)
    verdict = shopify_app.verify_webhook_req(
        {"method": "POST", "headers": dict(request.headers), "url": request.url, "body": body.decode()},
        {"client_id": "bench", "client_secret": os.environ["SHOPIFY_API_SECRET"]})
    if not verdict.ok:
        return {"status": 401, "message": "bad signature"}, 401
    floor_connection().execute(f"INSERT INTO {TABLE} (delivery_key, body) VALUES (%s, %s) ON CONFLICT DO "
                               "NOTHING",
                          (request.headers.get("X-Shopify-Event-Id"), body))
    _redis().set("bench:floor-kick", "1", nx=True, px=10_000)
    return {"status": 200, "message": "accepted"}


@app.get("/")
def up():
    return "up"
