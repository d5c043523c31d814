"""Our app as the real run serves it: gunicorn over https, a worker, embedded Redis, an SMTP sink folder."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import httpx

from tests.real_woocommerce.progress import wait_for
from tests.real_woocommerce.settings import APP_PORT, APP_URL, REPO, WORKDIR


class App:
    """Our app as `make run` starts it, but over https and with its own folder."""

    def __init__(self):
        self.var = WORKDIR / "app"
        self.children: list[subprocess.Popen] = []
        self.sink = None
        self.dhl = None
        self.env: dict[str, str] = {}

    def start(self) -> None:
        from cryptography.fernet import Fernet

        from app.devstack.embedded_redis import start_embedded_redis
        from app.devstack.mail_sink import FolderHandler, start_sink

        self.var.mkdir(parents=True, exist_ok=True)
        cert, key = self.var / "tls.crt", self.var / "tls.key"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
        redis, redis_url = start_embedded_redis(self.var / "redis")
        self.children.append(redis)
        self.mailbox = self.var / "mailbox"
        self.sink = start_sink(FolderHandler(self.mailbox))
        from tests.support.fakes.tracking_providers import FakeDhl

        self.dhl = FakeDhl("real-run-dhl-key").start()  # the carrier, as DHL Unified answers
        self.env = {
            "SECRET_KEY": secrets.token_urlsafe(32), "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "SHOPIFY_API_KEY": "real-woocommerce-run", "SHOPIFY_API_SECRET": secrets.token_hex(16),
            "DATABASE_URL": f"sqlite:///{self.var / 'app.sqlite3'}", "REDIS_URL": redis_url,
            "APP_URL": APP_URL, "SMTP_URL": f"smtp://127.0.0.1:{self.sink.port}",
            "MAILBOX_DIR": str(self.mailbox),
            "MAIL_FROM": "Aftersales <aftersales@example.test>",
            "WOOCOMMERCE_ALLOW_LOOPBACK_HTTP": "1", "DISPATCH_INTERVAL_SECONDS": "1",
            "RECONCILE_INTERVAL_SECONDS": "0",  # the run proves the webhook path, not the healing sync
            "LOG_LEVEL": "WARNING",
            "DHL_API_KEY": "real-run-dhl-key", "DHL_API_URL": self.dhl.base_url,
        }
        os.environ.update(self.env)
        from app.db.migrate import upgrade

        upgrade(self.env["DATABASE_URL"])
        bin_dir = Path(sys.executable).parent
        log = (self.var / "app.log").open("a")
        self.children.append(subprocess.Popen(
            [str(bin_dir / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{APP_PORT}",
             "--certfile", str(cert), "--keyfile", str(key), "--log-level", "warning", "app:create_app()"],
            env=os.environ.copy(), cwd=REPO, stdout=log, stderr=subprocess.STDOUT))
        self.children.append(subprocess.Popen([sys.executable, "-m", "app.worker"], env=os.environ.copy(),
                                              cwd=REPO, stdout=log, stderr=subprocess.STDOUT))
        http = httpx.Client(verify=False, timeout=5)
        wait_for("our app's /healthz", lambda: _ok(http, f"{APP_URL}/healthz"), 30)
        from app import create_app

        self.flask = create_app()

    def stop(self) -> None:
        for child in reversed(self.children):  # worker and web first, Redis last
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        if self.sink is not None:
            self.sink.stop()
        if self.dhl is not None:
            self.dhl.stop()


def _ok(http: httpx.Client, url: str) -> bool:
    try:
        return http.get(url).status_code == 200
    except httpx.HTTPError:
        return False
