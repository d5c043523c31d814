<?php
/**
 * Signed embed tokens, verified by the Aftersales app (app/links/embed.py): purpose "embed"
 * of includes/links.php, data {"s": shop key, "o": order id, "k": order key}. The app takes
 * a token for an hour from when it was made; a fresh one is made on every page view.
 *
 * @package Aftersales
 */

defined( 'ABSPATH' ) || exit;

/**
 * Make the token for one order.
 *
 * @param string $shop_key  The shop key shown in the Aftersales admin.
 * @param int    $order_id  WooCommerce order id.
 * @param string $order_key WooCommerce order key (wc_order_…).
 * @param string $secret    The shop's signing secret.
 * @param int    $issued_at Unix time the token is made.
 * @return string
 */
function aftersales_make_token( $shop_key, $order_id, $order_key, $secret, $issued_at ) {
	$data = array(
		's' => (string) $shop_key,
		'o' => (int) $order_id,
		'k' => (string) $order_key,
	);
	return aftersales_sign_link( 'embed', $data, $secret, $issued_at );
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
		time()
	);
}
