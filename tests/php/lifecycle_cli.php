<?php
/**
 * Drive the plugin's privacy exporter/eraser and its uninstall against the stubs; print JSON.
 *
 * php lifecycle_cli.php privacy <export|erase> <app_url> <shop_key> <secret> <email> [<status> <body>]
 *     Runs the exporter or eraser; the app answers <status> with <body> (status 0: the request
 *     fails as a WP_Error). Prints {"result", "http"}: what the callback returned, what it sent.
 * php lifecycle_cli.php filters
 * php lifecycle_cli.php uninstall <woocommerce active 0|1> <json {"options", "tables"}>
 *     Runs uninstall.php as WordPress does, the plugin itself not loaded. Prints
 *     {"options", "tables", "log"} afterwards.
 */

require __DIR__ . '/wp_stubs.php';

$command = $argv[1] ?? '';
if ( 'uninstall' === $command ) {
	require __DIR__ . '/store_stubs.php';
	if ( '1' === $argv[2] ) {
		require __DIR__ . '/wc_webhook_stubs.php';
	}
	$state                   = json_decode( $argv[3], true );
	$GLOBALS['stub_options'] = $state['options'];
	$GLOBALS['stub_tables']  = $state['tables'];
	define( 'WP_UNINSTALL_PLUGIN', 'aftersales/aftersales.php' );
	require dirname( __DIR__, 2 ) . '/theme_blocks/woocommerce/aftersales/uninstall.php';
	echo json_encode(
		array( 'options' => (object) $GLOBALS['stub_options'], 'tables' => $GLOBALS['stub_tables'], 'log' => $GLOBALS['stub_log'] )
	);
	exit;
}

require dirname( __DIR__, 2 ) . '/theme_blocks/woocommerce/aftersales/aftersales.php';
if ( 'filters' === $command ) {
	echo json_encode(
		array(
			'exporters' => apply_filters( 'wp_privacy_personal_data_exporters', array() ),
			'erasers'   => apply_filters( 'wp_privacy_personal_data_erasers', array() ),
			'actions'   => $GLOBALS['stub_log']['actions'],
		)
	);
} elseif ( 'privacy' === $command ) {
	$GLOBALS['stub_options'] = array(
		'aftersales_app_url'  => $argv[3],
		'aftersales_shop_key' => $argv[4],
		'aftersales_secret'   => $argv[5],
	);
	if ( isset( $argv[7] ) ) {
		$GLOBALS['stub_http_response'] = '0' === $argv[7]
			? new WP_Error( 'http_request_failed', 'cURL error 7: Failed to connect' )
			: array( 'response' => array( 'code' => (int) $argv[7] ), 'body' => $argv[8] );
	}
	$callback = 'export' === $argv[2] ? 'aftersales_privacy_export' : 'aftersales_privacy_erase';
	echo json_encode( array( 'result' => $callback( $argv[6], 1 ), 'http' => $GLOBALS['stub_log']['http'] ?? array() ) );
}
