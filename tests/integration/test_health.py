"""Liveness asks nothing; readiness asks the database and Redis, each within a short time, and says
which one failed without an address or password; /healthz stays readiness."""
from __future__ import annotations

import threading

import pytest
import redis

from app.extensions import db, queues
from app.web import health

READY_PATHS = ("/healthz/ready", "/healthz")


def test_live_answers_without_asking_anything(client, monkeypatch):
    def fail(*_args, **_kwargs):
        raise AssertionError("liveness asked a dependency")

    monkeypatch.setattr(db, "autocommit", fail)
    monkeypatch.setattr(queues.redis, "ping", fail)
    response = client.get("/healthz/live")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize("path", READY_PATHS)
def test_ready_when_database_and_redis_answer(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


@pytest.mark.parametrize("path", READY_PATHS)
def test_unreachable_redis_is_named_without_its_address(client, monkeypatch, path):
    unreachable = redis.Redis.from_url("redis://:hunter2@127.0.0.1:1/0", socket_connect_timeout=0.5)
    monkeypatch.setattr(queues, "redis", unreachable)
    response = client.get(path)
    assert response.status_code == 503
    body = response.get_json()
    assert body["failed"] == ["redis"] and body["status"] == "unavailable"
    assert body["checks"] == {"database": "ok", "redis": "error: ConnectionError"}
    assert b"hunter2" not in response.data and b"127.0.0.1" not in response.data


def test_unreachable_database_is_named(client, monkeypatch):
    def refuse():
        raise ConnectionRefusedError("connection to postgresql://app:hunter2@db.internal refused")

    monkeypatch.setattr(db, "autocommit", refuse)
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.get_json()["failed"] == ["database"]
    assert response.get_json()["checks"]["database"] == "error: ConnectionRefusedError"
    assert b"hunter2" not in response.data and b"db.internal" not in response.data


def test_a_hanging_dependency_costs_the_probe_its_timeout_not_the_worker(client, monkeypatch):
    monkeypatch.setattr(health, "CHECK_SECONDS", 0.2)
    release = threading.Event()
    monkeypatch.setattr(queues.redis, "ping", lambda: release.wait(10))
    try:
        first = client.get("/healthz/ready")
        assert first.status_code == 503 and first.get_json()["checks"]["redis"] == "timeout"
        # While the hung check still runs, the next probe does not start another one.
        second = client.get("/healthz/ready")
        assert second.status_code == 503 and second.get_json()["checks"]["redis"] == "timeout"
    finally:
        release.set()
    monkeypatch.undo()
    for _ in range(50):  # the hung check ends; probes are answered normally again
        if client.get("/healthz/ready").status_code == 200:
            break
        threading.Event().wait(0.05)
    assert client.get("/healthz/ready").status_code == 200


@pytest.mark.parametrize("path", ("/healthz/live", "/healthz/ready", "/healthz"))
def test_health_answers_on_any_host(client, path):
    """Load balancers probe by IP address or an internal name."""
    assert client.get(path, headers={"Host": "10.1.2.3:8000"}).status_code == 200
