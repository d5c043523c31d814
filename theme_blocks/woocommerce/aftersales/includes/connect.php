<?php
/**
 * "Connect": the plugin starts the connection and receives its settings from the app itself.
 *
 * 1. The button (admin-post, manage_woocommerce, nonce) makes a one-time claim, keeps only
 *    its SHA-256 for an hour, and sends the merchant to the app's /woocommerce/connect with
 *    this store's address and the claim; WooCommerce then asks the merchant to approve keys.
 * 2. Once the app has proven those keys on this store, it POSTs the shop key and signing
 *    secret to /?rest_route=/aftersales/v1/connection with the claim. Only the app, which
 *    got the claim from this store's administrator, can answer it; the claim works once.
 * No key or secret is shown in a browser or copied by hand.
 *
 * @package Aftersales
 */

defined( 'ABSPATH' ) || exit;

/** Seconds a started connection waits for the app. */
const AFTERSALES_CLAIM_LIFETIME = HOUR_IN_SECONDS;

/** The admin-post action behind "Connect": capability and nonce first, then off to the app. */
function aftersales_start_connect() {
	if ( ! current_user_can( 'manage_woocommerce' ) ) {
		wp_die( esc_html__( 'You are not allowed to connect this store.', 'aftersales' ), 403 );
	}
	check_admin_referer( 'aftersales_connect' );
	$settings = aftersales_settings();
	if ( '' === $settings['app_url'] ) {
		wp_die( esc_html__( 'Enter the app URL and save it first.', 'aftersales' ), 400 );
	}
	$claim = aftersales_base64url( random_bytes( 32 ) );
	update_option(
		'aftersales_connect_claim',
		array(
			'hash'    => hash( 'sha256', $claim ),
			'expires' => time() + AFTERSALES_CLAIM_LIFETIME,
		),
		false
	);
	$url = add_query_arg(
		array(
			'store_url' => rawurlencode( home_url() ),
			'claim'     => $claim,
		),
		$settings['app_url'] . '/woocommerce/connect'
	);
	nocache_headers();
	wp_safe_redirect( $url, 303 );
	exit;
}

/** Register the route the app hands the settings to. */
function aftersales_register_routes() {
	register_rest_route(
		'aftersales/v1',
		'/connection',
		array(
			'methods'             => 'POST',
			'callback'            => 'aftersales_receive_connection',
			// The claim in the body is the proof; see aftersales_receive_connection().
			'permission_callback' => '__return_true',
		)
	);
}

/**
 * Store the shop key and secret the app sends, when it answers the claim this store made.
 *
 * @param WP_REST_Request $request The app's POST.
 * @return array|WP_Error
 */
function aftersales_receive_connection( $request ) {
	$body    = $request->get_json_params();
	$pending = get_option( 'aftersales_connect_claim', array() );
	$claim   = is_array( $body ) && isset( $body['claim'] ) && is_string( $body['claim'] ) ? $body['claim'] : '';
	if ( ! is_array( $pending ) || empty( $pending['hash'] ) || (int) ( $pending['expires'] ?? 0 ) < time()
		|| '' === $claim || ! hash_equals( (string) $pending['hash'], hash( 'sha256', $claim ) ) ) {
		return new WP_Error( 'aftersales_unknown_claim', 'No connection was started from this store.', array( 'status' => 403 ) );
	}
	$shop_key = isset( $body['shop_key'] ) ? sanitize_text_field( (string) $body['shop_key'] ) : '';
	$secret   = isset( $body['secret'] ) ? sanitize_text_field( (string) $body['secret'] ) : '';
	if ( '' === $shop_key || '' === $secret ) {
		return new WP_Error( 'aftersales_incomplete', 'shop_key and secret are required.', array( 'status' => 400 ) );
	}
	delete_option( 'aftersales_connect_claim' );
	update_option( 'aftersales_shop_key', $shop_key );
	update_option( 'aftersales_secret', $secret, false );
	// The name WooCommerce put in the app's REST key descriptions; uninstall deletes those keys.
	$app_name = isset( $body['app_name'] ) ? sanitize_text_field( (string) $body['app_name'] ) : '';
	if ( '' !== $app_name ) {
		update_option( 'aftersales_app_name', $app_name, false );
	}
	return array( 'connected' => true );
}
