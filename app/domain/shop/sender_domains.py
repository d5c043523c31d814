"""A shop's own sender domain: what a merchant may enter, and the DNS records it publishes.

Pure: strings in, strings out. The merchant names a domain (example.de or mail.example.de);
mail for the shop goes out From <local part>@<domain>, DKIM-signed with the shop's own key,
once two records check out (app/domain/shop/sender_domain_checks.py looks them up):

- DKIM: TXT at `<selector>._domainkey.<domain>` = `v=DKIM1; k=rsa; p=<public key>`;
- SPF: the domain's one `v=spf1` TXT record includes our relay (`include:<SPF_INCLUDE>`).

DMARC is advice only: receivers find the mail aligned through the DKIM signature (d= is the
From domain); the envelope sender stays ours (app/links/bounce_addresses.py), so bounces come
back to us. Each record gets one of four verdicts: RIGHT, DIFFERENT (found, but not ours:
what was found is shown), MISSING, UNANSWERED (the name servers gave no answer).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.domain.shop.custom_domains import NOT_HOST_ONLY, typed_host
from app.i18n import FALLBACK, translate

RIGHT, DIFFERENT, MISSING, UNANSWERED = "right", "different", "missing", "unanswered"
DEFAULT_LOCAL_PART = "service"
# `<selector>._domainkey.` in front of the domain must stay a valid name (≤ 253).
MAX_LENGTH = 200
# Mailbox providers' domains: nobody but the provider can publish their records, and a shop
# sending as one would be spoofing it. A subdomain of one counts as the provider's.
PUBLIC_MAIL_PROVIDERS = frozenset({
    "gmail.com", "googlemail.com", "google.com", "outlook.com", "outlook.de", "hotmail.com", "hotmail.de",
    "live.com", "live.de", "msn.com", "office365.com", "yahoo.com", "yahoo.de", "ymail.com", "aol.com",
    "aol.de", "icloud.com", "me.com", "mac.com", "gmx.de", "gmx.net", "gmx.at", "gmx.ch", "gmx.com",
    "web.de", "t-online.de", "freenet.de", "mail.de", "posteo.de", "posteo.net", "mailbox.org",
    "proton.me", "protonmail.com", "protonmail.ch", "tutanota.com", "tutanota.de", "tuta.io",
    "yandex.com", "yandex.ru", "mail.ru", "zoho.com", "arcor.de", "1und1.de", "online.de", "bluewin.ch",
})
# RFC 5322 dot-atom, ASCII: the local part of the From address.
LOCAL_PART = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$", re.IGNORECASE)
# What a receiver is advised to find at _dmarc.<domain> (p=none: reports, no rejection yet).
DMARC_ADVICE = "v=DMARC1; p=none"


def _within(name: str, domains: Iterable[str]) -> bool:
    """`name` is one of `domains` or below one of them."""
    return any(name == domain or name.endswith("." + domain) for domain in domains if domain)


def address_domain(address: str) -> str:
    """The lower-case domain of 'Name <local@domain>' or 'local@domain' ('' without one)."""
    return address.rpartition("@")[2].strip().rstrip(">").strip().lower()


def spf_include(config: Mapping) -> str:
    """The name our relay's SPF record lives at: SPF_INCLUDE, else _spf.<MAIL_FROM's domain>."""
    return config.get("SPF_INCLUDE") or "_spf." + address_domain(config.get("MAIL_FROM") or "@localhost")


def parse_sender_domain(value: str | None, own_domains: Iterable[str],
                        lang: str = FALLBACK) -> tuple[str | None, str | None]:
    """(the domain to store or None for "our own address", an error in `lang` or None).

    `own_domains`: the domains that are ours (the app's host, MAIL_FROM's and BOUNCE_DOMAIN's
    domains); they and any name below them are refused."""
    text = (value or "").strip().rstrip(".")
    if not text:
        return None, None
    if " " in text:
        return None, translate(lang, "admin.sender_domain.domain_only")
    name, problem = typed_host(text, MAX_LENGTH)
    if problem == NOT_HOST_ONLY:
        return None, translate(lang, "admin.sender_domain.domain_only")
    if name is None:
        return None, translate(lang, "admin.sender_domain.not_a_domain")
    if _within(name, own_domains):
        return None, translate(lang, "admin.sender_domain.ours")
    if _within(name, PUBLIC_MAIL_PROVIDERS):
        return None, translate(lang, "admin.sender_domain.mail_provider")
    return name, None


def parse_local_part(value: str | None, lang: str = FALLBACK) -> tuple[str, str | None]:
    """(the local part, DEFAULT_LOCAL_PART when left empty; an error in `lang` or None)."""
    text = (value or "").strip()
    if not text:
        return DEFAULT_LOCAL_PART, None
    if len(text) > 64 or not LOCAL_PART.match(text):
        return text, translate(lang, "admin.sender_domain.bad_local_part")
    return text.lower(), None


def dkim_name(selector: str, domain: str) -> str:
    return f"{selector}._domainkey.{domain}"


def dkim_value(public_key: str) -> str:
    return f"v=DKIM1; k=rsa; p={public_key}"


def spf_value(include: str) -> str:
    """The whole SPF record for a domain that has none yet."""
    return f"v=spf1 include:{include} ~all"


def dmarc_name(domain: str) -> str:
    return f"_dmarc.{domain}"


@dataclass(frozen=True)
class Verdict:
    """One record's state: RIGHT / DIFFERENT / MISSING / UNANSWERED, and what was found."""

    verdict: str
    found: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"verdict": self.verdict, "found": list(self.found)}


def _tags(record: str) -> dict[str, str]:
    """A DKIM record's tags (RFC 6376 3.6.1): whitespace around and inside values dropped."""
    tags = {}
    for part in record.split(";"):
        name, sep, value = part.partition("=")
        if sep:
            tags[name.strip().lower()] = "".join(value.split())
    return tags


def dkim_verdict(values: set[str], public_key: str) -> Verdict:
    """RIGHT when a record at the selector's name carries our key (rsa, version DKIM1 or none)."""
    if not values:
        return Verdict(MISSING)
    for value in values:
        tags = _tags(value)
        if (tags.get("p") == public_key and tags.get("k", "rsa").lower() == "rsa"
                and tags.get("v", "DKIM1") == "DKIM1"):
            return Verdict(RIGHT, (value,))
    return Verdict(DIFFERENT, tuple(sorted(values)))


def _spf_records(values: set[str]) -> list[str]:
    words = ((value.strip(), value.strip().lower()) for value in values)
    return sorted(value for value, lower in words if lower == "v=spf1" or lower.startswith("v=spf1 "))


def _includes(record: str, include: str) -> bool:
    return any(term.lower() in (f"include:{include}", f"+include:{include}") for term in record.split())


def spf_verdict(values: set[str], include: str) -> Verdict:
    """RIGHT when the domain has exactly one SPF record and it includes our relay. Two SPF
    records are an error for every receiver (RFC 7208 4.5): DIFFERENT, however they read."""
    records = _spf_records(values)
    if not records:
        return Verdict(MISSING)
    if len(records) == 1 and _includes(records[0], include):
        return Verdict(RIGHT, tuple(records))
    return Verdict(DIFFERENT, tuple(records))


def spf_suggestion(found: Iterable[str], include: str) -> str:
    """The record to publish instead of what was found: the first SPF record found with our
    include added after `v=spf1` (where it changes none of its other terms), or a new one."""
    records = [record for record in found if record.lower().startswith("v=spf1")]
    if not records:
        return spf_value(include)
    terms = records[0].split()
    if any(term.lower() in (f"include:{include}", f"+include:{include}") for term in terms):
        return " ".join(terms)
    return " ".join([terms[0], f"include:{include}", *terms[1:]])


def dmarc_verdict(values: set[str]) -> Verdict:
    """Advice only: RIGHT when any DMARC record exists (its policy is the merchant's), else MISSING."""
    records = sorted(v.strip() for v in values if v.strip().lower().startswith("v=dmarc1"))
    return Verdict(RIGHT, tuple(records)) if records else Verdict(MISSING)


def verified(dkim: Verdict, spf: Verdict, was_verified: bool) -> bool:
    """Whether mail may go From the domain after a check: both records right; a check that got
    no answer (and found nothing wrong) leaves it as it was, so a DNS hiccup changes nothing."""
    verdicts = {dkim.verdict, spf.verdict}
    if verdicts == {RIGHT}:
        return True
    if verdicts & {DIFFERENT, MISSING}:
        return False
    return was_verified
