"""A local SMTP server that keeps every received mail as an .eml file (local demos)."""
from __future__ import annotations

import socket
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller


class FolderHandler:
    """aiosmtpd handler: write each message, as received, into a folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
        (self.folder / name).write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def free_port(hostname: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((hostname, 0))
        return sock.getsockname()[1]


def start_sink(handler, port: int = 0, hostname: str = "127.0.0.1") -> Controller:
    """Start an SMTP server in a background thread; `controller.port` tells where it listens."""
    controller = Controller(handler, hostname=hostname, port=port or free_port(hostname))
    controller.start()
    return controller
