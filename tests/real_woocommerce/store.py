"""The store side: WordPress + WooCommerce through real-woocommerce.sh, our plugin installed and set up."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import httpx

from tests.real_woocommerce.progress import Failed, note, step
from tests.real_woocommerce.settings import (
    ADMIN,
    APP_PORT,
    APP_URL,
    BASE_PORT,
    PORTS,
    REPO,
    SCRIPT,
    SITE,
    WORKDIR,
)


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
            + "; return $ports; });\n"
            "/* The plugin's signed calls (privacy tools, uninstall) reach the app's self-signed https. */\n"
            "add_filter('http_request_args', function ($args, $url) { if (0 === strpos($url, '" + APP_URL
            + "/')) { $args['sslverify'] = false; } return $args; }, 10, 2);\n")

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


def settings_page(wp: httpx.Client) -> str:
    """Settings → Aftersales as the signed-in admin sees it."""
    # The first wp-admin page after WooCommerce's activation redirects once to its onboarding.
    for _ in range(2):
        r = wp.get(f"{SITE}/wp-admin/options-general.php?page=aftersales", follow_redirects=True)
        if "page=wc-admin" not in str(r.url):
            return r.text
        note("first wp-admin visit: WooCommerce's one-time redirect to its onboarding; asking again")
    (WORKDIR / "settings-page.html").write_text(r.text)
    raise Failed(f"options-general.php?page=aftersales did not open (HTTP {r.status_code} {r.url}; "
                 f"saved as {WORKDIR / 'settings-page.html'})")


def configure_plugin(store: Store) -> None:
    step("plugin settings form (Settings → Aftersales): the app URL, nothing else to type")
    wp = store.admin_session()
    m = re.search(r'value="aftersales_save_settings" />\s*<input type="hidden" (?:id="_wpnonce" )?'
                  r'name="_wpnonce" value="([^"]+)"', settings_page(wp))
    if not m:
        raise Failed("no settings form with a nonce on options-general.php?page=aftersales")
    r = wp.post(f"{SITE}/wp-admin/admin-post.php", follow_redirects=False, data={
        "action": "aftersales_save_settings", "_wpnonce": m.group(1),
        "_wp_http_referer": "/wp-admin/options-general.php?page=aftersales", "aftersales_app_url": APP_URL})
    saved = store.php("echo get_option('aftersales_app_url');")
    note(f"save → HTTP {r.status_code}; stored: {saved}")
    if saved != APP_URL:
        raise Failed(f"plugin settings not stored as sent: {saved}")
