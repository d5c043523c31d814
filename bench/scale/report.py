"""What the scale run checks (nothing lost, nothing failed) and the table it prints."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from bench.scale.day import Order, Step

FLAT = 1.3  # growth of a per-order cost from the smallest to the largest size still called flat
COLUMNS = (  # (heading, key in per_order or run, format)
    ("orders", "orders", "{:>9,}"), ("app CPU ms", "cpu_ms_app", "{:>10.1f}"),
    ("web", "cpu_ms_web", "{:>6.1f}"),
    ("worker", "cpu_ms_worker", "{:>6.1f}"), ("PG CPU ms", "cpu_ms_postgres", "{:>9.1f}"),
    ("SQL stmts", "sql_statements", "{:>9.1f}"), ("Redis RT", "redis_round_trips", "{:>8.1f}"),
    ("rows scanned", "rows_read", "{:>12.1f}"), ("claims", "drain_claims", "{:>6.2f}"),
    ("jobs", "rq_jobs", "{:>5.2f}"), ("mails", "mails_per_order", "{:>5.2f}"),
    ("p99 ms", "processing_p99_ms", "{:>8.0f}"),
    ("wall s", "wall_seconds", "{:>6.0f}"), ("lost", "lost_orders", "{:>4}"),
    ("failed", "failed_deliveries", "{:>6}"),
)
RATIO_KEYS = ("cpu_ms_app", "cpu_ms_postgres", "sql_statements", "redis_round_trips", "rows_read")


def outcome(conn, orders: list[Order], steps: list[Step], since: datetime) -> dict:
    """Orders and deliveries stored against those generated; failures; the mails they got."""
    ids = [str(order.order_id) for order in orders]
    params = {"ids": ids, "since": since.replace(tzinfo=None)}
    stored = conn.execute(text("SELECT count(*) FROM orders WHERE platform_order_id = ANY(:ids)"),
                          params).scalar()
    deliveries = dict(conn.execute(text(
        "SELECT count(*) AS stored, count(*) FILTER (WHERE state IN ('failed', 'malformed')) AS failed, "
        "       count(*) FILTER (WHERE attempts > 1) AS retried "
        "FROM webhook_deliveries WHERE received_at >= :since"), params).mappings().one())
    mails = dict(conn.execute(text(
        "SELECT m.state, count(*) FROM scheduled_messages m JOIN orders o ON o.id = m.order_id "
        "WHERE o.platform_order_id = ANY(:ids) GROUP BY m.state"), params).all())
    unique = sum(not step.duplicate for step in steps)
    return {"orders_generated": len(orders), "orders_stored": stored, "lost_orders": len(orders) - stored,
            "deliveries_unique": unique, "deliveries_stored": deliveries["stored"],
            "lost_deliveries": unique - deliveries["stored"], "duplicates_sent": len(steps) - unique,
            "failed_deliveries": deliveries["failed"], "retried_deliveries": deliveries["retried"],
            "sample_mails": mails}


def _value(run: dict, key: str):
    return run["per_order"][key] if key in run["per_order"] else run[key]


def growth(results: dict) -> dict[str, float]:
    """Largest size's per-order cost over the smallest's."""
    runs = results["runs"]
    if len(runs) < 2:
        return {}
    first, last = runs[0]["per_order"], runs[-1]["per_order"]
    return {key: round(last[key] / first[key], 2) if first[key] else 0.0 for key in RATIO_KEYS}


def print_table(results: dict) -> None:
    mode = results["runs"][0].get("mode", "trickle") if results["runs"] else ""
    print("\ncost per order of the sample day (" + f"{results['sample_orders']} orders, {mode}, "
          f"{results['workers']} workers, {results['cpus']} CPUs)")
    print(" | ".join(heading for heading, _, _ in COLUMNS))
    for run in results["runs"]:
        print(" | ".join(fmt.format(_value(run, key)).rjust(len(heading)) for heading, key, fmt in COLUMNS))
    for run in results["runs"]:
        idle, gross = run["per_order"].get("idle_per_second"), run["per_order"].get("gross")
        if idle and gross:
            print(f"{run['orders']:,}: the clock's own cost, taken out above: {idle['sql']:.1f} statements, "
                  f"{idle['redis']:.1f} Redis round trips, "
                  f"{(idle['cpu_web'] + idle['cpu_worker']) * 1000:.0f} ms "
                  f"app CPU per second; gross per order over {run['wall_seconds']:.0f} s: "
                  f"{gross['cpu_ms_app']:.1f} ms, {gross['sql_statements']:.1f} statements, "
                  f"{gross['redis_round_trips']:.1f} round trips, {gross['rows_read']:.0f} rows")
    ratios = growth(results)
    if ratios:
        verdict = "flat" if max(ratios.values()) <= FLAT else "GROWS"
        print(f"growth {results['runs'][-1]['orders']:,} / {results['runs'][0]['orders']:,} orders: "
              + " ".join(f"{key}={ratio}x" for key, ratio in ratios.items()) + f" → {verdict} (≤{FLAT}x)")
        results["growth"], results["flat"] = ratios, verdict == "flat"
    tracking = results.get("tracking")
    if tracking:
        print(f"carrier tracking: {tracking['calls_per_parcel']:.2f} provider calls per parcel over "
              f"{tracking['days']} days ({tracking['parcels']} parcels; goal ≤ 8)")
    print(flush=True)
