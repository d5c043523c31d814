<?php
/**
 * Signed tokens in the one format the Aftersales app uses for all its links (app/links/signer.py).
 *
 * Token = "v1." . B64(body) . "." . B64(HMAC-SHA256(K, "v1." . B64(body)))
 * body  = JSON {"p": purpose, "t": issued at (unix seconds), "d": data}
 * K     = HMAC-SHA256(the shop's signing secret, "aftersales-link:" . purpose)
 * B64 is base64url without padding. The app decides how long a token of each purpose lives.
 *
 * @package Aftersales
 */

defined( 'ABSPATH' ) || exit;

/** The format's name, the token's first part. */
const AFTERSALES_LINK_FORMAT = 'v1';

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
 * Sign data for one purpose with the shop's secret.
 *
 * @param string $purpose   The purpose's name in the app's table ("embed", "admin-login").
 * @param array  $data      What the token says (an associative array).
 * @param string $secret    The shop's signing secret.
 * @param int    $issued_at Unix time the token is made.
 * @return string
 */
function aftersales_sign_link( $purpose, $data, $secret, $issued_at ) {
	$body   = array(
		'p' => (string) $purpose,
		't' => (int) $issued_at,
		'd' => $data,
	);
	$signed = AFTERSALES_LINK_FORMAT . '.' . aftersales_base64url( wp_json_encode( $body, JSON_UNESCAPED_SLASHES ) );
	$key    = hash_hmac( 'sha256', 'aftersales-link:' . $purpose, (string) $secret, true );
	return $signed . '.' . aftersales_base64url( hash_hmac( 'sha256', $signed, $key, true ) );
}
