"""`make real-woocommerce`: our app against a real WordPress + WooCommerce, end to end.

Uses ../shared/tools/real-woocommerce.sh (override with REAL_WOOCOMMERCE_SH) and the two
snapshots it unpacks: WP_GIT (johnpbloch/wordpress-core) and WC_GIT (WP-a2z/woocommerce),
git dirs of johnpbloch/wordpress-core and WP-a2z/woocommerce. Without them (or without root, which
the script needs) it prints "skipped: …" and exits 0.

Steps: a fresh store (setup + start, own WORKDIR and ports), our app like `make run` (SQLite,
embedded Redis, SMTP sink folder, gunicorn over https with a self-signed certificate, worker),
the companion plugin zip installed and activated through WordPress' own Plugin_Upgrader, its
app URL saved, the store connected with the plugin's Connect button (grant approved as the shop
admin; the plugin receives its shop key and secret from our app), a guest order through REST, tracking meta +
completed,
then: the thank-you page's placeholder → our fragment names the tracking number, and the
shipped mail with the tracking number lands in the sink folder. In headless Chromium: the
thank-you page draws the block, Settings → Aftersales shows the connection's health, "Open
Aftersales" signs in to our admin, and an FAQ entry saved there reaches the buyer's block. The webhook bodies
our app
received are scrubbed and written to WORKDIR/out/recorded (and to --record DIR).
Last, the plugin: its German texts, WordPress's privacy export and erasure through our app, and
its deletion (uninstall_plugin()), after which no webhook, REST key or option of ours is left.
Everything started here is stopped again, also on failure.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from tests.real_woocommerce.carrier import carrier_delivers
from tests.real_woocommerce.connect import connect
from tests.real_woocommerce.in_chromium import add_faq_entry, in_chromium
from tests.real_woocommerce.order_flow import order_flow
from tests.real_woocommerce.our_app import App
from tests.real_woocommerce.plugin_goodbye import german_texts, privacy_tools, uninstall
from tests.real_woocommerce.progress import Failed, note, step
from tests.real_woocommerce.recording import record
from tests.real_woocommerce.settings import APP_URL, GUEST_EMAIL, SITE, TRACKING_NUMBER, WORKDIR, snapshots
from tests.real_woocommerce.shipped_mail import shipped_mail
from tests.real_woocommerce.store import Store, configure_plugin, install_plugin
from tests.real_woocommerce.thank_you_page import thank_you_page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
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
        step(f"our app: gunicorn (https, self-signed) + worker on {APP_URL}, embedded Redis, "
             "SMTP sink folder")
        app.start()
        install_plugin(store)
        configure_plugin(store)
        shop = connect(store, app)
        order = order_flow(app, shop)
        thank_you_page(order)
        subject = shipped_mail(app)
        delivered_subject = carrier_delivers(app, app.dhl)
        in_chromium(order, add_faq_entry)
        recorded = record(app, [WORKDIR / "out" / "recorded", *([args.record] if args.record else [])])
        german_texts(store)
        privacy_tools(store, app)
        uninstall(store, app, shop)
        report = [f"store {SITE} connected as shop {shop['id']} ({shop['shop_key']})",
                  f"guest order {order['id']} → completed with tracking {TRACKING_NUMBER}",
                  "thank-you page: placeholder → fragment shows the tracking number",
                  f"shipped mail to {GUEST_EMAIL}: {subject!r}",
                  f"DHL's answer → delivered; mail {delivered_subject!r}",
                  "Chromium: the thank-you page draws the block; wp-admin shows the connection's health; "
                  "Open Aftersales signs in; an FAQ entry saved there shows on the thank-you page",
                  "plugin in German; privacy export and erasure reached our app",
                  "plugin deleted: no webhook, REST key or option of ours left; our app was told",
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
