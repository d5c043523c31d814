"""Liveness and readiness for load balancers."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from app.extensions import db, queues

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Answer 200 when the database and Redis both respond."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # report, do not raise: this is the health page
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        queues.redis.ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return {"status": "ok" if healthy else "degraded", "checks": checks}, 200 if healthy else 503
