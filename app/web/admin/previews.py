"""Previews: the block for a sample order in each state, every mail kind in de and en, test send."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from flask import g, request

from app.domain.mail_kinds import KINDS
from app.domain.sample_orders import SAMPLE_STATES, sample_message, sample_order
from app.i18n import translator
from app.jobs.messages import mail_sender
from app.mail.render import render_message
from app.mail.senders import SendError
from app.presenters import order_status
from app.web.admin import bp
from app.web.admin.layout import render_page

LANGUAGES = ("de", "en")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _block_previews(shop, lang: str, now: datetime) -> list[dict]:
    previews = []
    for state in SAMPLE_STATES:
        facts = order_status(sample_order(shop, state, lang, now), lang, now)
        previews.append({"state": state, "facts": facts, "t": translator(facts["locale"])})
    return previews


def _mail_previews(shop, now: datetime) -> list[dict]:
    """Each kind in each language through the real renderer: what a buyer would receive."""
    previews = []
    for kind in KINDS:
        for lang in LANGUAGES:
            mail = render_message(sample_message(shop, kind, lang, now))
            previews.append({"kind": kind, "lang": lang, "subject": mail["Subject"], "from": mail["From"],
                             "html": mail.html, "text": mail.text})
    return previews


def _page(status: int = 200, **extra):
    shop, now = g.admin.shop, datetime.now(timezone.utc)
    lang = request.args.get("lang") if request.args.get("lang") in LANGUAGES else shop.locale
    lang = lang if lang in LANGUAGES else "de"
    return render_page("admin/previews.html", status, lang=lang, languages=LANGUAGES, kinds=list(KINDS),
                       blocks=_block_previews(shop, lang, now), mails=_mail_previews(shop, now),
                       errors=extra.pop("errors", {}), sent_to=extra.pop("sent_to", ""), **extra)


@bp.get("/previews")
def previews():
    """Show the block in every state and every mail in both languages."""
    return _page()


@bp.post("/previews/test-send")
def test_send():
    """Send one mail kind, rendered for a sample order, to the merchant's own address."""
    form = request.form
    errors = {}
    email = form.get("email", "").strip()
    if not EMAIL.match(email) or len(email) > 254:
        errors["email"] = "Enter an email address such as you@yourshop.com."
    if form.get("kind") not in KINDS:
        errors["kind"] = "Choose a mail to send."
    if form.get("lang") not in LANGUAGES:
        errors["lang"] = "Choose German or English."
    if errors:
        return _page(422, errors=errors, sent_to=email)
    mail = render_message(sample_message(g.admin.shop, form["kind"], form["lang"],
                                         datetime.now(timezone.utc), email))
    try:
        mail_sender().send(mail)
    except SendError as exc:
        return _page(502, errors={"email": f"The mail server refused the test mail: {exc}"}, sent_to=email)
    return _page(notice=f"Test mail “{mail['Subject']}” sent to {email}.", sent_to=email)
