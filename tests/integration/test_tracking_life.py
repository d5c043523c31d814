"""What carrier tracking costs: 200 parcels played through a simulated 30-day life
(bench/scale/tracking_life.py, which `make scale` also runs and reports).

60 % go with DHL (asked through DHL Unified, pull only), 40 % with DPD (through 17TRACK,
which pushes). Each parcel follows a seeded script (label data, pickup, hubs, out for
delivery, delivered; some with a failed attempt, a slow leg, a pickup point, or a number
the carrier never knows) that the fake providers reveal as the simulated clock reaches each
scan; 17TRACK pushes what it learns about registered numbers. The clock jumps to the next
moment anything happens: a parcel due for a look, or a scan 17TRACK would push.

The figure: provider calls (HTTP requests) per parcel over its life. Goal (issue #18): ≤ 8
on average. Also: no DHL parcel is fetched more than 10 times in a day, every parcel ends
delivered or given up, and nothing is asked after delivery.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Shipment
from bench.scale.tracking_life import PARCELS, H, simulate


def test_two_hundred_parcels_cost_at_most_eight_calls_each_over_their_life(shop, fake_dhl, fake_17track):
    life = simulate(shop, fake_dhl, fake_17track)
    print("\n" + life.line())
    parcels, figures = life.parcels, life.figures()
    assert len(parcels) == PARCELS and figures["calls_per_parcel"] <= 8
    assert figures["dhl_max_fetches_a_day"] <= 10  # DHL: ≤ 10 a parcel a day
    db.session.expire_all()
    rows = {row.id: row for row in db.session.scalars(select(Shipment))}
    for parcel in parcels:
        row = rows[parcel.id]
        assert row.next_poll_at is None and row.tracking_stopped_at is not None
        if parcel.scans:
            assert (row.status, row.delivered_at) == ("delivered", parcel.scans[-1][0])
            assert row.tracking_stopped_at < parcel.scans[-1][0] + 25 * H  # asked nothing after delivery
        else:
            assert row.tracking_stopped_at == parcel.shipped + timedelta(days=30)  # given up
