<?php
/**
 * Signed calls from this store to the Aftersales app (disconnect, privacy export and erasure).
 *
 * Body = JSON with "exp" at most five minutes ahead; X-Aftersales-Signature = base64 of the
 * raw HMAC-SHA256 of the body with the shop's signing secret, as the app checks it
 * (app/web/woocommerce_disconnect.py, app/web/woocommerce_privacy.py).
 *
 * @package Aftersales
 */

defined( 'ABSPATH' ) || exit;

/** Seconds a signed call stays valid; the app refuses more than 300. */
const AFTERSALES_CALL_LIFETIME = 240;

/**
 * POST a signed JSON body to the app, or null when the store is not connected.
 *
 * @param array  $settings From aftersales_settings().
 * @param string $path     Path under the app URL, the shop key already in it.
 * @param array  $fields   Body fields; "exp" is added.
 * @param int    $timeout  Seconds to wait for the app.
 * @return array|WP_Error|null What wp_remote_post() answered.
 */
function aftersales_signed_post( $settings, $path, $fields, $timeout = 15 ) {
	if ( '' === $settings['app_url'] || '' === $settings['shop_key'] || '' === $settings['secret'] ) {
		return null;
	}
	$body      = wp_json_encode( array_merge( $fields, array( 'exp' => time() + AFTERSALES_CALL_LIFETIME ) ) );
	$signature = base64_encode( hash_hmac( 'sha256', $body, $settings['secret'], true ) ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- the signature format the app checks.
	return wp_remote_post(
		untrailingslashit( $settings['app_url'] ) . $path,
		array(
			'timeout' => $timeout,
			'headers' => array(
				'Content-Type'           => 'application/json',
				'X-Aftersales-Signature' => $signature,
			),
			'body'    => $body,
		)
	);
}

/**
 * The app's JSON answer, or a WP_Error naming what went wrong.
 *
 * @param array|WP_Error|null $response From aftersales_signed_post().
 * @return array|WP_Error
 */
function aftersales_app_answer( $response ) {
	if ( is_wp_error( $response ) ) {
		/* translators: %s: the error WordPress reported for the HTTP request */
		return new WP_Error( 'aftersales_unreachable', sprintf( __( 'Aftersales could not be reached: %s', 'aftersales' ), $response->get_error_message() ) );
	}
	$status = (int) wp_remote_retrieve_response_code( $response );
	$answer = json_decode( (string) wp_remote_retrieve_body( $response ), true );
	if ( 200 !== $status || ! is_array( $answer ) ) {
		/* translators: %d: HTTP status code the Aftersales app answered with */
		return new WP_Error( 'aftersales_refused', sprintf( __( 'Aftersales answered with HTTP status %d.', 'aftersales' ), $status ) );
	}
	return $answer;
}
