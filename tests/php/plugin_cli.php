<?php
/**
 * Drive the plugin against tests/php/wp_stubs.php and print what it did as JSON.
 *
 * php plugin_cli.php link <purpose> <json data> <secret> <issued_at>
 * php plugin_cli.php token <shop_key> <order_id> <order_key> <secret> <issued_at>
 * php plugin_cli.php render <app_url> <shop_key> <secret> <order_id> <order_key>
 * php plugin_cli.php reorder <order_key_sent>
 * php plugin_cli.php login-token <shop_key> <user_id> <secret> <issued_at> <nonce>
 * php plugin_cli.php open-admin <app_url> <shop_key> <secret> <user_id> <capability> <nonce_sent> [<user_locale>]
 * php plugin_cli.php settings-page <app_url> <shop_key> <secret>
 * php plugin_cli.php settings-health <app_url> <shop_key> <secret> <user_locale> [<status> <body>]
 * php plugin_cli.php connect-start <app_url> <capability> <nonce_sent>
 * php plugin_cli.php connect-receive <claim_made> <seconds_left> <json body sent>
 */

require __DIR__ . '/wp_stubs.php';
require dirname( __DIR__, 2 ) . '/theme_blocks/woocommerce/aftersales/aftersales.php';

$command = $argv[1] ?? '';
if ( 'link' === $command ) {
	echo aftersales_sign_link( $argv[2], json_decode( $argv[3], true ), $argv[4], (int) $argv[5] );
} elseif ( 'token' === $command ) {
	echo aftersales_make_token( $argv[2], $argv[3], $argv[4], $argv[5], (int) $argv[6] );
} elseif ( 'render' === $command ) {
	$GLOBALS['stub_options'] = array(
		'aftersales_app_url'  => $argv[2] . '/',
		'aftersales_shop_key' => $argv[3],
		'aftersales_secret'   => $argv[4],
	);
	$GLOBALS['stub_orders'][ (int) $argv[5] ] = new Stub_Order( (int) $argv[5], $argv[6] );
	ob_start();
	do_action_stub( 'woocommerce_thankyou', (int) $argv[5] );
	do_action_stub( 'woocommerce_view_order', (int) $argv[5] ); // same page twice: printed once
	$html = ob_get_clean();
	echo json_encode( array( 'html' => $html, 'log' => $GLOBALS['stub_log'] ) );
} elseif ( 'reorder' === $command ) {
	$GLOBALS['stub_orders'][42] = new Stub_Order(
		42,
		'wc_order_right',
		array(
			new Stub_Item( new Stub_Product( 7 ), 2 ),
			new Stub_Item( null, 1 ),                                // product deleted
			new Stub_Item( new Stub_Product( 8, false ), 1 ),        // no longer purchasable
			new Stub_Item( new Stub_Product( 91, true, true, 9 ), 1, 91 ), // variation of 9
		)
	);
	$_GET = array( 'aftersales_reorder' => '42', 'key' => $argv[2] );
	register_shutdown_function(
		function () {
			echo json_encode( array( 'cart' => WC()->cart->added, 'log' => $GLOBALS['stub_log'] ) );
		}
	);
	aftersales_handle_reorder();
}
if ( 'login-token' === $command ) {
	echo aftersales_make_login_token( $argv[2], (int) $argv[3], $argv[4], (int) $argv[5], $argv[6] );
} elseif ( 'settings-health' === $command ) {
	// settings-health <app_url> <shop_key> <secret> <user locale> [<status> <body>]: the page with the app
	// answering <status> <body> (status 0: the request fails); prints {"html", "http"}.
	$GLOBALS['stub_options'] = array(
		'aftersales_app_url'  => $argv[2],
		'aftersales_shop_key' => $argv[3],
		'aftersales_secret'   => $argv[4],
	);
	$GLOBALS['stub_user']    = array( 'id' => 1, 'caps' => array( 'manage_woocommerce' ), 'locale' => $argv[5] );
	if ( isset( $argv[6] ) ) {
		$GLOBALS['stub_http_response'] = '0' === $argv[6]
			? new WP_Error( 'http_request_failed', 'cURL error 28: Operation timed out' )
			: array( 'response' => array( 'code' => (int) $argv[6] ), 'body' => $argv[7] );
	}
	ob_start();
	aftersales_render_settings_page();
	echo json_encode( array( 'html' => ob_get_clean(), 'http' => $GLOBALS['stub_log']['http'] ?? array() ) );
} elseif ( 'open-admin' === $command || 'settings-page' === $command ) {
	$GLOBALS['stub_options'] = array(
		'aftersales_app_url'  => $argv[2],
		'aftersales_shop_key' => $argv[3],
		'aftersales_secret'   => $argv[4],
	);
	if ( 'settings-page' === $command ) {
		$GLOBALS['stub_user'] = array( 'id' => 1, 'caps' => array( 'manage_woocommerce' ) );
		aftersales_render_settings_page();
		exit;
	}
	$GLOBALS['stub_user'] = array( 'id' => (int) $argv[5], 'caps' => array( $argv[6] ) );
	if ( isset( $argv[8] ) ) {
		$GLOBALS['stub_user']['locale'] = $argv[8];
	}
	$_POST                = array( 'action' => 'aftersales_open_admin', '_wpnonce' => $argv[7] );
	$_REQUEST             = $_POST;
	register_shutdown_function(
		function () {
			echo json_encode( $GLOBALS['stub_log'] );
		}
	);
	aftersales_open_admin();
}
if ( 'connect-start' === $command ) {
	$GLOBALS['stub_options'] = array( 'aftersales_app_url' => $argv[2] );
	$GLOBALS['stub_user']    = array( 'id' => 1, 'caps' => array( $argv[3] ) );
	$_POST                   = array( 'action' => 'aftersales_connect', '_wpnonce' => $argv[4] );
	$_REQUEST                = $_POST;
	add_filter( 'allowed_redirect_hosts', 'aftersales_allowed_redirect_hosts' );
	register_shutdown_function(
		function () {
			echo json_encode( array( 'log' => $GLOBALS['stub_log'], 'options' => $GLOBALS['stub_options'] ) );
		}
	);
	aftersales_start_connect();
} elseif ( 'connect-receive' === $command ) {
	$GLOBALS['stub_options'] = array(
		'aftersales_app_url'       => 'https://app.example.test',
		'aftersales_connect_claim' => array(
			'hash'    => hash( 'sha256', $argv[2] ),
			'expires' => time() + (int) $argv[3],
		),
	);
	aftersales_register_routes();
	$answer = aftersales_receive_connection( new Stub_Rest_Request( json_decode( $argv[4], true ) ) );
	echo json_encode( array( 'answer' => $answer, 'options' => $GLOBALS['stub_options'], 'log' => $GLOBALS['stub_log'] ) );
}
