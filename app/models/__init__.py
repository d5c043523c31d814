"""All mapped classes, imported so that Base.metadata knows every table."""
from app.models.delivery import WebhookDelivery
from app.models.engagement import EngagementCount, ModuleClick, OrderAttribution, OrderStatusView
from app.models.learned_interval import LearnedIntervals
from app.models.mail_feedback import MailFeedback
from app.models.message import ScheduledMessage
from app.models.order import Customer, Order, OrderLine
from app.models.parcel_fact import ParcelFact
from app.models.privacy import DataExport
from app.models.refund import Refund
from app.models.sender_domain import SenderDomain
from app.models.setting_change import SettingChange
from app.models.shipment import Shipment, TrackingEvent
from app.models.shop import Shop, ShopModule, utcnow
from app.models.states import DeliveryState, MessageState
from app.models.suppression import Suppression
from app.models.survey import SurveyAnswer
from app.models.test_recipient import TestRecipient
from app.models.tracking import TrackingProviderKey, TrackingUsage
from app.models.voucher import IssuedVoucherRow

__all__ = [
    "Customer", "DataExport", "DeliveryState", "EngagementCount", "IssuedVoucherRow", "LearnedIntervals",
    "MailFeedback", "MessageState", "ModuleClick", "Order", "OrderAttribution", "OrderLine",
    "OrderStatusView", "ParcelFact", "Refund",
    "ScheduledMessage", "SenderDomain", "SettingChange", "Shipment", "Shop", "ShopModule", "Suppression",
    "SurveyAnswer",
    "TestRecipient", "TrackingEvent", "TrackingProviderKey", "TrackingUsage", "WebhookDelivery", "utcnow",
]
