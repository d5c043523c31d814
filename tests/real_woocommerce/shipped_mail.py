"""Check: the shipped mail naming the tracking number reaches the buyer (in the SMTP sink folder)."""
from __future__ import annotations

import email
import email.policy

from tests.real_woocommerce.our_app import App
from tests.real_woocommerce.progress import Failed, note, step, wait_for
from tests.real_woocommerce.settings import GUEST_EMAIL, TRACKING_NUMBER


def shipped_mail(app: App) -> str:
    step("mail: the shipped notice in the SMTP sink folder")

    def arrived():
        for path in sorted(app.mailbox.glob("*.eml")):
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            text = "\n".join(part.get_content() for part in msg.walk()
                             if part.get_content_type() in ("text/plain", "text/html"))
            if TRACKING_NUMBER in text:
                return path, msg
        return None

    path, msg = wait_for("a mail naming the tracking number", arrived, 90, 1)
    note(f"{path.name}: To {msg['To']} | Subject {msg['Subject']!r}")
    if GUEST_EMAIL not in str(msg["To"]):
        raise Failed(f"the mail went to {msg['To']}, not the buyer")
    return str(msg["Subject"])
