"""What the merchant can set per module, and how a submitted form becomes valid settings.

Pure: a form (str → str) goes in, settings or per-field messages come out. Unknown form
keys are ignored, so a crafted post cannot write settings a module does not have.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from app.domain.arrival.work_calendars import region_code
from app.domain.followups.mail_kinds import KINDS
from app.i18n import FALLBACK, N_, TextError, translate
from connectors.links import web_link


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # message id (app/i18n.py), as is hint
    kind: str  # bool | int | text | textarea | https_url | country | region | transit | code | color | domain
    # | locale | email | choice | decimal | by_lang (one text per LOCALES: inputs <name>_de, <name>_en)
    # | intervals (product key → days, one per line)
    # For int: the range; for text, low=1 makes the field required.
    low: int = 0
    high: int = 0
    max_length: int = 200
    hint: str | None = None
    # For int: an empty entry is allowed (None).
    optional: bool = False
    # For choice: (value, label) pairs; the first is the default.
    options: tuple[tuple[str, str], ...] = ()
    # Values the hint's message takes (e.g. the kind's own delay).
    hint_values: tuple[tuple[str, int], ...] = ()
    # by_lang: a textarea per language instead of a line.
    multiline: bool = False


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


VOUCHER_FIELDS = (
    Field("voucher_mode", N_("admin.vouchers.mode"), "choice", options=(
        ("none", N_("admin.vouchers.mode_none")),
        ("static", N_("admin.vouchers.mode_static")),
        ("unique", N_("admin.vouchers.mode_unique")))),
    Field("voucher_code", N_("admin.vouchers.code"), "code", max_length=40,
          hint=N_("admin.vouchers.code_hint")),
    Field("voucher_type", N_("admin.vouchers.type"), "choice", options=(
        ("percent", N_("admin.vouchers.type_percent")), ("fixed", N_("admin.vouchers.type_fixed")))),
    Field("voucher_value", N_("admin.vouchers.value"), "decimal", 0, 100_000, max_length=12),
    Field("voucher_days", N_("admin.vouchers.days"), "int", 1, 365, optional=True),
    Field("voucher_minimum", N_("admin.vouchers.minimum"), "decimal", 0, 100_000, max_length=12),
)

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


COUNTRY = re.compile(r"^[A-Z]{2}$")
CODE = re.compile(r"^[A-Za-z0-9_-]+$")
TRANSIT_PART = re.compile(r"^([A-Z]{2}|EU|WORLD)\s+(\d{1,2})\s*-\s*(\d{1,2})$")


def form_input(field: Field, form: Mapping[str, str]) -> str | dict[str, str]:
    """What the form sent for the field: its text, or {lang: text} for a by_lang field."""
    if field.kind == "by_lang":
        return {lang: form.get(f"{field.name}_{lang}", "") for lang in LOCALES}
    return form.get(field.name, "")


def form_values(fields: tuple[Field, ...], form: Mapping[str, str]) -> dict[str, str | dict[str, str]]:
    """A rejected form's input by field name, to show it again as typed."""
    return {field.name: form_input(field, form) for field in fields}


def parse_field(field: Field, raw: str | Mapping[str, str] | None):
    """The field's value from the form; raises TextError with a message id for the merchant."""
    if field.kind == "by_lang":
        return _by_lang(field, raw if isinstance(raw, Mapping) else {})
    raw = (raw or "").strip() if isinstance(raw, str) or raw is None else ""
    if field.kind == "bool":
        return raw in ("on", "1", "true")
    if field.kind == "int":
        if not raw and field.optional:
            return None
        if not re.fullmatch(r"-?\d+", raw) or not field.low <= int(raw) <= field.high:
            raise TextError(N_("admin.field.whole_number"), low=field.low, high=field.high)
        return int(raw)
    if len(raw) > field.max_length:
        raise TextError(N_("admin.field.too_long"), most=field.max_length)
    if not raw:
        if field.kind in ("country", "transit", "locale") or field.low == 1 and field.kind == "text":
            raise TextError(N_("admin.field.required"))
        return None
    if field.kind in FIELD_PARSERS:
        return FIELD_PARSERS[field.kind](field, raw)
    return PARSERS[field.kind](raw)


def _country(raw: str) -> str:
    if not COUNTRY.match(raw.upper()):
        raise TextError(N_("admin.field.country"))
    return raw.upper()


def _https_url(raw: str) -> str:
    if web_link(raw, https_only=True) is None:
        raise TextError(N_("admin.field.https_url"))
    return raw


def _code(raw: str) -> str:
    if not CODE.match(raw):
        raise TextError(N_("admin.field.code"))
    return raw


DECIMAL = re.compile(r"^\d{1,9}([.,]\d{1,2})?$")


def _decimal(field: Field, raw: str) -> str:
    """A positive amount with at most two decimals, kept as text ("12.50") to stay exact."""
    if not DECIMAL.match(raw) or not field.low <= Decimal(raw.replace(",", ".")) <= field.high:
        raise TextError(N_("admin.vouchers.decimal"), low=field.low, high=field.high)
    return str(Decimal(raw.replace(",", ".")))


def _choice(field: Field, raw: str) -> str:
    if raw not in {value for value, _ in field.options}:
        raise TextError(N_("admin.vouchers.choice"))
    return raw


def _transit(raw: str) -> dict:
    table = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        match = TRANSIT_PART.match(part.upper())
        if not match or int(match[2]) > int(match[3]):
            raise TextError(N_("admin.field.transit_part"), part=part)
        table[match[1]] = [int(match[2]), int(match[3])]
    if "WORLD" not in table:
        raise TextError(N_("admin.field.transit_world"))
    return table


def _by_lang(field: Field, raw: Mapping[str, str]) -> dict[str, str]:
    """One text per language, the empty ones left out ({} when the merchant wrote none)."""
    texts = {lang: str(raw.get(lang) or "").strip() for lang in LOCALES}
    for text in texts.values():
        if len(text) > field.max_length:
            raise TextError(N_("admin.field.too_long"), most=field.max_length)
    return {lang: text for lang, text in texts.items() if text}


INTERVAL = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.:/-]{0,99})\s*[\s:=]\s*(\d{1,4})$")
INTERVAL_DAYS = (1, 730)


def _intervals(raw: str) -> dict[str, int]:
    """Days until a product runs out, by product id, variant id or SKU: "501 30" per line."""
    table: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in re.split(r"[\n,;]", raw))):
        match = INTERVAL.match(part)
        if not match or not INTERVAL_DAYS[0] <= int(match[2]) <= INTERVAL_DAYS[1]:
            raise TextError(N_("admin.field.interval_part"), part=part, low=INTERVAL_DAYS[0],
                            high=INTERVAL_DAYS[1])
        table[match[1]] = int(match[2])
    return table


COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
LOCALES = ("de", "en")


def _color(raw: str) -> str:
    if not COLOR.match(raw):
        raise TextError(N_("admin.field.color"))
    return raw.lower()


def _domain(raw: str) -> str:
    if not DOMAIN.match(raw.lower()):
        raise TextError(N_("admin.field.domain"))
    return raw.lower()


def _locale(raw: str) -> str:
    if raw not in LOCALES:
        raise TextError(N_("admin.field.locale"))
    return raw


# One plain ASCII address (addr-spec, no display name): it goes into a header of every mail.
EMAIL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                   r"@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def _email(raw: str) -> str:
    if any(char in raw for char in "\r\n\x00") or not raw.isprintable():
        raise TextError(N_("admin.field.email_one_line"))
    if not EMAIL.match(raw) or len(raw) > 254:
        raise TextError(N_("admin.field.email"))
    local, _, domain = raw.rpartition("@")
    return f"{local}@{domain.lower()}"


# A region field is checked against the country field it belongs to (app/domain/arrival/work_calendars.py).
REGION_OF = {"origin_region": "origin_country"}

PARSERS: dict[str, Callable[[str], object]] = {
    "text": str, "textarea": str, "https_url": _https_url, "country": _country, "region": str, "code": _code,
    "intervals": _intervals, "transit": _transit, "color": _color, "domain": _domain, "locale": _locale,
    "email": _email}


FIELD_PARSERS = {"decimal": _decimal, "choice": _choice}


def format_field(field: Field, value) -> str | dict[str, str]:
    """The stored value as the form shows it ({lang: text} for a by_lang field)."""
    if field.kind == "by_lang":
        return {lang: str((value.get(lang) if isinstance(value, dict) else value) or "") for lang in LOCALES}
    if field.kind == "intervals" and isinstance(value, dict):
        return "\n".join(f"{key} {days}" for key, days in value.items())
    if field.kind == "transit" and isinstance(value, dict):
        return ", ".join(f"{key} {low}-{high}" for key, (low, high) in value.items())
    return "" if value is None else str(value)


def validate_settings(spec: ModuleSpec, form: Mapping[str, str],
                      lang: str = FALLBACK) -> tuple[dict, dict]:
    """(settings, errors by field name); settings are complete only when errors is empty."""
    return validate_fields(spec.fields, form, lang)


def validate_fields(fields: tuple[Field, ...], form: Mapping[str, str],
                    lang: str = FALLBACK) -> tuple[dict, dict]:
    """Parse every field; (values, errors by field name, worded in `lang`)."""
    settings, errors = {}, {}
    for field in fields:
        try:
            settings[field.name] = parse_field(field, form_input(field, form))
        except TextError as exc:
            errors[field.name] = exc.text(lang)
    if "voucher_mode" in settings:
        errors.update({name: translate(lang, key) for name, key in _voucher_errors(settings, errors).items()})
    for field in fields:
        country = settings.get(REGION_OF.get(field.name, ""))
        if field.kind == "region" and settings.get(field.name) and country:
            try:
                settings[field.name] = region_code(country, settings[field.name])
            except TextError as exc:
                errors[field.name] = exc.text(lang)
    return settings, errors


PERCENT_MAX = Decimal(100)


def _voucher_errors(settings: dict, errors: dict) -> dict:
    """What the chosen voucher mode needs (message ids); the other mode's fields stay as typed."""
    mode = settings["voucher_mode"] or ("static" if settings.get("voucher_code") else "none")
    settings["voucher_mode"] = mode
    found = {}
    if mode == "static" and not settings.get("voucher_code") and "voucher_code" not in errors:
        found["voucher_code"] = N_("admin.vouchers.error.code")
    if mode != "unique":
        return found
    if not settings.get("voucher_type") and "voucher_type" not in errors:
        found["voucher_type"] = N_("admin.vouchers.error.type")
    value = settings.get("voucher_value")
    if value is None and "voucher_value" not in errors:
        found["voucher_value"] = N_("admin.vouchers.error.value")
    elif value is not None and Decimal(value) <= 0:
        found["voucher_value"] = N_("admin.vouchers.error.value_positive")
    elif value is not None and settings.get("voucher_type") == "percent" \
            and Decimal(value) > PERCENT_MAX:
        found["voucher_value"] = N_("admin.vouchers.error.percent_max")
    if settings.get("voucher_days") is None and "voucher_days" not in errors:
        found["voucher_days"] = N_("admin.vouchers.error.days")
    return found
