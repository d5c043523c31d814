"""A real SMTP server on loopback that keeps what it receives, made the app's mail server."""
from __future__ import annotations

import contextlib

from app.devstack.mail_sink import start_sink
from app.mail.senders import SMTPSender


class InboxHandler:
    """aiosmtpd handler keeping every received message (envelope and parsed mail)."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        from email import policy
        from email.parser import BytesParser

        mail = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        self.messages.append({"envelope_from": envelope.mail_from, "envelope_to": list(envelope.rcpt_tos),
                              "mail": mail,
                              "raw": envelope.original_content or envelope.content})
        return "250 Message accepted for delivery"


@contextlib.contextmanager
def serving_smtp(app, handler: InboxHandler):
    """Run `handler` as a real SMTP server on loopback and make it the app's mail server."""
    controller = start_sink(handler)
    app.extensions["mail_sender"] = SMTPSender(f"smtp://127.0.0.1:{controller.port}")
    try:
        yield handler.messages
    finally:
        controller.stop()
