"""`make real-woocommerce`: our app against a real WordPress + WooCommerce, end to end.

Uses /work/shared/tools/real-woocommerce.sh (override with REAL_WOOCOMMERCE_SH) and the two
snapshots it unpacks: WP_GIT (johnpbloch/wordpress-core) and WC_GIT (WP-a2z/woocommerce),
defaulting to the fetched mirrors under /work/.mirror/. Without them (or without root, which
the script needs) it prints "skipped: …" and exits 0.

Steps: a fresh store (setup + start, own WORKDIR and ports), our app like `make run` (SQLite,
embedded Redis, SMTP sink folder, gunicorn over https with a self-signed certificate, worker),
the companion plugin zip installed and activated through WordPress' own Plugin_Upgrader, the
store connected through /woocommerce/connect (grant approved as the shop admin), the plugin
configured through its settings form, a guest order through REST, tracking meta + completed,
then: the thank-you page's placeholder → our fragment names the tracking number, and the
shipped mail with the tracking number lands in the sink folder. The webhook bodies our app
received are scrubbed and written to WORKDIR/out/recorded (and to --record DIR).
Everything started here is stopped again, also on failure.
"""
from __future__ import annotations

import argparse
import email
import email.policy
import html
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(os.environ.get("REAL_WOOCOMMERCE_SH", "/work/shared/tools/real-woocommerce.sh"))
DEFAULT_WP_GIT = "/work/.mirror/johnpbloch+wordpress-core/repo"
DEFAULT_WC_GIT = "/work/.mirror/WP-a2z+woocommerce/repo"
WORKDIR = Path(os.environ.get("REAL_WC_WORKDIR", "/tmp/aftersales-real-woocommerce"))
BASE_PORT = int(os.environ.get("REAL_WC_BASE_PORT", "9580"))
PORTS = {"HTTP_PORT": BASE_PORT, "DB_PORT": BASE_PORT + 1, "HOOK_PORT": BASE_PORT + 2,
         "CB_PORT": BASE_PORT + 3}
APP_PORT = BASE_PORT + 10
SITE = f"http://127.0.0.1:{BASE_PORT}"
APP_URL = f"https://127.0.0.1:{APP_PORT}"
ADMIN = ("admin", os.environ.get("ADMIN_PASS", "admin-pass-123"))
TRACKING_NUMBER = "00340434161094042557"
GUEST_EMAIL = "guest.buyer@example.test"


class Failed(Exception):
    pass


def step(message: str) -> None:
    print(f"-- {message}", flush=True)


def note(message: str) -> None:
    print(f"   {message}", flush=True)


def wait_for(what: str, probe, seconds: float = 60, every: float = 0.5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(every)
    raise Failed(f"timed out after {seconds:.0f}s waiting for {what}")


def snapshots() -> tuple[str, str] | str:
    """The two git dirs, or the reason to skip."""
    wp = os.environ.get("WP_GIT") or (DEFAULT_WP_GIT if Path(DEFAULT_WP_GIT).exists() else "")
    wc = os.environ.get("WC_GIT") or (DEFAULT_WC_GIT if Path(DEFAULT_WC_GIT).exists() else "")
    if not (wp and wc):
        return "WP_GIT and WC_GIT are not set (fetched git dirs of johnpbloch/wordpress-core and WP-a2z/woocommerce)"
    if not SCRIPT.exists():
        return f"{SCRIPT} not found (set REAL_WOOCOMMERCE_SH)"
    if os.geteuid() != 0:
        return "real-woocommerce.sh needs root (apt, MariaDB as root)"
    return wp, wc


class Store:
    """The real store, through real-woocommerce.sh."""

    def __init__(self, wp_git: str, wc_git: str):
        self.env = {**os.environ, "WORKDIR": str(WORKDIR / "store"), "WP_GIT": wp_git, "WC_GIT": wc_git,
                    **{k: str(v) for k, v in PORTS.items()}}
        self.www = WORKDIR / "store" / "www"
        self.log = WORKDIR / "store-script.log"

    def script(self, command: str) -> None:
        with self.log.open("a") as log:
            log.write(f"\n### real-woocommerce.sh {command}\n")
            log.flush()
            done = subprocess.run(["bash", str(SCRIPT), command], env=self.env, stdout=log,
                                  stderr=subprocess.STDOUT)
        if done.returncode:
            raise Failed(f"real-woocommerce.sh {command} failed ({done.returncode}); see {self.log}")

    def php(self, code: str) -> str:
        """Run PHP with WordPress loaded as the admin; return its stdout."""
        path = WORKDIR / "store" / "run" / "aftersales-run.php"
        path.write_text("<?php\n"
                        f"$_SERVER['HTTP_HOST'] = '127.0.0.1:{BASE_PORT}'; $_SERVER['SERVER_NAME'] = '127.0.0.1';\n"
                        "$_SERVER['REQUEST_URI'] = '/';\n"
                        f"require '{self.www}/wp-load.php';\nwp_set_current_user(1);\n{code}\n")
        done = subprocess.run(["php", str(path)], capture_output=True, text=True, env=self.env)
        if done.returncode:
            raise Failed(f"PHP failed: {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout.strip()

    def allow_app_port(self) -> None:
        """WordPress only posts to ports it calls safe; the app's https port is not one."""
        mu = self.www / "wp-content" / "mu-plugins"
        mu.mkdir(parents=True, exist_ok=True)
        (mu / "aftersales-run.php").write_text(
            "<?php\n/* make real-woocommerce: our app listens on " + APP_URL + " (callback, webhooks). */\n"
            "add_filter('http_allowed_safe_ports', function ($ports) { $ports[] = " + str(APP_PORT)
            + "; return $ports; });\n")

    def patch_autoload_case(self) -> None:
        """WooCommerce 10.0.2's class map asks for src/Caching/WPCacheEngine.php, the file is
        WpCacheEngine.php: on a case-sensitive file system the first wp-admin page (which runs
        WC_Install::newly_installed → maybe_enable_hpos → cache flush) dies with a fatal error."""
        caching = self.www / "wp-content" / "plugins" / "woocommerce" / "src" / "Caching"
        wanted, real = caching / "WPCacheEngine.php", caching / "WpCacheEngine.php"
        if real.exists() and not wanted.exists():
            wanted.symlink_to(real.name)
            note("test rig: linked src/Caching/WPCacheEngine.php → WpCacheEngine.php (class map case mismatch)")

    def admin_session(self) -> httpx.Client:
        wp = httpx.Client(timeout=90)
        wp.get(f"{SITE}/wp-login.php")
        r = wp.post(f"{SITE}/wp-login.php", data={"log": ADMIN[0], "pwd": ADMIN[1], "wp-submit": "Log In",
                    "testcookie": "1", "redirect_to": f"{SITE}/wp-admin/"}, follow_redirects=False)
        if r.status_code != 302:
            raise Failed(f"WordPress admin login: HTTP {r.status_code}")
        return wp


class App:
    """Our app as `make run` starts it, but over https and with its own folder."""

    def __init__(self):
        self.var = WORKDIR / "app"
        self.children: list[subprocess.Popen] = []
        self.sink = None
        self.env: dict[str, str] = {}

    def start(self) -> None:
        from cryptography.fernet import Fernet

        from app.embedded_redis import start_embedded_redis
        from app.mail.sink import FolderHandler, start_sink

        self.var.mkdir(parents=True, exist_ok=True)
        cert, key = self.var / "tls.crt", self.var / "tls.key"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
        redis, redis_url = start_embedded_redis(self.var / "redis")
        self.children.append(redis)
        self.mailbox = self.var / "mailbox"
        self.sink = start_sink(FolderHandler(self.mailbox))
        self.env = {
            "SECRET_KEY": secrets.token_urlsafe(32), "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "SHOPIFY_API_KEY": "real-woocommerce-run", "SHOPIFY_API_SECRET": secrets.token_hex(16),
            "DATABASE_URL": f"sqlite:///{self.var / 'app.sqlite3'}", "REDIS_URL": redis_url,
            "APP_URL": APP_URL, "SMTP_URL": f"smtp://127.0.0.1:{self.sink.port}", "MAILBOX_DIR": str(self.mailbox),
            "MAIL_FROM": "Aftersales <aftersales@example.test>",
            "WOOCOMMERCE_ALLOW_LOOPBACK_HTTP": "1", "DISPATCH_INTERVAL_SECONDS": "1",
            "RECONCILE_INTERVAL_SECONDS": "0",  # the run proves the webhook path, not the healing sync
            "LOG_LEVEL": "WARNING",
        }
        os.environ.update(self.env)
        from app.migrate import upgrade

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


def _ok(http: httpx.Client, url: str) -> bool:
    try:
        return http.get(url).status_code == 200
    except httpx.HTTPError:
        return False


def install_plugin(store: Store) -> None:
    step("companion plugin: `make plugin`, then WordPress' Plugin_Upgrader installs the zip and it is activated")
    subprocess.run(["make", "-s", "plugin", f"PYTHON={sys.executable}"], cwd=REPO, check=True, capture_output=True)
    zip_path = REPO / "dist" / "aftersales-woocommerce.zip"
    out = store.php(f"""
require_once ABSPATH . 'wp-admin/includes/file.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
require_once ABSPATH . 'wp-admin/includes/class-wp-upgrader.php';
$upgrader = new Plugin_Upgrader( new Automatic_Upgrader_Skin() );
$ok = $upgrader->install( '{zip_path}' );
if ( true !== $ok ) {{ fwrite( STDERR, 'install: ' . ( is_wp_error( $ok ) ? $ok->get_error_message() : var_export( $ok, true ) )
  . ' ' . implode( ' | ', $upgrader->skin->get_upgrade_messages() ) ); exit( 1 ); }}
$file = $upgrader->plugin_info();
$r = activate_plugin( $file );
if ( is_wp_error( $r ) ) {{ fwrite( STDERR, $r->get_error_message() ); exit( 1 ); }}
$data = get_plugin_data( WP_PLUGIN_DIR . '/' . $file );
echo $file, ' ', $data['Version'], ' active=', is_plugin_active( $file ) ? 'yes' : 'no';
""")
    note(f"installed from {zip_path.relative_to(REPO)}: {out}")


def connect(store: Store, app: App) -> dict:
    step("connect: our /woocommerce/connect → the store's /wc-auth/v1/authorize → Approve as the admin")
    ours = httpx.Client(verify=False, timeout=30)
    r = ours.get(f"{APP_URL}/woocommerce/connect", params={"store_url": SITE}, follow_redirects=False)
    if r.status_code != 302:
        raise Failed(f"/woocommerce/connect: HTTP {r.status_code} {r.text[:200]}")
    wp = store.admin_session()
    r = wp.get(r.headers["Location"])
    m = re.search(r'href="([^"]*access_granted[^"]*)"', r.text)
    if not m:
        raise Failed(f"no Approve link on the grant screen (HTTP {r.status_code})")
    r = wp.get(html.unescape(m.group(1)), follow_redirects=False)
    back = r.headers.get("Location", "")
    note(f"Approve → HTTP {r.status_code}, back to {back.split('?')[0]}")
    if r.status_code != 302 or "success=1" not in back:
        raise Failed(f"the grant did not succeed: {r.status_code} {back[:200]}")
    page = ours.get(back)
    note(f"/woocommerce/connected → HTTP {page.status_code}: "
         f"{'Store connected' if 'Store connected' in page.text else page.text[:120]}")

    from sqlalchemy import select

    from app.extensions import db
    from app.models import Shop

    with app.flask.app_context():
        shop = db.session.scalars(select(Shop).where(Shop.platform == "woocommerce")).one()
        info = {"id": shop.id, "domain": shop.domain, "shop_key": shop.shop_key, "secret": shop.webhook_secret,
                "ck": shop.api_key, "cs": shop.api_secret}
        note(f"shop {shop.id} {shop.domain} keys {shop.api_key[:7]}… scopes={shop.scopes}")

    from connectors.woocommerce.client import WooClient

    def our_hooks():
        with WooClient(SITE, info["ck"], info["cs"]) as client:
            hooks = [h for h in client.webhooks() if info["shop_key"] in h.get("delivery_url", "")]
        return hooks if len(hooks) >= 4 and all(h["status"] == "active" for h in hooks) else None

    hooks = wait_for("the webhook setup job (four active webhooks on the store)", our_hooks, 60)
    note("store webhooks: " + ", ".join(sorted(h["topic"] for h in hooks)) + f" → {hooks[0]['delivery_url']}")
    return info


def configure_plugin(store: Store, shop: dict) -> None:
    step("plugin settings form (Settings → Aftersales): app URL, shop key, signing secret")
    wp = store.admin_session()
    # The first wp-admin page after WooCommerce's activation redirects once to its onboarding.
    for _ in range(2):
        r = wp.get(f"{SITE}/wp-admin/options-general.php?page=aftersales", follow_redirects=True)
        if "page=wc-admin" not in str(r.url):
            break
        note("first wp-admin visit: WooCommerce's one-time redirect to its onboarding; asking again")
    m = re.search(r'name="_wpnonce" value="([^"]+)"', r.text)
    if not m:
        (WORKDIR / "settings-page.html").write_text(r.text)
        raise Failed(f"no settings form with a nonce on options-general.php?page=aftersales "
                     f"(HTTP {r.status_code} {r.url}; saved as {WORKDIR / 'settings-page.html'})")
    r = wp.post(f"{SITE}/wp-admin/admin-post.php", follow_redirects=False, data={
        "action": "aftersales_save_settings", "_wpnonce": m.group(1),
        "_wp_http_referer": "/wp-admin/options-general.php?page=aftersales",
        "aftersales_app_url": APP_URL, "aftersales_shop_key": shop["shop_key"], "aftersales_secret": shop["secret"]})
    saved = store.php("echo get_option('aftersales_app_url'), ' ', get_option('aftersales_shop_key'), ' ', "
                      "get_option('aftersales_secret') === '" + shop["secret"] + "' ? 'secret ok' : 'secret differs';")
    note(f"save → HTTP {r.status_code}; stored: {saved}")
    if saved != f"{APP_URL} {shop['shop_key']} secret ok":
        raise Failed(f"plugin settings not stored as sent: {saved}")


def order_flow(app: App, shop: dict) -> dict:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Order, Shipment
    from connectors.woocommerce.client import WooClient

    step("guest order through REST v3 (OAuth 1.0a over http, with the keys from the handshake)")
    with WooClient(SITE, shop["ck"], shop["cs"]) as client:
        product = client.request("POST", "products", json={
            "name": "Filterkaffee 500 g", "type": "simple", "regular_price": "12.90", "sku": "COFFEE-500"}).json()
        address = {"first_name": "Gast", "last_name": "Käufer", "address_1": "Hauptstr. 5", "city": "Berlin",
                   "postcode": "10115", "country": "DE"}
        order = client.request("POST", "orders", json={
            "payment_method": "bacs", "payment_method_title": "Direct bank transfer", "set_paid": True,
            "customer_id": 0, "billing": {**address, "email": GUEST_EMAIL}, "shipping": address,
            "line_items": [{"product_id": product["id"], "quantity": 2}]}).json()
    note(f"order {order['id']} {order['status']} {order['total']} {order['currency']}, key {order['order_key'][:9]}…")

    def ours(*conditions):
        with app.flask.app_context():
            return db.session.scalars(select(Order).where(
                Order.shop_id == shop["id"], Order.platform_order_id == str(order["id"]), *conditions)).first() \
                is not None

    wait_for("order.created processed into our orders table", ours, 60)
    note("order.created delivered, verified and processed: the order is in our database")

    step("tracking meta (_wc_shipment_tracking_items, Shipment Tracking's shape) + status completed")
    with WooClient(SITE, shop["ck"], shop["cs"]) as client:
        done = client.request("PUT", f"orders/{order['id']}", json={"status": "completed", "meta_data": [
            {"key": "_wc_shipment_tracking_items", "value": [{
                "tracking_provider": "dhl", "custom_tracking_provider": "", "custom_tracking_link": "",
                "tracking_number": TRACKING_NUMBER, "date_shipped": str(int(time.time())),
                "tracking_id": secrets.token_hex(16)}]}]}).json()
    note(f"order {done['id']} → {done['status']}")

    def shipment():
        with app.flask.app_context():
            row = db.session.scalars(select(Shipment).where(Shipment.tracking_number == TRACKING_NUMBER)).first()
            return (row.tracking_number, row.carrier, row.status) if row else None

    note(f"order.updated processed: shipment {wait_for('the shipment from order.updated', shipment, 60)}")
    return order


def thank_you_page(order: dict) -> str:
    step("order-received (thank-you) page as the guest: placeholder → our fragment")
    url = f"{SITE}/checkout/order-received/{order['id']}/?key={order['order_key']}"
    page = httpx.get(url, timeout=60)
    m = re.search(r'<div class="aftersales-block"[^>]*data-src="([^"]+)"', page.text)
    if page.status_code != 200 or not m:
        raise Failed(f"thank-you page HTTP {page.status_code}: no aftersales placeholder")
    script = "aftersales/assets/embed.js" in page.text
    note(f"thank-you page HTTP 200, placeholder present, embed script {'present' if script else 'MISSING'}")
    fragment = httpx.get(html.unescape(m.group(1)), headers={"Origin": SITE}, verify=False, timeout=30)
    note(f"fragment HTTP {fragment.status_code}, CORS {fragment.headers.get('Access-Control-Allow-Origin')}, "
         f"{len(fragment.text)} bytes")
    if fragment.status_code != 200 or TRACKING_NUMBER not in fragment.text:
        raise Failed(f"the fragment does not show {TRACKING_NUMBER}: {fragment.text[:300]!r}")
    if not script:
        raise Failed("the embed script is not on the thank-you page")
    note(f"the block shows tracking number {TRACKING_NUMBER}")
    return fragment.text


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


def record(app: App, into: list[Path]) -> list[str]:
    """Our stored webhook deliveries, scrubbed, as NN_<topic>.json."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import WebhookDelivery
    from tests.real_woocommerce.scrub import encode_like_woocommerce, scrub

    step("recording the webhook bodies our app received (scrubbed)")
    with app.flask.app_context():
        rows = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        bodies = [(d.topic, d.state, json.loads(d.body)) for d in rows]
    names = []
    for folder in into:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("[0-9][0-9]_order.*.json"):
            old.unlink()
    for n, (topic, state, body) in enumerate(bodies, 1):
        name = f"{n:02d}_{topic}.json"
        names.append(f"{name} ({body.get('status')}, {state})")
        for folder in into:
            (folder / name).write_bytes(encode_like_woocommerce(scrub(body)) + b"\n")
    for line in names:
        note(line)
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--record", type=Path, help="also write the scrubbed webhook bodies into this folder")
    args = parser.parse_args(argv)
    found = snapshots()
    if isinstance(found, str):
        print(f"skipped: {found}")
        return 0
    started = time.monotonic()
    if WORKDIR.exists():  # a fresh store every time; stop what an earlier run may have left
        if (WORKDIR / "store" / "run").exists():
            Store(*found).script("stop")
        shutil.rmtree(WORKDIR)
    WORKDIR.mkdir(parents=True)
    store, app = Store(*found), App()
    report: list[str] = []
    try:
        step(f"real store: real-woocommerce.sh setup + start in {WORKDIR / 'store'} ({SITE})")
        store.script("setup")
        store.allow_app_port()
        store.patch_autoload_case()
        store.script("start")
        note(store.php("echo 'WordPress ', get_bloginfo('version'), ', WooCommerce ', WC()->version, "
                       "', theme ', get_stylesheet();"))
        step(f"our app: gunicorn (https, self-signed) + worker on {APP_URL}, embedded Redis, SMTP sink folder")
        app.start()
        install_plugin(store)
        shop = connect(store, app)
        configure_plugin(store, shop)
        order = order_flow(app, shop)
        thank_you_page(order)
        subject = shipped_mail(app)
        recorded = record(app, [WORKDIR / "out" / "recorded", *([args.record] if args.record else [])])
        report = [f"store {SITE} connected as shop {shop['id']} ({shop['shop_key']})",
                  f"guest order {order['id']} → completed with tracking {TRACKING_NUMBER}",
                  "thank-you page: placeholder → fragment shows the tracking number",
                  f"shipped mail to {GUEST_EMAIL}: {subject!r}",
                  f"{len(recorded)} webhook bodies recorded"
                  + (f" into {args.record}" if args.record else f" into {WORKDIR / 'out' / 'recorded'}")]
    except Failed as exc:
        print(f"\nFAILED: {exc}\n(logs: {WORKDIR}/app/app.log, {WORKDIR}/store-script.log, "
              f"{WORKDIR}/store/run/)", flush=True)
        return 1
    finally:
        app.stop()
        try:
            store.script("stop")
        except Failed as exc:
            print(f"stop: {exc}")
    print(f"\nREAL WOOCOMMERCE RUN PASSED in {time.monotonic() - started:.0f}s")
    for line in report:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
