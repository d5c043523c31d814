"""Catalogue keys that code looks up by a computed name (`f"order.{status}"`).

Extraction (`make messages`) only sees literal keys, and would mark these obsolete; listing
them here with `N_` keeps them in the catalogues. tests/unit/test_catalogues.py checks that every
order and parcel status, and every estimate source, has its key here.
"""
from app.i18n import N_

ORDER_STATUS_KEYS = (
    N_("order.placed"), N_("order.processing"), N_("order.partially_shipped"), N_("order.shipped"),
    N_("order.out_for_delivery"), N_("order.delivered"), N_("order.cancelled"), N_("order.refunded"),
    N_("order.returned"), N_("order.needs_attention"),
)
PARCEL_STATUS_KEYS = (
    N_("parcel.pending"), N_("parcel.info_received"), N_("parcel.in_transit"), N_("parcel.out_for_delivery"),
    N_("parcel.available_for_pickup"), N_("parcel.attempt_failed"), N_("parcel.delayed"),
    N_("parcel.exception"), N_("parcel.delivered"), N_("parcel.returning"), N_("parcel.returned"),
    N_("parcel.cancelled"), N_("parcel.unknown"),
)
# app/domain/arrival/edd.py's window sources; "tracking" (out for delivery today) is looked up literally.
ESTIMATE_SOURCE_KEYS = (N_("edd.source.carrier"), N_("edd.source.platform"), N_("edd.source.learned"),
                        N_("edd.source.merchant"))
# app/presenters.py's needs-attention reasons (app/domain/orders/statuses.py, app/domain/arrival/stalls.py).
ATTENTION_KEYS = (N_("attention.attempt_failed"), N_("attention.available_for_pickup"),
                  N_("attention.exception"),
                  N_("attention.stalled"))
# app/web/newsletter.py answers a sign-up and a confirmation link by their state.
NEWSLETTER_STATE_KEYS = (
    N_("newsletter.state.no_address"), N_("newsletter.state.pending"), N_("newsletter.state.sent"),
    N_("newsletter.state.subscribed"), N_("newsletter.confirm.expired"), N_("newsletter.confirm.invalid"),
)
# app/domain/followups/survey.py's InvalidAnswer carries the key of its message.
SURVEY_ERROR_KEYS = (N_("survey.error.score"), N_("survey.error.comment"), N_("survey.error.comment_length"))
