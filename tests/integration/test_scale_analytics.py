"""The scale run's analytics stage (bench/scale/analytics.py): its bulk history holds what it
says per shop, and each page is measured for its figures with the rows it read."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, func, select

from app.domain.analytics.earnings import earnings_report
from app.extensions import db
from app.models import Order, Shipment, Shop
from app.read_model.loads import load_modules

pytestmark = [pytest.mark.scale]


def test_the_history_and_every_page_measured(app):
    if db.dialect != "postgresql":
        pytest.skip("the history is copied in with PostgreSQL's COPY; the rows read come from pg_stat")
    from bench.scale.analytics import PAGES, StatementRows, measure
    from bench.scale.analytics_history import STEADY_ORDERS, seed

    now = datetime.now(timezone.utc)
    engine = db.engine
    seeded = seed(engine, 6000, 3, now)
    stored = dict(db.session.execute(select(Order.shop_id, func.count()).group_by(Order.shop_id)).all())
    assert stored == {shop: n for shop, n in seeded.orders.items() if n}
    assert stored[seeded.steady_shop] == STEADY_ORDERS and stored[seeded.big_shop] == 1200
    assert db.session.scalar(select(func.count()).select_from(Shipment)) == 6000

    watch = StatementRows(engine)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as stats:
            figures = measure(app, engine, seeded.steady_shop, now, watch, stats)
    finally:
        event.remove(engine, "after_cursor_execute", watch._after)
    assert set(figures) == set(PAGES)
    for page in PAGES:
        assert figures[page]["ms"] > 0 and figures[page]["python_rows"] > 0 and figures[page]["pg_rows"] > 0
        assert isinstance(figures[page]["seq_scans"], list)
    shop = db.session.get(Shop, seeded.steady_shop)
    load_modules(db.session, shop)
    report = earnings_report(db.session, shop, 30, now)
    assert report.currency == "EUR" and sum(line.orders for line in report.lines) > 0
    assert report.uplift.treated_orders > 100  # the cohort of a 3000-order year
