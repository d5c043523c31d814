"""The webhook bodies our app received during the real run, scrubbed and written as payload files."""
from __future__ import annotations

import json
from pathlib import Path

from tests.real_woocommerce.our_app import App
from tests.real_woocommerce.progress import note, step


def record(app: App, into: list[Path]) -> list[str]:
    """Our stored webhook deliveries, scrubbed, as NN_<topic>.json."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import WebhookDelivery
    from tests.real_woocommerce.scrub import encode_like_woocommerce, scrub

    step("recording the webhook bodies our app received (scrubbed)")
    with app.flask.app_context():
        rows = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        bodies = [(d.topic, d.state, json.loads(d.body)) for d in rows]
    names = []
    for folder in into:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("[0-9][0-9]_order.*.json"):
            old.unlink()
    for n, (topic, state, body) in enumerate(bodies, 1):
        name = f"{n:02d}_{topic}.json"
        names.append(f"{name} ({body.get('status')}, {state})")
        for folder in into:
            (folder / name).write_bytes(encode_like_woocommerce(scrub(body)) + b"\n")
    for line in names:
        note(line)
    return names
