"""RQ queues on one Redis connection; purpose-named: webhooks, mail, periodic."""
from __future__ import annotations

from datetime import timedelta

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import StartedJobRegistry

QUEUE_NAMES = ("webhooks", "mail", "periodic")
# Back-off for retried jobs: seconds before attempt 2, 3, …
BACKOFF = [5, 30, 120, 600, 1800]
LIVE_JOB_STATES = {"queued", "started", "scheduled", "deferred"}


class Queues:
    """Holds the Redis connection and the named queues for one app."""

    def __init__(self) -> None:
        self._redis: Redis | None = None
        self._queues: dict[str, Queue] = {}

    @property
    def bound(self) -> bool:
        """Whether init_app has given these queues a Redis connection."""
        return self._redis is not None

    @property
    def redis(self) -> Redis:
        if self._redis is None:
            raise RuntimeError("Queues.init_app was not called")
        return self._redis

    @redis.setter
    def redis(self, connection: Redis) -> None:
        self._redis = connection

    def init_app(self, app) -> None:
        self._redis = Redis.from_url(app.config["REDIS_URL"], socket_timeout=5,
                                     socket_connect_timeout=2, health_check_interval=30)
        self._queues = {name: Queue(name, connection=self.redis) for name in QUEUE_NAMES}
        app.extensions["queues"] = self

    def get(self, name: str) -> Queue:
        return self._queues[name]

    def enqueue(self, queue: str, func, *args, job_id: str, retries: int = len(BACKOFF),
                timeout: int | None = None, delay: timedelta | None = None,
                backoff: list[int] | None = None) -> Job:
        """Enqueue under a deterministic id, with retries and back-off (after `delay`, if given).

        `backoff`: the waits before each retry (default: the first `retries` of BACKOFF).
        """
        retry = Retry(max=retries, interval=backoff or BACKOFF[:retries]) if retries else None
        options = dict(job_id=job_id, retry=retry,
                       failure_ttl=7 * 24 * 3600, result_ttl=3600, job_timeout=timeout)
        if delay is not None:
            return self.get(queue).enqueue_in(delay, func, *args, **options)
        return self.get(queue).enqueue(func, *args, **options)

    def reap_abandoned(self) -> None:
        """Hand jobs whose worker died (kill -9, lost machine) back to RQ's retry path.

        RQ notices them only when a started-job registry is cleaned, which a worker does
        every ten minutes; the dispatcher tick calls this so a crash heals within about a
        minute and a half (the job's last heartbeat plus RQ's 60 s grace).
        """
        for queue in self._queues.values():
            StartedJobRegistry(queue=queue).cleanup()

    def job_is_live(self, job_id: str) -> bool:
        """Whether Redis still carries this job (queued, running or waiting to retry)."""
        try:
            job = Job.fetch(job_id, connection=self.redis)
        except NoSuchJobError:
            return False
        status = job.get_status(refresh=False)
        return getattr(status, "value", status) in LIVE_JOB_STATES
