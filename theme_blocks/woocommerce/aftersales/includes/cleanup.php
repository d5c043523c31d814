<?php
/**
 * What uninstall.php removes: the app's webhooks and REST API keys in this store, the app's
 * data (through its disconnect call) and the plugin's options.
 *
 * Webhooks are the app's when their delivery URL is under the app URL. REST keys are the
 * ones WooCommerce's key grant (wc-auth) made for the app: their description is
 * "<app name> - API (<date>)" (WC_Auth::create_keys), the app name as the app sent it at
 * connection ("Aftersales" unless its operator changed WOOCOMMERCE_APP_NAME).
 *
 * @package Aftersales
 */

defined( 'ABSPATH' ) || exit;

/** The plugin's options, all removed on uninstall. */
const AFTERSALES_OPTIONS = array( 'aftersales_app_url', 'aftersales_shop_key', 'aftersales_secret', 'aftersales_app_name', 'aftersales_connect_claim' );

/** Remove everything the app and the plugin made in this store, and tell the app. */
function aftersales_uninstall() {
	$settings = aftersales_settings();
	aftersales_delete_app_webhooks( $settings['app_url'] );
	aftersales_delete_app_keys( aftersales_app_name() );
	aftersales_signed_post( $settings, '/woocommerce/disconnect/' . rawurlencode( $settings['shop_key'] ), array(), 5 );
	foreach ( AFTERSALES_OPTIONS as $option ) {
		delete_option( $option );
	}
}

/**
 * The app name in the descriptions of the app's REST keys.
 *
 * @return string
 */
function aftersales_app_name() {
	$name = (string) get_option( 'aftersales_app_name', '' );
	return '' !== $name ? $name : 'Aftersales';
}

/**
 * Delete the webhooks that deliver to the app.
 *
 * @param string $app_url The app URL from the settings.
 * @return int How many were deleted.
 */
function aftersales_delete_app_webhooks( $app_url ) {
	if ( '' === $app_url ) {
		return 0;
	}
	$prefix = untrailingslashit( $app_url ) . '/';
	if ( class_exists( 'WC_Data_Store' ) && function_exists( 'wc_get_webhook' ) ) {
		$deleted = 0;
		foreach ( WC_Data_Store::load( 'webhook' )->search_webhooks( array( 'limit' => -1 ) ) as $webhook_id ) {
			$webhook = wc_get_webhook( $webhook_id );
			if ( $webhook && 0 === strpos( (string) $webhook->get_delivery_url(), $prefix ) ) {
				$webhook->delete( true );
				++$deleted;
			}
		}
		return $deleted;
	}
	// WooCommerce is not active (deactivated first): its tables may still be there.
	global $wpdb;
	$table = $wpdb->prefix . 'wc_webhooks';
	if ( ! aftersales_table_exists( $table ) ) {
		return 0;
	}
	// phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching -- WooCommerce, which caches webhooks, is not loaded.
	return (int) $wpdb->query( $wpdb->prepare( 'DELETE FROM %i WHERE delivery_url LIKE %s', $table, $wpdb->esc_like( $prefix ) . '%' ) );
}

/**
 * Delete the REST API keys WooCommerce's key grant made for the app.
 *
 * @param string $app_name The app name the keys were granted to.
 * @return int How many were deleted.
 */
function aftersales_delete_app_keys( $app_name ) {
	global $wpdb;
	$table = $wpdb->prefix . 'woocommerce_api_keys';
	if ( '' === $app_name || ! aftersales_table_exists( $table ) ) {
		return 0;
	}
	// phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching -- WooCommerce has no API for keys; it reads this table uncached.
	return (int) $wpdb->query( $wpdb->prepare( 'DELETE FROM %i WHERE description LIKE %s', $table, $wpdb->esc_like( $app_name . ' - API (' ) . '%' ) );
}

/**
 * Whether a database table exists.
 *
 * @param string $table Full table name.
 * @return bool
 */
function aftersales_table_exists( $table ) {
	global $wpdb;
	// phpcs:ignore WordPress.DB.DirectDatabaseQuery.DirectQuery, WordPress.DB.DirectDatabaseQuery.NoCaching -- asked once, at uninstall.
	return $table === $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->esc_like( $table ) ) );
}
