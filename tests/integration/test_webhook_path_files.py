"""A webhook's way from the view to the sent mail, measured: which files of app/ and
connectors/ had a function called in each stage (intake, drain, dispatch, send).

It plays the recorded Shopify orders/create and fulfillments/create through the Flask test
client, drains them with the real RQ worker, runs the periodic table's dispatch entry and
sends the `shipped` mail to a real SMTP server on loopback. The distinct files may not grow
past BUDGET (lower it when a change takes files off the path), and docs/architecture.md §2a
must list exactly the files measured, stage by stage, so the map stays true.
"""
from __future__ import annotations

import re

from rq import SimpleWorker
from sqlalchemy import select

from app.extensions import db, queues
from app.jobs.periodic import PERIODIC, run_table
from app.models import MessageState, ScheduledMessage
from tests.support.payload_files import fresh_payload, load_payload
from tests.support.visited_files import ROOT, clear_project_caches, visited_files

# The most distinct files the path may pass through (it may only go down).
BUDGET = 64
STAGES = ("intake", "drain", "dispatch", "send")
# Plumbing every request and job passes through, which §2a leaves out too.
# The log filter (privacy_scrub) runs only when a record is logged, which depends on the log
# level of the run (it was on the path on SQLite, not under FAULT_LONG on PostgreSQL): plumbing.
PLUMBING = {"app/__init__.py", "app/extensions.py", "app/config.py", "app/caches/template_cache.py",
            "app/observability/privacy_scrub.py"}
MODELS = "app/models/"
PATH = r"(?:app|connectors)/[\w/]+\.py"


def _work(queue: str) -> None:
    SimpleWorker([queues.get(queue)], connection=queues.redis).work(burst=True)


def _measured(client, shop, post_shopify, smtp_inbox) -> dict[str, set[str]]:
    stages: dict[str, set[str]] = {}
    clear_project_caches()  # as in a fresh process, whichever tests ran before
    with visited_files() as stages["intake"]:
        created = load_payload("shopify/orders_create.json")
        assert post_shopify("orders/create", created, "evt-1").status_code == 200
        shipped = fresh_payload("shopify/fulfillments_create.json")
        assert post_shopify("fulfillments/create", shipped, "evt-2").status_code == 200
    with visited_files() as stages["drain"]:
        _work("webhooks")
    planned = db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.kind == "shipped")).one()
    assert planned.state == MessageState.PLANNED
    dispatch = [entry for entry in PERIODIC if entry.name == "dispatch"]
    with visited_files() as stages["dispatch"]:
        assert run_table(dispatch)["queued"] == 1
    with visited_files() as stages["send"]:
        _work("mail")
    assert [m["mail"]["Subject"] for m in smtp_inbox] == ["Your order #9999 is on its way"]
    db.session.expire_all()
    assert db.session.get(ScheduledMessage, planned.id).state == MessageState.SENT
    assert all(queues.get(name).count == 0 for name in ("webhooks", "mail", "periodic"))
    return stages


def _documented() -> tuple[dict[str, list[tuple[int | None, str]]], set[str], int]:
    """§2a's drawing: per stage its (number, path) lines, a file met before listed unnumbered on
    an "again:" line; the model modules of the "models" line; the figure of its **Count:**."""
    text = (ROOT / "docs/architecture.md").read_text()
    section = text.split("### 2a.", 1)[1].split("### 2b.", 1)[0]
    drawing = section.split("```", 2)[1]
    stages: dict[str, list[tuple[int | None, str]]] = {}
    models: set[str] = set()
    current: list[tuple[int | None, str]] = []
    in_again = False  # an "again:" line goes on over the indented lines below it
    for line in drawing.splitlines():
        again = re.match(r"\s+again: (.*)", line) or (in_again and re.match(r"\s{6,}(\S.*)", line))
        in_again = bool(again)
        if stage := re.match(r"STAGE (\w+)", line):
            current = stages.setdefault(stage.group(1), [])
        elif again:
            current.extend((None, path) for path in re.findall(PATH, again.group(1)))
        elif listed := re.match(rf"\s*(\d+) ({PATH})", line):
            current.append((int(listed.group(1)), listed.group(2)))
        elif modules := re.match(r"\s+models\s+(.*)", line):
            models = {f"{MODELS}{name}.py" for name in re.findall(r"\w+", modules.group(1))}
    count = re.search(r"\*\*Count:\*\* (\d+) Python modules", section)
    assert count, "§2a states no **Count:**"
    return stages, models, int(count.group(1))


def test_the_webhook_path_stays_within_its_budget_and_matches_the_map(
        client, shop, post_shopify, smtp_inbox):
    stages = _measured(client, shop, post_shopify, smtp_inbox)
    counted = {name: sorted(files - PLUMBING) for name, files in stages.items()}
    for name in STAGES:
        print(f"\n{name}:")
        for path in counted[name]:
            print(("  model " if path.startswith(MODELS) else "  ") + path)
    code = {path for files in counted.values() for path in files if not path.startswith(MODELS)}
    models = {path for files in counted.values() for path in files if path.startswith(MODELS)}
    again = sorted(path for path in code if sum(path in counted[name] for name in STAGES) > 1)
    print(f"\n{len(code)} files, {len(models)} model modules; in more than one stage: {again}")
    assert len(code) <= BUDGET

    drawn, drawn_models, figure = _documented()
    assert list(drawn) == list(STAGES)
    numbers = [number for name in STAGES for number, _ in drawn[name] if number is not None]
    assert numbers == list(range(1, len(code) + 1)), "§2a numbers its files 1, 2, … once each"
    assert figure == len(code), "§2a's **Count:** is the number of files measured"
    assert drawn_models == models
    seen: set[str] = set()
    for name in STAGES:
        measured = {path for path in counted[name] if not path.startswith(MODELS)}
        first = {path for number, path in drawn[name] if number is not None}
        again = {path for number, path in drawn[name] if number is None}
        assert (first, again) == (measured - seen, measured & seen), (
            f"§2a's stage {name} is not what runs: draw {sorted(measured - seen)} numbered and "
            f"{sorted(measured & seen)} on its 'again:' line")
        seen |= measured
