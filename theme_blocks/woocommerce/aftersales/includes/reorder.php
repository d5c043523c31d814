<?php
/**
 * One-click reorder: ?aftersales_reorder=<order id>&key=<order key>.
 *
 * Puts the order's items that can still be bought into the cart and redirects to the
 * cart. The order key is the proof, as on the order-received page, so it also works for
 * guests and from e-mails; products that are gone or unpurchasable are skipped.
 *
 * @package Aftersales
 */

defined( 'ABSPATH' ) || exit;

/**
 * The reorder link for an order.
 *
 * @param WC_Order $order The order.
 * @return string
 */
function aftersales_reorder_url( $order ) {
	return add_query_arg(
		array(
			'aftersales_reorder' => $order->get_id(),
			'key'                => rawurlencode( $order->get_order_key() ),
		),
		home_url( '/' )
	);
}

/** Handle a reorder request once WooCommerce and the cart are loaded. */
function aftersales_handle_reorder() {
	// phpcs:disable WordPress.Security.NonceVerification.Recommended -- the order key authorises.
	if ( ! isset( $_GET['aftersales_reorder'], $_GET['key'] ) || ! function_exists( 'WC' ) || null === WC()->cart ) {
		return;
	}
	$order_id = absint( wp_unslash( $_GET['aftersales_reorder'] ) );
	$key      = sanitize_text_field( wp_unslash( $_GET['key'] ) );
	// phpcs:enable
	$order = $order_id ? wc_get_order( $order_id ) : false;
	if ( ! $order || '' === $key || ! hash_equals( (string) $order->get_order_key(), $key ) ) {
		wc_add_notice( __( 'This reorder link is not valid.', 'aftersales' ), 'error' );
		wp_safe_redirect( wc_get_cart_url() );
		exit;
	}
	$added   = aftersales_add_order_items_to_cart( $order );
	$skipped = count( $order->get_items() ) - $added;
	if ( $added > 0 ) {
		wc_add_notice( __( 'The items of your order are in your cart again.', 'aftersales' ), 'success' );
	}
	if ( $skipped > 0 ) {
		/* translators: %d: number of order items that could not be added */
		wc_add_notice( sprintf( _n( '%d item is no longer available.', '%d items are no longer available.', $skipped, 'aftersales' ), $skipped ), 'notice' );
	}
	wp_safe_redirect( wc_get_cart_url() );
	exit;
}

/**
 * Add every still-purchasable line of an order to the cart.
 *
 * @param WC_Order $order The order.
 * @return int How many lines were added.
 */
function aftersales_add_order_items_to_cart( $order ) {
	$added = 0;
	foreach ( $order->get_items() as $item ) {
		$product = $item->get_product();
		if ( ! $product || ! $product->exists() || ! $product->is_purchasable() || ! $product->is_in_stock() ) {
			continue;
		}
		$variation_id = (int) $item->get_variation_id();
		$attributes   = $variation_id ? $product->get_variation_attributes() : array();
		$product_id   = $variation_id ? $product->get_parent_id() : $product->get_id();
		if ( WC()->cart->add_to_cart( $product_id, max( 1, (int) $item->get_quantity() ), $variation_id, $attributes ) ) {
			++$added;
		}
	}
	return $added;
}
