<?php
/**
 * When the plugin is deleted: remove the webhooks and REST API keys the app made in this
 * store, tell the app (it stops all work for this store, cancels planned mails and deletes
 * the store's data after its grace period), then remove the plugin's options.
 * See includes/cleanup.php.
 *
 * @package Aftersales
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

require_once __DIR__ . '/includes/settings.php';
require_once __DIR__ . '/includes/app-request.php';
require_once __DIR__ . '/includes/cleanup.php';

aftersales_uninstall();
