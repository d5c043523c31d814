"""The admin's activity log: one row per save that changed something (who, when, where, what).

What changed is written as field names with old → new values, short; a secret (an API
key) only as "changed", so the log never holds one.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import SettingChange, Shop
from app.observability.privacy_scrub import scrub_addresses

SHOWN = 50  # entries on the admin's page
VALUE_LENGTH = 80  # characters of one value in the summary
SUMMARY_LENGTH = 2000


def _shown(value) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "on" if value else "off"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = " ".join(text.split())
    return text if len(text) <= VALUE_LENGTH else text[:VALUE_LENGTH - 1] + "…"


def describe_changes(before: Mapping, after: Mapping, secrets: Iterable[str] = ()) -> list[str]:
    """Each field of `after` whose value differs from `before`: "name: old → new", or
    "name: changed" for a secret. Empty and missing count as the same."""
    secret = set(secrets)
    changes = []
    for name, new in after.items():
        old = before.get(name)
        if (old in (None, "")) and (new in (None, "")) or old == new:
            continue
        changes.append(f"{name}: changed" if name in secret else f"{name}: {_shown(old)} → {_shown(new)}")
    return changes


def record_change(session: Session, shop: Shop, actor: str, area: str, changes: list[str] | str,
                  now: datetime | None = None) -> SettingChange | None:
    """Add one log row in the caller's transaction; nothing when nothing changed."""
    summary = changes if isinstance(changes, str) else "\n".join(changes)  # one change a line
    if not summary:
        return None
    row = SettingChange(shop_id=shop.id, actor=actor[:100], area=area[:60],
                        summary=summary[:SUMMARY_LENGTH], **({"at": now} if now else {}))
    session.add(row)
    return row


def recent_changes(session: Session, shop_id: int, limit: int = SHOWN) -> list[SettingChange]:
    return list(session.scalars(select(SettingChange).where(SettingChange.shop_id == shop_id)
                                .order_by(SettingChange.at.desc(), SettingChange.id.desc()).limit(limit)))


def free_text(text: str) -> str:
    """A merchant's free text (a reason) for the log: one line, no e-mail address in it."""
    return scrub_addresses(" ".join(text.split()))
