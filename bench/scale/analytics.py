"""The analytics pages' aggregation at 10k, 100k (and 1M) orders: `make scale` runs it as a
stage, `make scale-analytics` alone.

For each size in SCALE_SIZES a fresh PostgreSQL database (SCALE_ANALYTICS_DATABASE_URL,
default the local server's aftersales_scale_analytics) gets a seeded history in bulk
(bench/scale/analytics_history.py), then each page's figures are computed as the admin page
computes them, REPEATS times (fewer once a page took PAGE_SECONDS) for two shops: STEADY (the
same few thousand orders at every size: its cost must stay flat, ≤ 1.3×) and BIG (a fifth of
all orders: its period grows with the size, so its cost may too). Printed and stored in
var/scale/analytics-results.json: the best (and median) ms per page, the rows the page's
queries handed to Python, the rows PostgreSQL read for them (pg_stat_database tup_returned +
tup_fetched), and whether the plans of the default period's queries scan `orders`,
`shipments` or `parcel_facts` sequentially. The flatness verdict (≤ 1.3× from the smallest
size to the largest) is on the rows PostgreSQL read: on a shared machine the milliseconds
move with the neighbours' load, the rows do not.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text

ROOT = Path(__file__).resolve().parents[2]
SIZES = [int(n) for n in os.environ.get("SCALE_SIZES", "10000 100000 1000000").split()]
SEED = int(os.environ.get("SCALE_SEED", 1))
REPEATS = int(os.environ.get("SCALE_ANALYTICS_REPEATS", 5))
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/aftersales_scale_analytics"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
RESULTS = ROOT / "var" / "scale"
FLAT = 1.3
PAGE_SECONDS = 10.0  # no further repeats of a page once its runs took this long
PAGES = ("earnings", "mail", "carriers", "wismo")


class StatementRows:
    """Rows handed to Python and the statements' SQL, while switched on."""

    def __init__(self, engine: Engine) -> None:
        self.rows, self.on = 0, False
        self.statements: list[tuple[str, Any]] = []
        event.listen(engine, "after_cursor_execute", self._after)

    def _after(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               many: bool) -> None:
        if self.on and statement.lstrip().upper().startswith("SELECT"):
            self.rows += max(cursor.rowcount, 0)
            self.statements.append((statement, parameters))


def pages(session: Any, shop: Any, now: datetime) -> dict[str, Callable[[], object]]:
    """Each admin page's figures, for its default range, as the page computes them."""
    from app.domain.analytics.earnings import earnings_report
    from app.domain.analytics.mail_outcomes import mail_outcomes
    from app.domain.analytics.week_buckets import complete_weeks
    from app.domain.analytics.wismo import wismo_report
    from app.domain.arrival.carrier_history import carrier_report
    from app.domain.followups.survey import weekly_score_counts
    from app.web.admin import carriers, earnings
    from app.web.admin import mail_outcomes as mail_page

    def mail() -> object:
        weeks = complete_weeks(now, shop.timezone, mail_page.DEFAULT_RANGE)
        return mail_outcomes(session, shop.id, weeks), weekly_score_counts(session, shop.id, weeks)

    return {
        "earnings": lambda: earnings_report(session, shop, earnings.DEFAULT_RANGE, now),
        "mail": mail,
        # with learned-EDD accuracy
        "carriers": lambda: carrier_report(session, shop, carriers.DEFAULT_RANGE, now),
        "wismo": lambda: wismo_report(session, shop, now),
    }


def database_rows(conn: Any) -> int:
    conn.execute(text("SELECT pg_stat_clear_snapshot()"))
    return int(conn.scalar(text("SELECT tup_returned + tup_fetched FROM pg_stat_database "
                                "WHERE datname = current_database()")))


def sequential_scans(session: Any, statements: list[tuple[str, Any]]) -> list[str]:
    """The tables among orders, shipments and parcel_facts that a plan of these statements scans whole."""
    found = set()
    for statement, parameters in statements:
        plan = session.connection().exec_driver_sql("EXPLAIN " + statement, parameters).scalars().all()
        for line in plan:
            for table in ("orders", "shipments", "parcel_facts"):
                if f"Seq Scan on {table}" in line:
                    found.add(table)
    return sorted(found)


def flush_statistics(session: Any) -> None:
    """End the transaction and have this backend's table statistics written out now (else
    they wait up to a second and land in the next page's figures)."""
    session.commit()
    session.connection().exec_driver_sql("SELECT pg_stat_force_next_flush()")
    session.commit()
    time.sleep(0.05)


def measure(app: Any, engine: Engine, shop_id: int, now: datetime, watch: StatementRows,
            stats: Any) -> dict[str, dict]:
    from app.extensions import db
    from app.models import Shop
    from app.read_model.loads import load_modules

    found = {}
    with app.app_context():
        session = db.session
        shop = session.get(Shop, shop_id)
        assert shop is not None
        load_modules(session, shop)
        for name, compute in pages(session, shop, now).items():
            compute()  # warm: plans and caches, as on a live server
            flush_statistics(session)
            timings, python_rows, pg_rows = [], [], []
            for _ in range(REPEATS):
                if sum(timings) > PAGE_SECONDS:  # a slow page: enough to tell, fewer repeats
                    break
                watch.rows, watch.statements, watch.on = 0, [], True
                before = database_rows(stats)
                began = time.perf_counter()
                compute()
                timings.append((time.perf_counter() - began) * 1000)
                watch.on = False
                flush_statistics(session)
                python_rows.append(watch.rows)
                pg_rows.append(database_rows(stats) - before)
            found[name] = {"ms": round(min(timings), 1), "ms_median": round(statistics.median(timings), 1),
                           "python_rows": python_rows[-1],
                           "pg_rows": int(statistics.median(pg_rows)),
                           "seq_scans": sequential_scans(session, watch.statements)}
            session.rollback()
    return found


def ratio(first: float, last: float) -> float:
    return round(last / first, 2) if first else 0.0


def print_table(results: dict) -> None:
    print("\nanalytics pages: best ms / rows to Python / rows PostgreSQL read / seq scans (default range)")
    for shop in ("steady", "big"):
        for run in results["runs"]:
            figures = run[shop]
            line = " | ".join(f"{page} {figures[page]['ms']:>7.1f} ms {figures[page]['python_rows']:>6} "
                              f"{figures[page]['pg_rows']:>8} {','.join(figures[page]['seq_scans']) or '-'}"
                              for page in PAGES)
            print(f"{shop:>6} {run['orders']:>9,} orders ({run['shop_orders'][shop]:>7,} the shop's): {line}")
    runs = results["runs"]
    if len(runs) >= 2:
        first, last = runs[0], runs[-1]
        for shop in ("steady", "big"):
            growth = {page: ratio(first[shop][page]["ms"], last[shop][page]["ms"]) for page in PAGES}
            rows = {page: ratio(first[shop][page]["pg_rows"], last[shop][page]["pg_rows"]) for page in PAGES}
            flat = {page: rows[page] <= FLAT for page in PAGES}
            results.setdefault("growth", {})[shop] = {"ms": growth, "pg_rows": rows, "flat": flat}
            print(f"growth {last['orders']:,} / {first['orders']:,} orders, {shop}: "
                  + " ".join(f"{page} rows {rows[page]}x ms {growth[page]}x "
                             f"{'flat' if flat[page] else 'GROWS'}"
                             for page in PAGES))
    print(flush=True)


def main() -> int:
    from bench.run import app_environment
    from bench.servers import fresh_postgres

    url = os.environ.get("SCALE_ANALYTICS_DATABASE_URL", DEFAULT_PG)
    results: dict[str, Any] = {"sizes": SIZES, "seed": SEED, "repeats": REPEATS, "runs": []}
    now = datetime.now(timezone.utc)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        database_url = fresh_postgres(url)
        if database_url is None:
            raise SystemExit("the analytics stage measures on PostgreSQL: set SCALE_ANALYTICS_DATABASE_URL")
        os.environ.update(app_environment(database_url,
                                          os.environ.get("SCALE_ANALYTICS_REDIS_URL", DEFAULT_REDIS)))
        from app import create_app
        from app.db.migrate import upgrade
        from app.extensions import db
        from bench.scale.analytics_history import seed

        upgrade(database_url)
        app = create_app()
        with app.app_context():
            engine = db.engine
            assert engine is not None
            seeded = seed(engine, size, SEED, now)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                began = time.monotonic()
                conn.execute(text("VACUUM ANALYZE"))
                vacuum = time.monotonic() - began
            print(f"analytics: {size:,} orders seeded in {seeded.seconds:.1f}s ({seeded.rows:,} rows; "
                  f"parcel facts' backfill {seeded.facts_seconds:.1f}s), vacuum {vacuum:.1f}s", flush=True)
            watch = StatementRows(engine)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as stats:
                run = {"orders": size, "seed_seconds": round(seeded.seconds, 1), "rows_written": seeded.rows,
                       "facts_seconds": round(seeded.facts_seconds, 1),
                       "shop_orders": {"steady": seeded.orders[seeded.steady_shop],
                                       "big": seeded.orders[seeded.big_shop]},
                       "steady": measure(app, engine, seeded.steady_shop, now, watch, stats),
                       "big": measure(app, engine, seeded.big_shop, now, watch, stats)}
            event.remove(engine, "after_cursor_execute", watch._after)
            db.session.remove()
            engine.dispose()
        results["runs"].append(run)
        print_table(results)
        (RESULTS / "analytics-results.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
