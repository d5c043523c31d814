"""Which module settings the code really reads: every `module_settings(shop, key)` answer is
wrapped so that each key looked up in it is recorded as (module, setting).

`recorded_reads()` patches the function in every `app.*` module that imported it by name, then
runs what a shop's buyers get: the block for a sample order in every state, every mail kind in
both languages, the planner for each sample order and the stall rule, under default settings and
under ones that open the branches defaults skip (unique vouchers, merchant content).
"""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import pytest

from app.domain.arrival.stalls import stalled_at
from app.domain.followups.mail_kinds import KINDS
from app.domain.followups.rules import History, plan_followups
from app.domain.orders.sample_orders import SAMPLE_STATES, sample_message, sample_order
from app.domain.shop import modules as shop_modules
from app.domain.shop.modules import DEFAULT_ENABLED
from app.mail.render import render_message
from app.presenters import order_status
from app.read_model.from_orm import shop_view
from app.read_model.views import ModuleView, SurveyAnswerView
from app.web.admin.live_preview import TrialShop

Read = tuple[str, str]
UNIQUE_VOUCHER = {"voucher_mode": "unique", "voucher_type": "percent", "voucher_value": "10",
                  "voucher_days": 30,
                  "voucher_minimum": "20"}
# Settings that open branches the defaults skip: the voucher's details are read in unique mode
# only; how-to mail is planned only with content; replenishment only with an interval.
BRANCHES: dict[str, dict[str, Any]] = {
    "survey": UNIQUE_VOUCHER, "mail_delayed": UNIQUE_VOUCHER, "mail_thank_you": UNIQUE_VOUCHER,
    "mail_nps": UNIQUE_VOUCHER, "mail_win_back": UNIQUE_VOUCHER,
    "mail_how_to": {"content": {"de": "Tipp", "en": "Tip"}}, "mail_replenishment": {"intervals": {"501": 30}},
}


class RecordingSettings(dict):
    """A module's settings that note every key asked for."""

    def __init__(self, module: str, values: dict[str, Any], seen: set[Read]) -> None:
        super().__init__(values)
        self._module, self._seen = module, seen

    def get(self, key: str, default: Any = None) -> Any:
        self._seen.add((self._module, key))
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self._seen.add((self._module, key))
        return super().__getitem__(key)


@contextmanager
def recording(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[Read]]:
    seen: set[Read] = set()
    original = shop_modules.module_settings

    def module_settings(shop: Any, key: str) -> dict[str, Any]:
        return RecordingSettings(key, original(shop, key), seen)

    for name, module in list(sys.modules.items()):
        if name.startswith("app.") and getattr(module, "module_settings", None) is original:
            monkeypatch.setattr(module, "module_settings", module_settings)
    yield seen


def _every_module_on(shop: Any, branches: bool) -> TrialShop:
    """The shop with every module switched on, as plain objects (nothing stored)."""
    stored = {m.key: m for m in shop.modules}
    return shop_view(shop, tuple(
        ModuleView(key=key, enabled=True,
                   settings={**((stored[key].settings if key in stored else None) or {}),
                             **(BRANCHES.get(key, {}) if branches else {})},
                   derived=stored[key].derived if key in stored else None)
        for key in DEFAULT_ENABLED))


def recorded_reads(shop: Any, monkeypatch: pytest.MonkeyPatch) -> set[Read]:
    """(module, setting) of every setting the block, the mails and the planner read for `shop`."""
    now = datetime.now(timezone.utc)
    with recording(monkeypatch) as seen:
        for branches in (False, True):
            trial = _every_module_on(shop, branches)
            for lang in ("de", "en"):
                for state in SAMPLE_STATES:
                    order = sample_order(trial, state, lang, now)
                    answer = (SurveyAnswerView(id=0, order_id=order.id or 0, score=9)
                              if state == "delivered" else None)
                    order = replace(order, survey_answer=answer)
                    order_status(order, lang, now)
                    plan_followups(order, trial, now, History(review_sent_at=now))
                    for parcel in order.shipments:
                        stalled_at(order, trial, parcel)
                for kind in KINDS:
                    render_message(sample_message(trial, kind, lang, now))
    return set(seen)
