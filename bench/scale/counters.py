"""Per-process counters of SQL statements, transactions and Redis round trips, installed into
the app's own processes (gunicorn workers, RQ workers) when SCALE_COUNTER_DIR is set.

Each process counts in a small memory-mapped file named after its role and pid, so the
harness reads every process's figures (and finds the pids whose CPU time it measures)
without asking the processes anything: counting costs well under a microsecond per call.
Beside it, every second, a thread writes the process's calls and time per statement text
(SQLAlchemy's, parameters apart): a small pg_stat_statements of the app's own. A forked
child (RQ's scheduler process) starts its own files. In an RQ worker, the jobs it performs
are counted too (in all and by function), so the run shows how many jobs a day took.
"""
from __future__ import annotations

import json
import mmap
import os
import re
import struct
import threading
import time
from pathlib import Path

FIELDS = ("sql", "transactions", "redis", "jobs")
_FORMAT = "<" + "Q" * len(FIELDS)
_SIZE = struct.calcsize(_FORMAT)
WRITE_STATEMENTS_EVERY = 1.0
_COMMAND = re.compile(rb"\*\d+\r\n\$\d+\r\n([A-Za-z]+)\r\n")


class _Counts:
    def __init__(self, folder: Path, role: str) -> None:
        self.folder, self.role = folder, role
        self.open()

    def open(self) -> None:
        self.totals = [0] * len(FIELDS)
        self.statements: dict[str, list] = {}  # text → [calls, seconds]
        self.round_trips: dict[str, int] = {}  # the commands sent together → round trips
        self.jobs: dict[str, int] = {}  # an RQ job's function → jobs performed
        self.dirty = False
        self.path = self.folder / f"{self.role}-{os.getpid()}"
        with self.path.with_suffix(".cnt").open("w+b") as file:
            file.write(b"\0" * _SIZE)
            file.flush()
            self.map = mmap.mmap(file.fileno(), _SIZE)
        threading.Thread(target=self.write_statements, daemon=True).start()

    def bump(self, field: int) -> None:
        self.totals[field] += 1
        struct.pack_into(_FORMAT, self.map, 0, *self.totals)

    def statement(self, text: str, seconds: float) -> None:
        entry = self.statements.setdefault(text, [0, 0.0])
        entry[0] += 1
        entry[1] += seconds
        self.dirty = True

    def round_trip(self, command) -> None:
        first = command if isinstance(command, bytes) else b"".join(command[:1]) if command else b""
        names = sorted({name.upper().decode() for name in _COMMAND.findall(first[:4096])})
        key = "+".join(names) or "?"
        self.round_trips[key] = self.round_trips.get(key, 0) + 1
        self.dirty = True

    def job(self, function: str) -> None:
        self.bump(3)
        self.jobs[function] = self.jobs.get(function, 0) + 1
        self.dirty = True

    def write_statements(self) -> None:
        while True:
            time.sleep(WRITE_STATEMENTS_EVERY)
            if self.dirty:
                self.dirty = False
                for suffix, figures in ((".sql.json", self.statements), (".redis.json", self.round_trips),
                                        (".jobs.json", self.jobs)):
                    temporary = self.path.with_suffix(".tmp")
                    temporary.write_text(json.dumps(dict(figures)))
                    temporary.replace(self.path.with_suffix(suffix))


def install(folder: Path, role: str) -> None:
    """Count this process's cursor executions, commits/rollbacks and Redis round trips."""
    from redis.connection import AbstractConnection
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    counts = _Counts(folder, role)
    os.register_at_fork(after_in_child=counts.open)

    def before(conn, cursor, statement, parameters, context, executemany):
        counts.bump(0)
        conn.info["scale_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        counts.statement(statement, time.perf_counter() - conn.info.pop("scale_started", time.perf_counter()))

    event.listen(Engine, "before_cursor_execute", before)
    event.listen(Engine, "after_cursor_execute", after)
    event.listen(Engine, "commit", lambda *_a: counts.bump(1))
    event.listen(Engine, "rollback", lambda *_a: counts.bump(1))
    # One send_packed_command is one round trip: a pipeline sends all its commands at once.
    send = AbstractConnection.send_packed_command

    def send_packed_command(self, command, check_health=True):
        counts.bump(2)
        counts.round_trip(command)
        return send(self, command, check_health)

    AbstractConnection.send_packed_command = send_packed_command
    if role == "worker":
        from rq.worker.base import BaseWorker

        perform_job = BaseWorker.perform_job

        def counted_perform_job(self, job, queue, execution):
            counts.job(job.func_name.rsplit(".", 1)[-1])
            return perform_job(self, job, queue, execution)

        BaseWorker.perform_job = counted_perform_job  # type: ignore[method-assign]


def install_from_env(role: str) -> None:
    folder = os.environ.get("SCALE_COUNTER_DIR")
    if folder:
        install(Path(folder), role)


def read(folder: Path) -> dict[int, dict]:
    """pid → its role and counters, for every process that installed them."""
    found = {}
    for path in folder.glob("*.cnt"):
        role, pid = path.stem.rsplit("-", 1)
        values = struct.unpack(_FORMAT, path.read_bytes()[:_SIZE])
        found[int(pid)] = {"role": role, **dict(zip(FIELDS, values, strict=True))}
    return found


def read_statements(folder: Path) -> dict[str, list]:
    """Statement text → [calls, seconds], summed over the processes (as last written)."""
    total: dict[str, list] = {}
    for path in folder.glob("*.sql.json"):
        for text, (calls, seconds) in json.loads(path.read_text()).items():
            entry = total.setdefault(text, [0, 0.0])
            entry[0] += calls
            entry[1] += seconds
    return total


def read_round_trips(folder: Path, suffix: str = ".redis.json") -> dict[str, int]:
    """The commands sent in one round trip (names, sorted) → round trips, summed over the processes
    (with suffix ".jobs.json": an RQ job's function → jobs performed)."""
    total: dict[str, int] = {}
    for path in folder.glob(f"*{suffix}"):
        for names, count in json.loads(path.read_text()).items():
            total[names] = total.get(names, 0) + count
    return total
