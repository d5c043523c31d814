"""What one phase of the run cost: CPU time of every process involved, SQL statements and
Redis round trips counted inside the app's processes, and PostgreSQL's and Redis' own counters.

The app costs something per second even when nothing happens (the periodic tick every
DISPATCH_INTERVAL_SECONDS, RQ's polling and heartbeats): `idle_rates` measures that on a
quiet stretch, and `cost` takes it out of a phase's figures for the phase's length, so that
a phase that took longer (a loaded machine, the waits between the day's windows) does not
look dearer per order. The gross figures stay beside them. That clock is the workers' (the
web processes idle at no cost worth naming), so for the seconds the workers were held
(stopped, bench/scale/hold.py) only the web processes' share is taken out.

Besides the costs, per order: the drain's claims (its select of at most a batch of waiting
deliveries, `FOR UPDATE SKIP LOCKED` on PostgreSQL: one per batch, and one per drain that
finds none left) and the RQ jobs performed, which together show how full the batches were."""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from bench.scale import counters

TICKS = os.sysconf("SC_CLK_TCK")
# PostgreSQL publishes an idle backend's statistics within 10 s (PGSTAT_IDLE_INTERVAL).
STATS_SETTLE_SECONDS = 11
DATABASE_FIGURES = ("xact_commit", "xact_rollback", "tup_returned", "tup_fetched", "tup_inserted",
                    "tup_updated",
                    "tup_deleted", "blks_read", "blks_hit")
TABLE_FIGURES = ("seq_scan", "seq_tup_read", "idx_scan", "idx_tup_fetch")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a live process, from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


@dataclass
class Snapshot:
    wall: float
    app: dict[int, dict]  # pid → {"role": "web"|"worker", "cpu": s, "sql": n, "transactions": n, "redis": n}
    postgres_cpu: dict[int, float]
    redis: dict[str, float]
    database: dict[str, int]
    tables: dict[str, dict[str, int]]
    statements: dict[str, list]  # SQL text → [calls, seconds], summed over the app's processes
    round_trips: dict[str, int]  # Redis commands sent together → round trips, summed likewise
    jobs: dict[str, int]  # an RQ job's function → jobs performed, summed likewise


def take(counter_dir: Path, conn, redis_client, *, settle: bool = True) -> Snapshot:
    """Read everything; `conn` is an autocommit connection the harness keeps for itself."""
    if settle:
        time.sleep(STATS_SETTLE_SECONDS)
    app = {}
    for pid, figures in counters.read(counter_dir).items():
        cpu = cpu_seconds(pid)
        if cpu is not None:
            app[pid] = {"cpu": cpu, **figures}
    backends = conn.execute(text(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND backend_type = 'client backend' AND pid <> pg_backend_pid()")).scalars()
    postgres_cpu = {pid: cpu for pid in backends if (cpu := cpu_seconds(pid)) is not None}
    commands = redis_client.info("commandstats")
    cpu = redis_client.info("cpu")
    redis = {"commands": sum(v["calls"] for k, v in commands.items() if k not in ("cmdstat_info",)),
             "cpu": cpu["used_cpu_sys"] + cpu["used_cpu_user"]}
    conn.execute(text("SELECT pg_stat_clear_snapshot()"))
    database = dict(conn.execute(text(
        f"SELECT {', '.join(DATABASE_FIGURES)} FROM pg_stat_database WHERE datname = current_database()"))
        .mappings().one())
    tables = {row["relname"]: {k: row[k] or 0 for k in TABLE_FIGURES} for row in conn.execute(text(
        f"SELECT relname, {', '.join(TABLE_FIGURES)} FROM pg_stat_user_tables")).mappings()}
    return Snapshot(time.monotonic(), app, postgres_cpu, redis, database, tables,
                    counters.read_statements(counter_dir), counters.read_round_trips(counter_dir),
                    counters.read_round_trips(counter_dir, ".jobs.json"))


def totals(before: Snapshot, after: Snapshot) -> dict[str, float]:
    """What happened between two snapshots, summed (CPU in seconds)."""
    def app_delta(field: str, pids) -> float:
        return sum(after.app[p][field] - before.app.get(p, {}).get(field, 0) for p in pids if p in after.app)

    web = [p for p, figures in after.app.items() if figures["role"] == "web"]
    workers = [p for p, figures in after.app.items() if figures["role"] == "worker"]
    seq_tup_read = sum(figures["seq_tup_read"] - before.tables.get(name, {}).get("seq_tup_read", 0)
                       for name, figures in after.tables.items())
    claims = sum(calls - before.statements.get(sql, (0, 0.0))[0]
                 for sql, (calls, _) in after.statements.items() if is_claim(sql))
    return {
        "cpu_web": app_delta("cpu", web), "cpu_worker": app_delta("cpu", workers),
        **{f"{field}_{role}": app_delta(field, pids) for field in ("sql", "transactions", "redis")
           for role, pids in (("web", web), ("worker", workers))},
        "jobs_worker": app_delta("jobs", workers), "claims_worker": claims,
        "cpu_postgres": sum(cpu - before.postgres_cpu.get(pid, 0.0) for pid, cpu
                            in after.postgres_cpu.items()),
        "cpu_redis": after.redis["cpu"] - before.redis["cpu"],
        "sql": app_delta("sql", web + workers), "transactions": app_delta("transactions", web + workers),
        "redis": app_delta("redis", web + workers),
        "redis_commands": after.redis["commands"] - before.redis["commands"],
        "tup_returned": after.database["tup_returned"] - before.database["tup_returned"],
        "seq_tup_read": seq_tup_read, "blks_read": after.database["blks_read"] - before.database["blks_read"],
    }


def idle_rates(before: Snapshot, after: Snapshot) -> dict[str, float]:
    """Per second of a quiet stretch (nothing played, nothing due): what the app's clock costs
    (the periodic tick, RQ's polling and heartbeats, the processes' own housekeeping)."""
    seconds = after.wall - before.wall
    return {key: value / seconds for key, value in totals(before, after).items()}


def is_claim(sql: str) -> bool:
    """The drain's claim of waiting deliveries (app/jobs/deliveries.py), on either database."""
    sql = " ".join(sql.split())
    return "FROM webhook_deliveries" in sql and "ORDER BY webhook_deliveries.id LIMIT" in sql


def idle_share(key: str, idle: dict[str, float], seconds: float, paused: float) -> float:
    """The idle clock's part of `key` over a stretch of `seconds` in which the workers were
    stopped for `paused`: the web processes' share for all of it, the rest (the workers' and
    the servers' they drive) for the seconds the workers ran."""
    if key.endswith("_web"):
        return idle.get(key, 0.0) * seconds
    if f"{key}_web" in idle:  # an app figure summed over both roles
        return idle[f"{key}_web"] * seconds + idle[f"{key}_worker"] * (seconds - paused)
    return idle.get(key, 0.0) * (seconds - paused)


def cost(before: Snapshot, after: Snapshot, orders: int, idle: dict[str, float] | None = None,
         paused: float = 0.0) -> dict:
    """Per-order figures of what happened between two snapshots. With `idle` (idle_rates),
    the clock's cost for the stretch's length is taken out first: what is left is what the
    orders cost, whatever the stretch's length (`gross` keeps the figures before that).
    `paused`: seconds of the stretch the workers were held (their clock stood still)."""
    raw = totals(before, after)
    seconds = after.wall - before.wall
    net = {key: value - idle_share(key, idle or {}, seconds, paused) for key, value in raw.items()}
    tables = {name: {k: figures[k] - before.tables.get(name, {}).get(k, 0) for k in TABLE_FIGURES}
              for name, figures in after.tables.items()}
    per = 1 / orders
    return {
        **_per_order(net, per),
        "gross": _per_order(raw, per),
        "idle_per_second": {key: round(value, 3) for key, value in (idle or {}).items()},
        "top_statements": top_statements(before, after, orders),
        "top_round_trips": top_round_trips(before, after, orders),
        "jobs_by_function": {name: round((count - before.jobs.get(name, 0)) * per, 2)
                             for name, count in sorted(after.jobs.items())
                             if count > before.jobs.get(name, 0)},
        "tables": {name: {k: round(v * per, 2) for k, v in figures.items()}
                   for name, figures in tables.items() if any(figures.values())},
    }


def _per_order(figures: dict[str, float], per: float) -> dict[str, float]:
    return {
        "cpu_ms_web": round(figures["cpu_web"] * 1000 * per, 2),
        "cpu_ms_worker": round(figures["cpu_worker"] * 1000 * per, 2),
        "cpu_ms_app": round((figures["cpu_web"] + figures["cpu_worker"]) * 1000 * per, 2),
        "cpu_ms_postgres": round(figures["cpu_postgres"] * 1000 * per, 2),
        "cpu_ms_redis": round(figures["cpu_redis"] * 1000 * per, 2),
        "sql_statements": round(figures["sql"] * per, 1),
        "sql_transactions": round(figures["transactions"] * per, 1),
        "redis_round_trips": round(figures["redis"] * per, 1),
        "redis_commands": round(figures["redis_commands"] * per, 1),
        "rows_read": round(figures["tup_returned"] * per, 1),
        "seq_tup_read": round(figures["seq_tup_read"] * per, 1),
        "blocks_read": round(figures["blks_read"] * per, 2),
        "drain_claims": round(figures["claims_worker"] * per, 2),
        "rq_jobs": round(figures["jobs_worker"] * per, 2),
    }


def top_statements(before: Snapshot, after: Snapshot, orders: int, count: int = 8) -> list[dict]:
    """The statements that took the app's processes the most time, per order of the sample."""
    rows = []
    for sql, (calls, seconds) in after.statements.items():
        was_calls, was_seconds = before.statements.get(sql, (0, 0.0))
        if calls > was_calls:
            rows.append((seconds - was_seconds, calls - was_calls, _short(sql)))
    rows.sort(reverse=True)
    return [{"ms_per_order": round(seconds * 1000 / orders, 2), "calls_per_order": round(calls / orders, 2),
             "mean_ms": round(seconds * 1000 / calls, 3), "sql": sql[:300]} for seconds, calls, sql
             in rows[:count]]


def top_round_trips(before: Snapshot, after: Snapshot, orders: int, count: int = 12) -> dict[str, float]:
    """Redis round trips per order of the sample by the commands they carried (gross: the
    idle clock's included)."""
    rows = sorted(((calls - before.round_trips.get(names, 0), names) for names, calls
                   in after.round_trips.items()),
                  reverse=True)
    return {names: round(calls / orders, 2) for calls, names in rows[:count] if calls > 0}


def _short(sql: str) -> str:
    """One line, with a long select list shortened to its table's name."""
    sql = " ".join(sql.split())
    return re.sub(r"^SELECT (\w+)\.\w+(, \w+\.\w+){4,} FROM", r"SELECT \1.* FROM", sql)
