<?php
/**
 * Signed embed tokens, verified by the Aftersales app (app/embed_tokens.py).
 *
 * Token = base64url(JSON {"s": shop key, "o": order id, "k": order key, "e": expiry})
 *         . "." . base64url(HMAC-SHA256(secret, payload part)), both without padding.
 *
 * @package Aftersales
 */

defined( 'ABSPATH' ) || exit;

/** Seconds an embed token stays valid; a fresh one is made on every page view. */
const AFTERSALES_TOKEN_LIFETIME = HOUR_IN_SECONDS;

/**
 * URL-safe base64 without padding.
 *
 * @param string $raw Bytes.
 * @return string
 */
function aftersales_base64url( $raw ) {
	return rtrim( strtr( base64_encode( $raw ), '+/', '-_' ), '=' ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode
}

/**
 * Make the token for one order.
 *
 * @param string $shop_key  The shop key shown in the Aftersales admin.
 * @param int    $order_id  WooCommerce order id.
 * @param string $order_key WooCommerce order key (wc_order_…).
 * @param string $secret    The shop's signing secret.
 * @param int    $expires   Unix time after which the token is refused.
 * @return string
 */
function aftersales_make_token( $shop_key, $order_id, $order_key, $secret, $expires ) {
	$claims  = array(
		's' => (string) $shop_key,
		'o' => (int) $order_id,
		'k' => (string) $order_key,
		'e' => (int) $expires,
	);
	$payload = aftersales_base64url( wp_json_encode( $claims ) );
	return $payload . '.' . aftersales_base64url( hash_hmac( 'sha256', $payload, (string) $secret, true ) );
}

/**
 * The token for an order with the configured shop key and secret, or '' when unconfigured.
 *
 * @param WC_Order $order The order.
 * @return string
 */
function aftersales_order_token( $order ) {
	$settings = aftersales_settings();
	if ( '' === $settings['shop_key'] || '' === $settings['secret'] ) {
		return '';
	}
	return aftersales_make_token(
		$settings['shop_key'],
		$order->get_id(),
		$order->get_order_key(),
		$settings['secret'],
		time() + AFTERSALES_TOKEN_LIFETIME
	);
}
