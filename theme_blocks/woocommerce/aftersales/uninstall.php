<?php
/**
 * Remove the plugin's options when it is deleted.
 *
 * @package Aftersales
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

delete_option( 'aftersales_app_url' );
delete_option( 'aftersales_shop_key' );
delete_option( 'aftersales_secret' );
