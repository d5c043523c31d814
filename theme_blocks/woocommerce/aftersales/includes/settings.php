<?php
/**
 * Settings → Aftersales: the app URL, and the connection the "Connect" button sets up
 * (includes/connect.php): the shop key and signing secret arrive from the app, never typed.
 *
 * @package Aftersales
 */

defined( 'ABSPATH' ) || exit;

/**
 * The stored settings, trimmed; the app URL has no trailing slash.
 *
 * @return array{app_url: string, shop_key: string, secret: string}
 */
function aftersales_settings() {
	return array(
		'app_url'  => untrailingslashit( (string) get_option( 'aftersales_app_url', '' ) ),
		'shop_key' => (string) get_option( 'aftersales_shop_key', '' ),
		'secret'   => (string) get_option( 'aftersales_secret', '' ),
	);
}

/** Register the page under Settings, for shop managers. */
function aftersales_add_settings_page() {
	add_options_page(
		__( 'Aftersales', 'aftersales' ),
		__( 'Aftersales', 'aftersales' ),
		'manage_woocommerce',
		'aftersales',
		'aftersales_render_settings_page'
	);
}

/** Print the app URL form and the connection's state; the secret is never echoed. */
function aftersales_render_settings_page() {
	if ( ! current_user_can( 'manage_woocommerce' ) ) {
		return;
	}
	$settings = aftersales_settings();
	?>
	<div class="wrap">
		<h1><?php esc_html_e( 'Aftersales', 'aftersales' ); ?></h1>
		<?php if ( isset( $_GET['updated'] ) ) : // phpcs:ignore WordPress.Security.NonceVerification.Recommended ?>
			<div class="notice notice-success"><p><?php esc_html_e( 'Settings saved.', 'aftersales' ); ?></p></div>
		<?php endif; ?>
		<?php aftersales_render_app_links( $settings ); ?>
		<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
			<input type="hidden" name="action" value="aftersales_save_settings" />
			<?php wp_nonce_field( 'aftersales_save_settings' ); ?>
			<table class="form-table" role="presentation">
				<tr>
					<th scope="row"><label for="aftersales_app_url"><?php esc_html_e( 'App URL', 'aftersales' ); ?></label></th>
					<td><input name="aftersales_app_url" id="aftersales_app_url" type="url" class="regular-text" value="<?php echo esc_attr( $settings['app_url'] ); ?>" placeholder="https://app.example.com" /></td>
				</tr>
			</table>
			<?php submit_button(); ?>
		</form>
	</div>
	<?php
}

/** Handle the form post: capability and nonce first, then sanitise and store. */
function aftersales_save_settings() {
	if ( ! current_user_can( 'manage_woocommerce' ) ) {
		wp_die( esc_html__( 'You are not allowed to change these settings.', 'aftersales' ), 403 );
	}
	check_admin_referer( 'aftersales_save_settings' );

	// phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- esc_url_raw() sanitizes; trim() first, so a pasted trailing space is no %20.
	$app_url = isset( $_POST['aftersales_app_url'] ) ? esc_url_raw( trim( wp_unslash( $_POST['aftersales_app_url'] ) ), array( 'https', 'http' ) ) : '';

	update_option( 'aftersales_app_url', untrailingslashit( $app_url ) );
	wp_safe_redirect( add_query_arg( 'updated', '1', admin_url( 'options-general.php?page=aftersales' ) ) );
	exit;
}
