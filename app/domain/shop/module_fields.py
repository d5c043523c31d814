"""What the merchant can set per module and mail kind: the switches, their fields, their texts.

The fields and how a form becomes valid settings: app/domain/shop/form_fields.py.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.domain.followups.mail_kinds import KINDS
from app.domain.shop.form_fields import VOUCHER_FIELDS, Field, validate_fields
from app.i18n import FALLBACK, N_


@dataclass(frozen=True)
class ModuleSpec:
    key: str
    title: str  # message ids, as is description
    description: str
    group: str  # block | mail
    fields: tuple[Field, ...] = ()
    # False: saved and switchable, but the block does not show it yet.
    live: bool = True
    # Said above the voucher fields, when the module has them.
    voucher_note: str | None = None


BLOCK_MODULES = (
    ModuleSpec("delivery_status", N_("admin.modules.delivery_status.title"),
               N_("admin.modules.delivery_status.description"), "block"),
    ModuleSpec("tracking", N_("admin.modules.tracking.title"),
               N_("admin.modules.tracking.description"), "block",
               (Field("detect_carrier", N_("admin.modules.tracking.detect_carrier"), "bool"),)),
    ModuleSpec("delivery_estimate", N_("admin.modules.delivery_estimate.title"),
               N_("admin.modules.delivery_estimate.description"), "block", (
        Field("processing_days", N_("admin.modules.delivery_estimate.processing_days"), "int",
              0, 30),
        Field("cutoff_hour", N_("admin.modules.delivery_estimate.cutoff_hour"), "int", 0, 23),
        Field("origin_country", N_("admin.modules.delivery_estimate.origin_country"), "country"),
        Field("origin_region", N_("admin.modules.delivery_estimate.origin_region"),
              "region", max_length=40,
              hint=N_("admin.modules.delivery_estimate.origin_region_hint")),
        Field("transit_days", N_("admin.modules.delivery_estimate.transit_days"), "transit",
              hint=N_("admin.modules.delivery_estimate.transit_days_hint")),
    )),
    ModuleSpec("reorder", N_("admin.modules.reorder.title"),
               N_("admin.modules.reorder.description"), "block"),
    ModuleSpec("review_prompt", N_("admin.modules.review_prompt.title"),
               N_("admin.modules.review_prompt.description"), "block"),
    ModuleSpec("faq", N_("admin.modules.faq.title"),
               N_("admin.modules.faq.description"), "block"),
    ModuleSpec("recommendations", N_("admin.modules.recommendations.title"),
               N_("admin.modules.recommendations.description"), "block", (
                   Field("max_items", N_("admin.modules.recommendations.max_items"), "int", 1, 8),
                   Field("best_sellers", N_("admin.modules.recommendations.best_sellers"), "bool"),
               )),
    ModuleSpec("banner", N_("admin.modules.banner.title"),
               N_("admin.modules.banner.description"), "block"),
    ModuleSpec("social", N_("admin.modules.social.title"),
               N_("admin.modules.social.description"), "block"),
    ModuleSpec("newsletter", N_("admin.modules.newsletter.title"),
               N_("admin.modules.newsletter.description"), "block", (
                   Field("text_de", N_("admin.modules.newsletter.text_de"), "text",
                         max_length=300),
                   Field("text_en", N_("admin.modules.newsletter.text_en"), "text",
                         max_length=300),
               )),
    ModuleSpec("survey", N_("admin.modules.survey.title"),
               N_("admin.modules.survey.description"), "block", (
                   Field("before_delivery", N_("admin.modules.survey.before_delivery"), "bool"),
                   Field("question_de", N_("admin.modules.survey.question_de"), "text",
                         max_length=200),
                   Field("question_en", N_("admin.modules.survey.question_en"), "text",
                         max_length=200),
                   *VOUCHER_FIELDS,
               ), voucher_note=N_("admin.vouchers.note.survey")),
)
# The title of each mail kind's switch (message ids).
MAIL_TITLES = {
    "shipped": N_("admin.mails.shipped.title"),
    "out_for_delivery": N_("admin.mails.out_for_delivery.title"),
    "ready_for_pickup": N_("admin.mails.ready_for_pickup.title"),
    "delivered": N_("admin.mails.delivered.title"),
    "not_shipped": N_("admin.mails.not_shipped.title"),
    "delayed": N_("admin.mails.delayed.title"),
    "return_received": N_("admin.mails.return_received.title"),
    "refund_issued": N_("admin.mails.refund_issued.title"),
    "review_request": N_("admin.mails.review_request.title"),
    "review_reminder": N_("admin.mails.review_reminder.title"),
    "thank_you": N_("admin.mails.thank_you.title"),
    "how_to": N_("admin.mails.how_to.title"),
    "nps": N_("admin.mails.nps.title"),
    "replenishment": N_("admin.mails.replenishment.title"),
    "anniversary": N_("admin.mails.anniversary.title"),
    "win_back": N_("admin.mails.win_back.title"),
    "referral": N_("admin.mails.referral.title"),
    "newsletter_confirm": N_("admin.mails.newsletter_confirm.title"),
}
# What each mail kind reads from its module's settings beyond the switch (see
# app/domain/followups/rules.py, app/mail/kind_context.py, app/domain/arrival/): every kind its
# `texts`, the kinds timed after an anchor their `delay_days`, some their own content.
TEXTS = Field("texts", N_("admin.mails.texts"), "by_lang", max_length=600, hint=N_("admin.mails.texts_hint"),
              multiline=True)


def _delay(label: str, low: int, high: int, default_days: int) -> Field:
    """The merchant's delay in days; empty keeps the kind's own (said in the hint)."""
    return Field("delay_days", label, "int", low, high, optional=True, hint=N_("admin.mails.delay_hint"),
                 hint_values=(("days", default_days),))


MAIL_FIELDS = {
    "not_shipped": (_delay(N_("admin.mails.not_shipped.delay_days"), 1, 20, 3),),
    "delayed": (_delay(N_("admin.mails.delayed.delay_days"), 1, 20, 3), *VOUCHER_FIELDS),
    "review_request": (_delay(N_("admin.mails.review_request.delay_days"), 1, 60, 7),),
    "review_reminder": (_delay(N_("admin.mails.review_reminder.delay_days"), 1, 30, 5),),
    "thank_you": (_delay(N_("admin.mails.thank_you.delay_days"), 0, 30, 1), *VOUCHER_FIELDS),
    "how_to": (_delay(N_("admin.mails.how_to.delay_days"), 0, 60, 2),
               Field("content", N_("admin.mails.how_to.content"), "by_lang", max_length=2000,
                     hint=N_("admin.mails.how_to.content_hint"), multiline=True)),
    "nps": (_delay(N_("admin.mails.nps.delay_days"), 1, 90, 10),
            Field("survey_url", N_("admin.mails.nps.survey_url"), "https_url", max_length=500,
                  hint=N_("admin.mails.nps.survey_url_hint")), *VOUCHER_FIELDS),
    "replenishment": (Field("intervals", N_("admin.mails.replenishment.intervals"), "intervals",
                            max_length=4000, hint=N_("admin.mails.replenishment.intervals_hint")),),
    "anniversary": (_delay(N_("admin.mails.anniversary.delay_days"), 30, 730, 365),),
    "win_back": (_delay(N_("admin.mails.win_back.delay_days"), 14, 730, 120), *VOUCHER_FIELDS),
    "referral": (_delay(N_("admin.mails.referral.delay_days"), 1, 180, 21),
                 Field("share_url", N_("admin.mails.referral.share_url"), "https_url", max_length=500,
                       hint=N_("admin.mails.referral.share_url_hint"))),
}
VOUCHER_NOTES = {
    "delayed": N_("admin.vouchers.note.delayed"),
    "thank_you": N_("admin.vouchers.note.thank_you"),
    "nps": N_("admin.vouchers.note.nps"),
    "win_back": N_("admin.vouchers.note.win_back"),
}


def mail_modules() -> tuple[ModuleSpec, ...]:
    """One switch per mail kind in the registry; marketing kinds say what they need."""
    specs = []
    for kind in (k for k in KINDS.values() if not k.on_request):
        note = N_("admin.mails.marketing_note") \
            if kind.marketing else N_("admin.mails.transactional_note")
        fields = MAIL_FIELDS.get(kind.key, ())
        vouchers = next((n for n, f in enumerate(fields) if f.name == "voucher_mode"), len(fields))
        specs.append(ModuleSpec(kind.module, MAIL_TITLES[kind.key], note, "mail",
                                (*fields[:vouchers], TEXTS, *fields[vouchers:]),
                                voucher_note=VOUCHER_NOTES.get(kind.key)))
    return tuple(specs)


def module_specs() -> dict[str, ModuleSpec]:
    return {spec.key: spec for spec in (*BLOCK_MODULES, *mail_modules())}


def validate_settings(spec: ModuleSpec, form: Mapping[str, str],
                      lang: str = FALLBACK) -> tuple[dict, dict]:
    """(settings, errors by field name); settings are complete only when errors is empty."""
    return validate_fields(spec.fields, form, lang)
