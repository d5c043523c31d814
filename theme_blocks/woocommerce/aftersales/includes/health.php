<?php
/**
 * The connection's health on Settings → Aftersales, in the merchant's words and language.
 *
 * The page asks the app (a signed call, includes/app-request.php) for the verdict its admin
 * shows: POST /woocommerce/health/<shop key> {"locale", "exp"} answers {"tone", "family",
 * "headline", "advice", "last_check"} (app/web/woocommerce_health.py). Asked on each view of
 * the page, with a short timeout; nothing is kept in the store.
 *
 * @package Aftersales
 */

defined( 'ABSPATH' ) || exit;

/** Seconds the settings page waits for the app's answer. */
const AFTERSALES_HEALTH_TIMEOUT = 4;

/**
 * The app's verdict on this store's connection.
 *
 * @param array $settings From aftersales_settings().
 * @return array|WP_Error|null Null when the store is not connected.
 */
function aftersales_connection_health( $settings ) {
	$path     = '/woocommerce/health/' . rawurlencode( $settings['shop_key'] );
	$response = aftersales_signed_post( $settings, $path, array( 'locale' => get_user_locale() ), AFTERSALES_HEALTH_TIMEOUT );
	if ( null === $response ) {
		return null;
	}
	$answer = aftersales_app_answer( $response );
	if ( ! is_wp_error( $answer ) && ! isset( $answer['tone'], $answer['headline'] ) ) {
		return new WP_Error( 'aftersales_unexpected', __( 'Aftersales answered, but not with the connection\'s state.', 'aftersales' ) );
	}
	return $answer;
}

/**
 * Print the verdict as a WordPress notice: success, warning or error, with what to do.
 *
 * @param array $settings From aftersales_settings().
 */
function aftersales_render_health( $settings ) {
	if ( ! aftersales_is_configured( $settings ) ) {
		return;
	}
	$health = aftersales_connection_health( $settings );
	if ( null === $health ) {
		return;
	}
	if ( is_wp_error( $health ) ) {
		?>
		<div class="notice notice-warning inline" data-health="unreachable"><p><?php echo esc_html( $health->get_error_message() ); ?></p></div>
		<?php
		return;
	}
	$classes = array(
		'ok'   => 'notice-success',
		'warn' => 'notice-warning',
		'bad'  => 'notice-error',
	);
	$class   = $classes[ (string) $health['tone'] ] ?? 'notice-info';
	?>
	<div class="notice <?php echo esc_attr( $class ); ?> inline" data-health="<?php echo esc_attr( (string) ( $health['family'] ?? '' ) ); ?>">
		<p><strong><?php echo esc_html( (string) $health['headline'] ); ?></strong></p>
		<?php if ( ! empty( $health['advice'] ) ) : ?>
			<p><?php echo esc_html( __( 'What to do:', 'aftersales' ) . ' ' . (string) $health['advice'] ); ?></p>
		<?php endif; ?>
		<?php if ( ! empty( $health['last_check'] ) ) : ?>
			<?php /* translators: %s: when the app last checked the store, e.g. "7 Dec 2026, 08:30 UTC" */ ?>
			<p class="description"><?php echo esc_html( sprintf( __( 'Last check: %s', 'aftersales' ), (string) $health['last_check'] ) ); ?></p>
		<?php endif; ?>
	</div>
	<?php
}
