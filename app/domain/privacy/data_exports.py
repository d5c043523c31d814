"""Customer data exports after they are made: what the merchant downloads, how long one is
kept, and which ones name a buyer who is being erased."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from app.models import DataExport, Shop


def shop_exports(session: Session, shop: Shop) -> list[DataExport]:
    """The shop's exports, newest first."""
    return list(session.scalars(select(DataExport).where(DataExport.shop_id == shop.id)
                                .order_by(DataExport.created_at.desc(), DataExport.id.desc())))


def find_export(session: Session, shop: Shop, export_id: int) -> DataExport | None:
    """One export of this shop; another shop's id is as unknown as a made-up one."""
    return session.scalars(select(DataExport).where(
        DataExport.id == export_id, DataExport.shop_id == shop.id)).first()


def customer_records(export: DataExport) -> int:
    return len(export.payload.get("customers") or ())


def requested(export: DataExport) -> dict:
    """What the request named: {"email": …, "orders": […]} (exports made before it was kept: {})."""
    return export.payload.get("requested") or {}


def delete_after(export: DataExport, keep: timedelta) -> datetime:
    return export.created_at + keep


def export_document(export: DataExport, shop: Shop, keep: timedelta) -> dict:
    """The file the merchant downloads and hands to the buyer."""
    return {"shop": shop.domain, "export": export.id, "request_id": export.request_id,
            "created_at": export.created_at.isoformat(),
            "delete_after": delete_after(export, keep).isoformat(),
            "requested": requested(export), "customers": export.payload.get("customers") or []}


def delete_expired_exports(session: Session, cutoff: datetime, limit: int) -> int:
    """Delete at most `limit` exports made before `cutoff`, oldest first."""
    oldest = (select(DataExport.id).where(DataExport.created_at < cutoff)
              .order_by(DataExport.created_at).limit(limit))
    result = session.execute(
        delete(DataExport).where(DataExport.id.in_(oldest.scalar_subquery()))
        .execution_options(synchronize_session=False))
    assert isinstance(result, CursorResult)  # what DML answers with; Session.execute types a plain Result
    return result.rowcount


def delete_exports_naming(session: Session, shop: Shop, emails: Iterable[str | None],
                          order_ids: Iterable[str | None]) -> int:
    """Delete the shop's exports that name the buyer: asked for them, or hold a record with
    one of their addresses or order ids. Compared field by field, not as text, so a short
    order id never matches inside an unrelated number. A shop keeps few exports (they expire)."""
    named_emails = {e.strip().lower() for e in emails if e and e.strip()}
    named_orders = {str(o).strip() for o in order_ids if o and str(o).strip()}
    if not named_emails and not named_orders:
        return 0
    doomed = [e.id for e in shop_exports(session, shop) if _names(e.payload, named_emails, named_orders)]
    if doomed:
        session.execute(delete(DataExport).where(DataExport.id.in_(doomed))
                        .execution_options(synchronize_session=False))
    return len(doomed)


def _names(payload: dict, emails: set[str], order_ids: set[str]) -> bool:
    asked = payload.get("requested") or {}
    if ((asked.get("email") or "").lower() in emails
            or order_ids & {str(o) for o in asked.get("orders") or ()}):
        return True
    for record in payload.get("customers") or ():
        if (record.get("email") or "").lower() in emails:
            return True
        if order_ids & {str(o.get("order")) for o in record.get("orders") or ()}:
            return True
    return False
