"""Fixed-window rate limits in Redis: one INCR and one EXPIRE per check, in a pipeline.

Used where a public endpoint could be walked through (order lookup by number and e-mail)
or hammered (one-click unsubscribe). When Redis is down the request is allowed: these
limits protect against abuse, they are not what keeps data safe.
"""
from __future__ import annotations

import logging
import time

import redis

from app.extensions import queues

log = logging.getLogger(__name__)


def allow(scope: str, subject: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt of `subject` (an IP, a shop + e-mail) in `scope`; False once over."""
    window = int(time.time()) // window_seconds
    key = f"aftersales:rate:{scope}:{subject}:{window}"
    try:
        with queues.redis.pipeline() as pipe:
            pipe.incr(key)
            pipe.expire(key, window_seconds)
            count, _ = pipe.execute()
    except redis.RedisError:
        log.warning("rate limit %s not checked: Redis unavailable", scope)
        return True
    return count <= limit


def client_address(request) -> str:
    """The caller's address: the socket's peer, or with TRUSTED_PROXY_COUNT set the address
    the outermost trusted proxy saw (ProxyFix); never an X-Forwarded-For nobody vouches for."""
    return request.remote_addr or "unknown"
