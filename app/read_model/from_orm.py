"""Views of mapped objects already loaded: what a writer holds (the survey form, the block's
forms) and what the tests build. Every relationship a view carries is read here, so the
objects must be loaded with them (app/read_model/loads.py) or lazy loading must be possible."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import object_session

from app.domain.followups.survey import survey_code_for
from app.models import Customer, Order, ScheduledMessage, Shop
from app.read_model.views import (
    CustomerView,
    EventView,
    LineView,
    MessageView,
    ModuleView,
    OrderView,
    ParcelView,
    RefundView,
    ShopView,
    SurveyAnswerView,
    columns_of,
)


def _columns(view_type: Any, row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in columns_of(view_type)}


def module_views(shop: Shop) -> tuple[ModuleView, ...]:
    return tuple(ModuleView(m.key, m.enabled, m.settings, m.derived) for m in shop.modules)


def shop_view(shop: Shop, modules: tuple[ModuleView, ...] | None = None) -> ShopView:
    """`modules`: the shop's modules when the caller read them already (app/read_model/loads.py)."""
    return ShopView(**_columns(ShopView, shop), modules=module_views(shop) if modules is None else modules)


def customer_view(customer: Customer | None) -> CustomerView | None:
    return None if customer is None else CustomerView(**_columns(CustomerView, customer))


def order_view(order: Order, shop: ShopView | None = None, survey_code: str | None = None) -> OrderView:
    """`shop`: its view when the caller made it already (it is shared, not copied);
    `survey_code`: the buyer's unique survey code when the caller read it, else read here
    from the order's session."""
    shop = shop if shop is not None else shop_view(order.shop)
    session = object_session(order)
    if survey_code is None and session is not None:
        survey_code = survey_code_for(session, shop, order.id, order.survey_answer is not None)
    return OrderView(
        **_columns(OrderView, order),
        shop=shop,
        customer=customer_view(order.customer),
        lines=tuple(LineView(**_columns(LineView, line)) for line in order.lines),
        shipments=tuple(
            ParcelView(**_columns(ParcelView, parcel),
                       events=tuple(EventView(**_columns(EventView, e)) for e in parcel.events))
            for parcel in order.shipments),
        refunds=tuple(RefundView(**_columns(RefundView, refund)) for refund in order.refunds),
        survey_answer=(None if order.survey_answer is None
                       else SurveyAnswerView(**_columns(SurveyAnswerView, order.survey_answer))),
        survey_code=survey_code,
    )


def message_view(message: ScheduledMessage, order: OrderView | None = None) -> MessageView:
    """`order`: the message's order as a view already made (by default made from message.order).
    The message's buyer is the order's view of it when they are the same row."""
    order = order if order is not None else order_view(message.order)
    same = order.customer is not None and order.customer.id == message.customer_id
    return MessageView(**_columns(MessageView, message), order=order,
                       customer=order.customer if same else customer_view(message.customer))
