"""Checks at the end of the run: the plugin speaks German, WordPress's privacy tools reach our
app, and deleting the plugin leaves no webhook or REST key of ours in the store.

Run in the real WordPress through store.php: German through the plugin's own text domain
loading (the shipped languages/aftersales-de_DE.mo); export and erasure through the callbacks
WordPress's wp_privacy_personal_data_exporters / _erasers filters hand to Tools → Export /
Erase Personal Data; uninstall as WordPress does it (deactivate, then uninstall_plugin() in a
request where the plugin is no longer loaded).
"""
from __future__ import annotations

import json

from tests.real_woocommerce.our_app import App
from tests.real_woocommerce.progress import Failed, note, step, wait_for
from tests.real_woocommerce.settings import APP_URL, GUEST_EMAIL, SITE, TRACKING_NUMBER
from tests.real_woocommerce.store import Store

PLUGIN = "aftersales/aftersales.php"
# What is left of ours: webhooks delivering to the app, REST keys wc-auth made for "Aftersales", options.
LEFT = f"""
global $wpdb;
$hooks = 0;
foreach ( WC_Data_Store::load( 'webhook' )->search_webhooks( array( 'limit' => -1 ) ) as $id ) {{
  $hooks += 0 === strpos( wc_get_webhook( $id )->get_delivery_url(), '{APP_URL}/' ) ? 1 : 0;
}}
$keys = $wpdb->get_var( $wpdb->prepare( "SELECT COUNT(*) FROM {{$wpdb->prefix}}woocommerce_api_keys WHERE description LIKE %s",
  $wpdb->esc_like( 'Aftersales - API (' ) . '%' ) );
$options = 0;
foreach ( array( 'aftersales_app_url', 'aftersales_shop_key', 'aftersales_secret', 'aftersales_app_name' ) as $o ) {{
  $options += false === get_option( $o ) ? 0 : 1;
}}
echo wp_json_encode( array( 'webhooks' => $hooks, 'keys' => (int) $keys, 'options' => $options ) );
"""


def german_texts(store: Store) -> str:
    step("German: the plugin's languages/aftersales-de_DE.mo through its own text domain loading")
    text = store.php("add_filter( 'determine_locale', function () { return 'de_DE'; } );\n"
                     "echo __( 'Track your order', 'aftersales' ), ' | ', __( 'Open Aftersales', 'aftersales' );")
    if text != "Bestellung verfolgen | Aftersales öffnen":
        raise Failed(f"the plugin does not speak German: {text!r}")
    note(f"de_DE: {text}")
    return text


def privacy_tools(store: Store, app: App) -> None:
    step(f"Tools → Export / Erase Personal Data for {GUEST_EMAIL}: the plugin's exporter and eraser ask our app")
    call = ("$tools = apply_filters( 'wp_privacy_personal_data_{kind}s', array() );\n"
            "echo wp_json_encode( call_user_func( $tools['aftersales']['callback'], '" + GUEST_EMAIL + "', 1 ) );")
    exported = json.loads(store.php(call.format(kind="exporter")))
    if "data" not in exported or TRACKING_NUMBER not in json.dumps(exported["data"]):
        raise Failed(f"the export does not hold the buyer's parcel: {json.dumps(exported)[:300]}")
    note(f"export: {len(exported['data'])} items ({', '.join(i['item_id'] for i in exported['data'])}), "
         f"tracking number {TRACKING_NUMBER} among them")
    erased = json.loads(store.php(call.format(kind="eraser")))
    if erased.get("items_removed") is not True:
        raise Failed(f"the eraser removed nothing: {erased}")
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Customer

    with app.flask.app_context():
        left = db.session.scalars(select(Customer).where(Customer.email == GUEST_EMAIL)).all()
    if left:
        raise Failed("our app still holds the buyer's address after the erasure")
    note(f"erase: {erased['messages']}; our app holds the address no more")


def uninstall(store: Store, app: App, shop: dict) -> dict:
    step("deleting the plugin: deactivate, then WordPress's uninstall_plugin() runs its uninstall.php")
    before = json.loads(store.php(LEFT))
    note(f"before: {before}")
    if before["webhooks"] < 4 or before["keys"] < 1:
        raise Failed(f"nothing of ours to remove before uninstall: {before}")
    store.php(f"require_once ABSPATH . 'wp-admin/includes/plugin.php'; deactivate_plugins( '{PLUGIN}' );")
    store.php(
        "require_once ABSPATH . 'wp-admin/includes/plugin.php';\n"
        f"if ( is_plugin_active( '{PLUGIN}' ) || function_exists( 'aftersales_settings' ) ) {{ fwrite( STDERR, 'still active' ); exit( 1 ); }}\n"
        f"uninstall_plugin( '{PLUGIN}' );"
    )
    after = json.loads(store.php(LEFT))
    note(f"after: {after}")
    if after != {"webhooks": 0, "keys": 0, "options": 0}:
        raise Failed(f"uninstall left something of ours in the store: {after}")
    from connectors.woocommerce.client import KeysRefused, WooClient, WooCommerceApiError

    try:
        with WooClient(SITE, shop["ck"], shop["cs"], allow_loopback=True) as client:
            client.webhooks()
        raise Failed("the app's REST keys still work after uninstall")
    except KeysRefused:
        note("the app's REST keys are refused by the store now")
    except WooCommerceApiError as exc:
        raise Failed(f"REST check after uninstall: {exc}") from exc
    from app.extensions import db
    from app.models import Shop

    def told():
        with app.flask.app_context():
            return db.session.get(Shop, shop["id"]).uninstalled_at

    note(f"our app was told: shop uninstalled at {wait_for('the disconnect call to reach our app', told, 30)}")
    return after

