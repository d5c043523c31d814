<?php
/**
 * The order-status block: a placeholder the script fills with the app's HTML fragment.
 *
 * Hooked to woocommerce_thankyou and woocommerce_view_order. WooCommerce's block
 * "Order Confirmation" template calls woocommerce_thankyou from its Additional
 * Information block, so this works in classic and block themes alike.
 *
 * @package Aftersales
 */

defined( 'ABSPATH' ) || exit;

/**
 * Print the placeholder, the loader script and a no-JavaScript link for one order.
 *
 * @param int $order_id WooCommerce order id (the hooks pass it).
 */
function aftersales_render_block( $order_id ) {
	static $rendered = array();

	$order = wc_get_order( $order_id );
	if ( ! $order || isset( $rendered[ $order->get_id() ] ) ) {
		return;
	}
	$token    = aftersales_order_token( $order );
	$settings = aftersales_settings();
	if ( '' === $token || '' === $settings['app_url'] ) {
		return;
	}
	$rendered[ $order->get_id() ] = true;

	$query        = array(
		'token'  => rawurlencode( $token ),
		'locale' => rawurlencode( substr( get_locale(), 0, 2 ) ),
	);
	$fragment_url = add_query_arg( $query, $settings['app_url'] . '/embed/v1/order-status' );
	$page_url     = add_query_arg( $query, $settings['app_url'] . '/embed/v1/order-page' );

	wp_enqueue_script(
		'aftersales-embed',
		plugins_url( 'assets/embed.js', AFTERSALES_FILE ),
		array(),
		AFTERSALES_VERSION,
		array(
			'in_footer' => true,
			'strategy'  => 'async',
		)
	);
	printf(
		'<div class="aftersales-block" data-aftersales-block data-order="%1$s" data-src="%2$s" aria-live="polite"><noscript><p><a href="%3$s">%4$s</a></p></noscript></div>',
		esc_attr( (string) $order->get_id() ),
		esc_url( $fragment_url ),
		esc_url( $page_url ),
		esc_html__( 'Track your order', 'aftersales' )
	);
}
