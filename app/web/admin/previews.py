"""Previews: the block for a sample order in each state, every mail kind in de and en, test send
to the addresses the merchant confirmed (app/domain/privacy/test_recipients.py), and those addresses."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from flask import abort, g, request
from sqlalchemy import select

from app.domain.followups.mail_kinds import KINDS
from app.domain.orders.sample_orders import SAMPLE_STATES, sample_message, sample_order
from app.domain.privacy import test_recipients
from app.domain.privacy.suppressions import email_hash
from app.domain.shop.module_fields import MAIL_TITLES
from app.extensions import db
from app.i18n import translator
from app.jobs.messages import mail_sender
from app.links.test_address import confirm_token, confirm_url
from app.mail.render import render_message
from app.mail.senders import SendError
from app.mail.test_address_confirmation import confirmation_mail
from app.models import TestRecipient
from app.presenters import order_status
from app.rate_limits import allow
from app.read_model.from_orm import shop_view
from app.read_model.views import ShopView
from app.web import test_address_confirm
from app.web.admin import bp
from app.web.admin.admin_text import admin_language
from app.web.admin.admin_text import admin_text as t
from app.web.admin.layout import render_page

LANGUAGES = ("de", "en")
HOUR, DAY = 3600, 24 * 3600


@bp.record_once
def register_confirm_page(state) -> None:
    """The page behind the mailed link is public (whoever reads the mailbox answers it), so it
    cannot sit under this blueprint, whose every route signs in first; it comes with it."""
    if test_address_confirm.bp.name not in state.app.blueprints:
        state.app.register_blueprint(test_address_confirm.bp)


def _block_previews(shop: ShopView, lang: str, now: datetime) -> list[dict]:
    previews = []
    for state in SAMPLE_STATES:
        facts = order_status(sample_order(shop, state, lang, now), lang, now)
        previews.append({"state": state, "facts": facts, "t": translator(facts["locale"])})
    return previews


def _mail_previews(shop: ShopView, now: datetime) -> list[dict]:
    """Each kind in each language through the real renderer: what a buyer would receive."""
    previews = []
    for kind in KINDS:
        for lang in LANGUAGES:
            mail = render_message(sample_message(shop, kind, lang, now))
            previews.append({"kind": kind, "lang": lang, "subject": mail["Subject"], "from": mail["From"],
                             "reply_to": mail["Reply-To"], "html": mail.html, "text": mail.text})
    return previews


def _addresses(shop_id: int, now: datetime) -> list[dict]:
    return [{"id": r.id, "address": r.address, "state": test_recipients.state(r, now)}
            for r in test_recipients.recipients(db.session(), shop_id)]


def _page(status: int = 200, **extra):
    shop, now = g.admin.shop, datetime.now(timezone.utc)
    lang = request.args.get("lang") if request.args.get("lang") in LANGUAGES else shop.locale
    lang = lang if lang in LANGUAGES else "de"
    view = shop_view(shop)  # one view of the shop for every sample
    return render_page("admin/previews.html", status, lang=lang, languages=LANGUAGES, kinds=list(KINDS),
                       mail_titles=MAIL_TITLES,
                       blocks=_block_previews(view, lang, now), mails=_mail_previews(view, now),
                       addresses=_addresses(shop.id, now), sends_per_hour=test_recipients.TEST_SENDS_PER_HOUR,
                       errors=extra.pop("errors", {}),
                       sent_to=extra.pop("sent_to", ""), new_address=extra.pop("new_address", ""), **extra)


def _too_many(field: str, message: str, window: int, **extra):
    body, status, headers = _page(429, errors={field: message}, **extra)
    return body, status, {**headers, "Retry-After": str(window - int(time.time()) % window)}


@bp.get("/previews")
def previews():
    """Show the block in every state and every mail in both languages."""
    return _page()


@bp.post("/previews/test-send")
def test_send():
    """Send one mail kind, rendered for a sample order, to one of the shop's confirmed addresses."""
    form, shop = request.form, g.admin.shop
    errors = {}
    email = test_recipients.normalise(form.get("email"))
    if email is None:
        errors["email"] = t("admin.previews.email_needed")
    if form.get("kind") not in KINDS:
        errors["kind"] = t("admin.previews.kind_needed")
    if form.get("lang") not in LANGUAGES:
        errors["lang"] = t("admin.previews.lang_needed")
    if errors or email is None:
        return _page(422, errors=errors, sent_to=form.get("email", "").strip())
    if not test_recipients.is_confirmed(db.session(), shop.id, email):
        return _page(403, errors={"email": t("admin.previews.not_confirmed", email=email)}, sent_to=email)
    if not allow("test-send", str(shop.id), test_recipients.TEST_SENDS_PER_HOUR, HOUR):
        return _too_many("email",
                         t("admin.previews.too_many_sends", count=test_recipients.TEST_SENDS_PER_HOUR),
                         HOUR, sent_to=email)
    mail = render_message(sample_message(shop, form["kind"], form["lang"], datetime.now(timezone.utc), email))
    try:
        mail_sender().send(mail)
    except SendError as exc:
        return _page(502, errors={"email": t("admin.previews.test_refused", error=exc)}, sent_to=email)
    return _page(notice=t("admin.previews.test_sent", subject=mail["Subject"], email=email), sent_to=email)


@bp.post("/previews/test-addresses")
def add_test_address():
    """Add an address for test mails (or renew its link) and mail it the confirmation link."""
    shop, now = g.admin.shop, datetime.now(timezone.utc)
    typed = request.form.get("address", "").strip()
    address = test_recipients.normalise(typed)
    if address is None:
        return _page(422, errors={"address": t("admin.previews.email_needed")}, new_address=typed)
    if test_recipients.is_confirmed(db.session(), shop.id, address):
        return _page(notice=t("admin.previews.already_confirmed", address=address))
    try:
        recipient = test_recipients.add_or_renew(db.session(), shop.id, address, now)
    except test_recipients.Refused as refused:
        db.session.rollback()
        return _page(422, errors={"address": refused.text(admin_language())}, new_address=address)
    if not allow("test-address-shop", str(shop.id), test_recipients.CONFIRMATIONS_PER_HOUR, HOUR):
        db.session.rollback()
        return _too_many("address", t("admin.previews.too_many_confirmations",
                                      count=test_recipients.CONFIRMATIONS_PER_HOUR), HOUR,
                                      new_address=address)
    if not allow("test-address-to", email_hash(address), test_recipients.CONFIRMATIONS_PER_ADDRESS_PER_DAY,
                 DAY):
        db.session.rollback()
        return _too_many("address", t("admin.previews.too_many_links", address=address,
                                      count=test_recipients.CONFIRMATIONS_PER_ADDRESS_PER_DAY), DAY,
                         new_address=address)
    db.session.commit()
    url = confirm_url(confirm_token(shop.id, recipient.id, address, recipient.created_at))
    try:
        mail_sender().send(confirmation_mail(shop, recipient, url))
    except SendError as exc:
        return _page(502, errors={"address": t("admin.previews.confirmation_refused", error=exc)},
                     new_address=address)
    return _page(notice=t("admin.previews.link_sent", address=address))


@bp.post("/previews/test-addresses/<int:recipient_id>/remove")
def remove_test_address(recipient_id: int):
    """Take an address off the shop's test addresses (a link mailed to it stops working)."""
    recipient = db.session.scalar(select(TestRecipient).where(TestRecipient.id == recipient_id,
                                                              TestRecipient.shop_id == g.admin.shop.id))
    if recipient is None:
        abort(404, description=t("admin.previews.no_such_address"))
    address = recipient.address
    db.session.delete(recipient)
    db.session.commit()
    return _page(notice=t("admin.previews.address_removed", address=address))
