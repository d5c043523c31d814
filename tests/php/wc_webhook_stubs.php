<?php
/**
 * WooCommerce's webhook data store over $GLOBALS['stub_tables']['wp_wc_webhooks'] rows
 * (webhook_id, delivery_url), as WC_Webhook_Data_Store::search_webhooks() and wc_get_webhook()
 * behave: search answers ids, 10 unless limit says otherwise (-1: all).
 */

class WC_Data_Store {
	public static function load( $type ) {
		$GLOBALS['stub_log']['data_stores'][] = $type;
		return new self();
	}

	public function search_webhooks( $args ) {
		$ids   = array_column( $GLOBALS['stub_tables']['wp_wc_webhooks'], 'webhook_id' );
		$limit = $args['limit'] ?? 10;
		return -1 === $limit ? $ids : array_slice( $ids, 0, $limit );
	}
}

function wc_get_webhook( $id ) {
	foreach ( $GLOBALS['stub_tables']['wp_wc_webhooks'] as $row ) {
		if ( $row['webhook_id'] === $id ) {
			return new Stub_Webhook( $row );
		}
	}
	return null;
}

class Stub_Webhook {
	public function __construct( public array $row ) {}
	public function get_delivery_url() { return $this->row['delivery_url']; }
	public function delete( $force_delete = false ) {
		$GLOBALS['stub_log']['webhooks_deleted'][] = array( $this->row['webhook_id'], $force_delete );
		$GLOBALS['stub_tables']['wp_wc_webhooks'] = array_values(
			array_filter( $GLOBALS['stub_tables']['wp_wc_webhooks'], fn( $row ) => $row['webhook_id'] !== $this->row['webhook_id'] )
		);
		return true;
	}
}
