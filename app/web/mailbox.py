"""Local demos only: the mails the local SMTP sink received, readable in the browser."""
from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template

bp = Blueprint("mailbox", __name__, url_prefix="/dev/mailbox")


def _folder() -> Path:
    folder = current_app.config.get("MAILBOX_DIR")
    if not folder:
        abort(404)
    return Path(folder)


def _read(path: Path):
    with path.open("rb") as fh:
        return BytesParser(policy=policy.default).parse(fh)


@bp.get("/")
def mailbox_index():
    """List received mails, newest first."""
    files = sorted(_folder().glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)
    mails = [{"name": p.stem, "mail": _read(p)} for p in files[:200]]
    return render_template("dev/mailbox.html", mails=mails)


@bp.get("/<name>")
def mailbox_message(name: str):
    """Show one received mail: headers, the HTML part (sandboxed) and the text part."""
    path = _folder() / f"{name}.eml"
    if "/" in name or not path.is_file():
        abort(404)
    mail = _read(path)
    html = mail.get_body(preferencelist=("html",))
    text = mail.get_body(preferencelist=("plain",))
    return render_template("dev/message.html", name=name, mail=mail,
                           html=html.get_content() if html else None,
                           text=text.get_content() if text else None)
