<?php
/**
 * Tools → Export / Erase Personal Data reach the Aftersales app for the buyer's address.
 *
 * The exporter and the eraser POST {"email", "exp"}, signed (includes/app-request.php), to
 * the app's /woocommerce/privacy/<shop key>/export and /erase. A store that is not connected
 * has nothing at the app; an app that cannot be reached is an error WordPress shows, so the
 * request is not marked done.
 *
 * @package Aftersales
 */

defined( 'ABSPATH' ) || exit;

/**
 * Add the Aftersales exporter (wp_privacy_personal_data_exporters).
 *
 * @param array $exporters Registered exporters.
 * @return array
 */
function aftersales_register_privacy_exporter( $exporters ) {
	$exporters['aftersales'] = array(
		'exporter_friendly_name' => __( 'Aftersales order status and parcel tracking', 'aftersales' ),
		'callback'               => 'aftersales_privacy_export',
	);
	return $exporters;
}

/**
 * Add the Aftersales eraser (wp_privacy_personal_data_erasers).
 *
 * @param array $erasers Registered erasers.
 * @return array
 */
function aftersales_register_privacy_eraser( $erasers ) {
	$erasers['aftersales'] = array(
		'eraser_friendly_name' => __( 'Aftersales order status and parcel tracking', 'aftersales' ),
		'callback'             => 'aftersales_privacy_erase',
	);
	return $erasers;
}

/**
 * Ask the app for one privacy action on an address.
 *
 * @param string $action "export" or "erase".
 * @param string $email  The buyer's address.
 * @return array|WP_Error|null The app's answer; null when the store is not connected.
 */
function aftersales_privacy_call( $action, $email ) {
	$settings = aftersales_settings();
	$path     = '/woocommerce/privacy/' . rawurlencode( $settings['shop_key'] ) . '/' . $action;
	$response = aftersales_signed_post( $settings, $path, array( 'email' => (string) $email ) );
	return null === $response ? null : aftersales_app_answer( $response );
}

/**
 * The exporter: what the app holds about the address, as WordPress's export groups.
 *
 * WordPress passes a page number too; the app answers in one page.
 *
 * @param string $email_address The buyer's address.
 * @return array|WP_Error
 */
function aftersales_privacy_export( $email_address ) {
	$answer = aftersales_privacy_call( 'export', $email_address );
	if ( is_wp_error( $answer ) ) {
		return $answer;
	}
	$customers = is_array( $answer ) && isset( $answer['customers'] ) ? (array) $answer['customers'] : array();
	return array(
		'data' => aftersales_export_items( $customers ),
		'done' => true,
	);
}

/**
 * The eraser: the app erases the buyer as for a redaction request.
 *
 * WordPress passes a page number too; the app answers in one page.
 *
 * @param string $email_address The buyer's address.
 * @return array|WP_Error
 */
function aftersales_privacy_erase( $email_address ) {
	$answer = aftersales_privacy_call( 'erase', $email_address );
	if ( is_wp_error( $answer ) ) {
		return $answer;
	}
	$erased   = is_array( $answer ) ? (int) ( $answer['erased'] ?? 0 ) : 0;
	$messages = array();
	if ( $erased > 0 ) {
		/* translators: %d: number of customer records the Aftersales app erased */
		$messages[] = sprintf( _n( 'Aftersales erased %d customer record and will send this address no more mail.', 'Aftersales erased %d customer records and will send this address no more mail.', $erased, 'aftersales' ), $erased );
	} elseif ( null !== $answer ) {
		$messages[] = __( 'Aftersales held no customer record for this address; it will send it no mail.', 'aftersales' );
	}
	return array(
		'items_removed'  => ! empty( $answer['items_removed'] ),
		'items_retained' => ! empty( $answer['items_retained'] ),
		'messages'       => $messages,
		'done'           => true,
	);
}

/**
 * The app's customer records as export items: one per customer, one per order.
 *
 * @param array $customers Records as the app's data export holds them.
 * @return array
 */
function aftersales_export_items( $customers ) {
	$items = array();
	foreach ( array_values( $customers ) as $n => $customer ) {
		$consent = (array) ( $customer['marketing_consent'] ?? array() );
		$mails   = array();
		foreach ( (array) ( $customer['mails'] ?? array() ) as $mail ) {
			$mails[] = trim( ( $mail['kind'] ?? '' ) . ' (' . ( $mail['state'] ?? '' ) . ') ' . ( $mail['sent_at'] ?? '' ) );
		}
		$clicks = array();
		foreach ( (array) ( $customer['clicks'] ?? array() ) as $click ) {
			$clicks[] = trim( ( $click['module'] ?? '' ) . ' #' . ( $click['order'] ?? '' ) . ' ' . ( $click['clicked_at'] ?? '' ) );
		}
		$items[] = aftersales_export_item(
			'aftersales-customer-' . ( $n + 1 ),
			array(
				__( 'Email address', 'aftersales' )     => $customer['email'] ?? '',
				__( 'Language', 'aftersales' )          => $customer['locale'] ?? '',
				__( 'Marketing consent', 'aftersales' ) => trim( ( $consent['state'] ?? '' ) . ' ' . ( $consent['source'] ?? '' ) . ' ' . ( $consent['at'] ?? '' ) ),
				__( 'Mail stopped', 'aftersales' )      => $customer['suppressed'] ?? '',
				__( 'Mails', 'aftersales' )             => implode( '; ', $mails ),
				__( 'Links clicked', 'aftersales' )     => implode( '; ', $clicks ),
			)
		);
		foreach ( (array) ( $customer['orders'] ?? array() ) as $order ) {
			$items[] = aftersales_export_order( $order );
		}
	}
	return $items;
}

/**
 * One order's export item: its number, status, parcels, survey answer and voucher codes.
 *
 * @param array $order An order of a customer record.
 * @return array
 */
function aftersales_export_order( $order ) {
	$parcels = array();
	$signers = array();
	foreach ( (array) ( $order['parcels'] ?? array() ) as $parcel ) {
		$parcels[] = trim( ( $parcel['carrier'] ?? '' ) . ' ' . ( $parcel['tracking_number'] ?? '' ) . ' (' . ( $parcel['status'] ?? '' ) . ')' );
		$signers[] = (string) ( $parcel['signed_by'] ?? '' );
	}
	$vouchers = array();
	foreach ( (array) ( $order['vouchers'] ?? array() ) as $voucher ) {
		$vouchers[] = trim( ( $voucher['code'] ?? '' ) . ' (' . ( $voucher['expires_at'] ?? '' ) . ')' );
	}
	$survey = (array) ( $order['survey'] ?? array() );
	return aftersales_export_item(
		'aftersales-order-' . ( $order['order'] ?? '' ),
		array(
			__( 'Order', 'aftersales' )          => $order['name'] ?? ( $order['order'] ?? '' ),
			__( 'Status', 'aftersales' )         => $order['status'] ?? '',
			__( 'Parcels', 'aftersales' )        => implode( '; ', $parcels ),
			__( 'Signed for by', 'aftersales' )  => implode( '; ', array_filter( $signers ) ),
			__( 'Survey score', 'aftersales' )   => $survey['score'] ?? '',
			__( 'Survey comment', 'aftersales' ) => $survey['comment'] ?? '',
			__( 'Voucher codes', 'aftersales' )  => implode( '; ', $vouchers ),
		)
	);
}

/**
 * An export item of the Aftersales group; empty values are left out.
 *
 * @param string $item_id Unique within the group.
 * @param array  $values  Label => value.
 * @return array
 */
function aftersales_export_item( $item_id, $values ) {
	$data = array();
	foreach ( $values as $name => $value ) {
		if ( null !== $value && '' !== (string) $value ) {
			$data[] = array(
				'name'  => $name,
				'value' => (string) $value,
			);
		}
	}
	return array(
		'group_id'          => 'aftersales',
		'group_label'       => __( 'Aftersales', 'aftersales' ),
		'group_description' => __( 'Order status, parcel tracking and mail the Aftersales service keeps for this shop.', 'aftersales' ),
		'item_id'           => $item_id,
		'data'              => $data,
	);
}
