<?php
/**
 * "Open Aftersales": a one-use sign-in link into the app's admin, verified by app/links/admin_login.py.
 *
 * Token: purpose "admin-login" of includes/links.php, data {"s": shop key, "u": user id,
 * "n": nonce[, "l": locale]}. The app takes a link for five minutes from when it was made, once.
 * "l" is the user's WordPress language (get_user_locale()): the app's admin speaks it. It is
 * inside the signed data, so nobody can change it on the way.
 *
 * @package Aftersales
 */

defined( 'ABSPATH' ) || exit;

/**
 * Make the sign-in token.
 *
 * @param string $shop_key The shop key.
 * @param int    $user_id  WordPress user id.
 * @param string $secret   The shop's signing secret.
 * @param int    $now      Unix time the link is made.
 * @param string $nonce    Random string; makes every link unique.
 * @param string $locale   The user's locale, e.g. "de_DE"; '' leaves it out.
 * @return string
 */
function aftersales_make_login_token( $shop_key, $user_id, $secret, $now, $nonce, $locale = '' ) {
	$data = array(
		's' => (string) $shop_key,
		'u' => (int) $user_id,
		'n' => (string) $nonce,
	);
	if ( '' !== (string) $locale ) {
		$data['l'] = (string) $locale;
	}
	return aftersales_sign_link( 'admin-login', $data, $secret, $now );
}

/**
 * Whether app URL, shop key and secret are all set.
 *
 * @param array $settings From aftersales_settings().
 * @return bool
 */
function aftersales_is_configured( $settings ) {
	return '' !== $settings['app_url'] && '' !== $settings['shop_key'] && '' !== $settings['secret'];
}

/**
 * A fresh sign-in URL for the current user, or '' when unconfigured.
 *
 * @param int $now Unix time.
 * @return string
 */
function aftersales_login_url( $now ) {
	$settings = aftersales_settings();
	if ( ! aftersales_is_configured( $settings ) ) {
		return '';
	}
	$token = aftersales_make_login_token(
		$settings['shop_key'],
		get_current_user_id(),
		$settings['secret'],
		$now,
		aftersales_base64url( random_bytes( 16 ) ),
		get_user_locale()
	);
	return $settings['app_url'] . '/admin/login?token=' . rawurlencode( $token );
}

/**
 * Let wp_safe_redirect() go to the app's host.
 *
 * @param string[] $hosts Allowed hosts.
 * @return string[]
 */
function aftersales_allowed_redirect_hosts( $hosts ) {
	$host = wp_parse_url( aftersales_settings()['app_url'], PHP_URL_HOST );
	if ( is_string( $host ) && '' !== $host ) {
		$hosts[] = $host;
	}
	return $hosts;
}

/** The admin-post action behind the button: capability and nonce first, then redirect. */
function aftersales_open_admin() {
	if ( ! current_user_can( 'manage_woocommerce' ) ) {
		wp_die( esc_html__( 'You are not allowed to open Aftersales.', 'aftersales' ), 403 );
	}
	check_admin_referer( 'aftersales_open_admin' );
	$url = aftersales_login_url( time() );
	if ( '' === $url ) {
		wp_die( esc_html__( 'Connect the store first.', 'aftersales' ), 400 );
	}
	nocache_headers();
	wp_safe_redirect( $url, 303 );
	exit;
}

/**
 * The "Open Aftersales" button (when connected) and the "Connect" button (when an app URL is set).
 *
 * @param array $settings From aftersales_settings().
 */
function aftersales_render_app_links( $settings ) {
	if ( '' === $settings['app_url'] ) {
		return;
	}
	if ( aftersales_is_configured( $settings ) ) {
		?>
		<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>" target="_blank">
			<input type="hidden" name="action" value="aftersales_open_admin" />
			<?php wp_nonce_field( 'aftersales_open_admin' ); ?>
			<p><button type="submit" class="button button-primary"><?php esc_html_e( 'Open Aftersales', 'aftersales' ); ?></button></p>
		</form>
		<?php
	}
	?>
	<h2><?php esc_html_e( 'Connection', 'aftersales' ); ?></h2>
	<?php aftersales_render_health( $settings ); ?>
	<p>
		<?php
		echo esc_html(
			aftersales_is_configured( $settings )
				? __( 'This store is connected to Aftersales.', 'aftersales' )
				: __( 'This store is not connected yet.', 'aftersales' )
		);
		?>
	</p>
	<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
		<input type="hidden" name="action" value="aftersales_connect" />
		<?php wp_nonce_field( 'aftersales_connect' ); ?>
		<p><button type="submit" class="button"><?php echo esc_html( aftersales_is_configured( $settings ) ? __( 'Connect again', 'aftersales' ) : __( 'Connect', 'aftersales' ) ); ?></button></p>
	</form>
	<p class="description"><?php esc_html_e( 'WooCommerce asks you to approve read/write API keys for Aftersales. Aftersales checks them on your store, reads your orders and sets up its webhooks, and sends this plugin its settings directly; there is nothing to copy.', 'aftersales' ); ?></p>
	<?php
}
