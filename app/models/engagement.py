"""What the app's modules earn, measured without a profile of anyone.

engagement_counts: views and clicks per shop, day, surface and module, nothing more (the
views are counted in memory and Redis first, app/domain/analytics/engagement_counts.py, and folded in here).
module_clicks: one row per click on an attributable link, kept only while an order could
still be attributed to it (app/domain/analytics/attribution.py purges it after the window).
order_attributions: the module an order is credited to (last click wins); its revenue is
read net of refunds and cancellations when reported, so a later refund still counts.
order_status_views: per order, its status views before delivery (WISMO deflection).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class EngagementCount(Base):
    __tablename__ = "engagement_counts"
    __table_args__ = (UniqueConstraint("shop_id", "day", "surface", "module"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    day: Mapped[date]
    # "block" (extension, embed), "page" (hosted tracking page), "onpage" (a click in
    # either), "mail"
    surface: Mapped[str] = mapped_column(String(16))
    module: Mapped[str] = mapped_column(String(40))
    views: Mapped[int] = mapped_column(default=0, server_default="0")
    clicks: Mapped[int] = mapped_column(default=0, server_default="0")


class ModuleClick(Base):
    __tablename__ = "module_clicks"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    source_order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    module: Mapped[str] = mapped_column(String(40))
    from_mail: Mapped[bool]
    clicked_at: Mapped[datetime]


Index("ix_module_clicks_buyer", ModuleClick.shop_id, ModuleClick.customer_id,
      ModuleClick.clicked_at)
Index("ix_module_clicks_clicked", ModuleClick.clicked_at)


class OrderAttribution(Base):
    __tablename__ = "order_attributions"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    module: Mapped[str] = mapped_column(String(40))
    from_mail: Mapped[bool]
    clicked_at: Mapped[datetime]


Index("ix_order_attributions_shop", OrderAttribution.shop_id, OrderAttribution.module)


class OrderStatusView(Base):
    """How often an order's status was looked at (block or tracking page) before it was
    delivered: a count per order, folded from the view counters (app/jobs/engagement.py)."""
    __tablename__ = "order_status_views"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    views: Mapped[int] = mapped_column(default=0, server_default="0")
