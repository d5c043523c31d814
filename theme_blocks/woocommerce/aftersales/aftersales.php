<?php
/**
 * Plugin Name:       Aftersales for WooCommerce
 * Description:       Shows the Aftersales order-status block (delivery timeline and parcel tracking) on the order confirmation and My Account order pages, and offers a one-click reorder link.
 * Version:           0.3.0
 * Requires at least: 6.5
 * Requires PHP:      7.4
 * Author:            Aftersales
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       aftersales
 * Domain Path:       /languages
 * Update URI:        false
 * Requires Plugins:  woocommerce
 * WC requires at least: 8.0
 * WC tested up to:   10.0
 *
 * @package Aftersales
 */

defined( 'ABSPATH' ) || exit;

define( 'AFTERSALES_VERSION', '0.3.0' );
define( 'AFTERSALES_FILE', __FILE__ );

require_once __DIR__ . '/includes/links.php';
require_once __DIR__ . '/includes/token.php';
require_once __DIR__ . '/includes/settings.php';
require_once __DIR__ . '/includes/app-request.php';
require_once __DIR__ . '/includes/signin.php';
require_once __DIR__ . '/includes/health.php';
require_once __DIR__ . '/includes/connect.php';
require_once __DIR__ . '/includes/embed.php';
require_once __DIR__ . '/includes/reorder.php';
require_once __DIR__ . '/includes/privacy.php';

/**
 * Declare compatibility with WooCommerce High-Performance Order Storage (the plugin reads
 * orders only through wc_get_order() and WC_Order methods, never through posts or postmeta)
 * and with the Cart and Checkout blocks (it adds nothing to cart or checkout; the block
 * Order Confirmation template runs woocommerce_thankyou, where the order-status block goes).
 */
add_action(
	'before_woocommerce_init',
	function () {
		if ( class_exists( \Automattic\WooCommerce\Utilities\FeaturesUtil::class ) ) {
			\Automattic\WooCommerce\Utilities\FeaturesUtil::declare_compatibility( 'custom_order_tables', AFTERSALES_FILE, true );
			\Automattic\WooCommerce\Utilities\FeaturesUtil::declare_compatibility( 'cart_checkout_blocks', AFTERSALES_FILE, true );
		}
	}
);

/** The shipped translations in languages/ (German). */
function aftersales_load_textdomain() {
	load_plugin_textdomain( 'aftersales', false, dirname( plugin_basename( AFTERSALES_FILE ) ) . '/languages' );
}

add_action( 'init', 'aftersales_load_textdomain' );
add_action( 'admin_menu', 'aftersales_add_settings_page' );
add_action( 'admin_post_aftersales_save_settings', 'aftersales_save_settings' );
add_action( 'admin_post_aftersales_open_admin', 'aftersales_open_admin' );
add_action( 'admin_post_aftersales_connect', 'aftersales_start_connect' );
add_action( 'rest_api_init', 'aftersales_register_routes' );
add_filter( 'allowed_redirect_hosts', 'aftersales_allowed_redirect_hosts' );
add_action( 'woocommerce_thankyou', 'aftersales_render_block', 20 );
add_action( 'woocommerce_view_order', 'aftersales_render_block', 20 );
add_action( 'wp_loaded', 'aftersales_handle_reorder', 30 );
add_filter( 'wp_privacy_personal_data_exporters', 'aftersales_register_privacy_exporter' );
add_filter( 'wp_privacy_personal_data_erasers', 'aftersales_register_privacy_eraser' );
