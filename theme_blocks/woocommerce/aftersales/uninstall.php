<?php
/**
 * When the plugin is deleted: tell the app (it stops all work for this store, cancels
 * planned mails and deletes the store's data after its grace period), then remove the
 * plugin's options.
 *
 * @package Aftersales
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

$aftersales_app_url  = (string) get_option( 'aftersales_app_url', '' );
$aftersales_shop_key = (string) get_option( 'aftersales_shop_key', '' );
$aftersales_secret   = (string) get_option( 'aftersales_secret', '' );

if ( '' !== $aftersales_app_url && '' !== $aftersales_shop_key && '' !== $aftersales_secret ) {
	$aftersales_body = wp_json_encode( array( 'exp' => time() + 240 ) );
	wp_remote_post(
		untrailingslashit( $aftersales_app_url ) . '/woocommerce/disconnect/' . rawurlencode( $aftersales_shop_key ),
		array(
			'timeout' => 5,
			'headers' => array(
				'Content-Type'           => 'application/json',
				'X-Aftersales-Signature' => base64_encode( hash_hmac( 'sha256', $aftersales_body, $aftersales_secret, true ) ),
			),
			'body'    => $aftersales_body,
		)
	);
}

delete_option( 'aftersales_app_url' );
delete_option( 'aftersales_shop_key' );
delete_option( 'aftersales_secret' );
