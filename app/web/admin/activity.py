"""Activity log: who changed which setting when; every admin save path records here once."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import g

from app.domain.shop.module_fields import module_specs
from app.domain.shop.setting_changes import SHOWN, describe_changes, recent_changes, record_change
from app.extensions import db
from app.i18n import N_
from app.web.admin import bp
from app.web.admin.admin_text import admin_text as t
from app.web.admin.layout import render_page

# Where a change was made: message ids of the page (or part) names.
PAGES = {"content": N_("admin.nav.content"), "faq": N_("admin.modules.faq.title"),
         "banner": N_("admin.modules.banner.title"), "legal": N_("admin.nav.legal"),
         "tracking_address": N_("admin.nav.tracking_address"), "sender_domain": N_("admin.nav.sender_domain"),
         "tracking_providers": N_("admin.nav.tracking_providers"),
         "suppressions": N_("admin.nav.suppressions")}


def log_change(area: str, before: Mapping, after: Mapping, secrets: Iterable[str] = ()) -> None:
    """Record what a save changed (old → new per field; a secret only as "changed"), in the
    request's transaction: call it before the commit."""
    record_change(db.session(), g.admin.shop, g.admin.actor, area, describe_changes(before, after, secrets))


def log_summary(area: str, summary: str) -> None:
    """Record a change already put in words (an entry added, a key removed)."""
    record_change(db.session(), g.admin.shop, g.admin.actor, area, summary)


def area_label(area: str) -> str:
    spec = module_specs().get(area)
    if spec:
        return t("admin.activity.module_area", module=t(spec.title))
    return t(PAGES[area]) if area in PAGES else area


@bp.get("/activity")
def activity():
    """The last changes to the shop's settings, newest first."""
    return render_page("admin/activity.html", changes=recent_changes(db.session(), g.admin.shop.id),
                       shown=SHOWN, area_label=area_label)
