<?php
/**
 * The few WordPress and WooCommerce functions the plugin calls, stubbed for CLI tests.
 * Options come from $GLOBALS['stub_options']; side effects are recorded in $GLOBALS['stub_log'].
 */

define( 'ABSPATH', __DIR__ . '/' );
define( 'HOUR_IN_SECONDS', 3600 );

$GLOBALS['stub_options'] = array();
$GLOBALS['stub_log']     = array( 'actions' => array(), 'filters' => array(), 'scripts' => array(), 'notices' => array(), 'redirects' => array(), 'died' => array() );
$GLOBALS['stub_user']    = array( 'id' => 0, 'caps' => array() );
$GLOBALS['stub_orders']  = array();

function add_action( $hook, $callback, $priority = 10 ) {
	$GLOBALS['stub_log']['actions'][] = array( $hook, is_string( $callback ) ? $callback : 'closure', $priority );
}
function do_action_stub( $hook, ...$args ) {
	foreach ( $GLOBALS['stub_log']['actions'] as $action ) {
		if ( $action[0] === $hook && 'closure' !== $action[1] ) {
			call_user_func_array( $action[1], $args );
		}
	}
}
function wp_json_encode( $data, $options = 0 ) { return json_encode( $data, $options ); }
function get_option( $name, $default = false ) { return $GLOBALS['stub_options'][ $name ] ?? $default; }
function untrailingslashit( $value ) { return rtrim( $value, '/\\' ); }
function get_locale() { return 'de_DE'; }
/** The current user's own language (Users → Profile), else the site's. */
function get_user_locale() { return $GLOBALS['stub_user']['locale'] ?? get_locale(); }
function esc_attr( $text ) { return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' ); }
function esc_html( $text ) { return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' ); }
function esc_url( $url ) { return htmlspecialchars( (string) $url, ENT_QUOTES, 'UTF-8' ); }
function __( $text, $domain = 'default' ) { return $text; }
function esc_html__( $text, $domain = 'default' ) { return esc_html( $text ); }
function _n( $single, $plural, $number, $domain = 'default' ) { return 1 === $number ? $single : $plural; }
function plugins_url( $path, $file ) { return 'https://shop.example/wp-content/plugins/aftersales/' . $path; }
function home_url( $path = '' ) { return 'https://shop.example' . $path; }
function wc_get_cart_url() { return 'https://shop.example/cart/'; }
function absint( $value ) { return abs( (int) $value ); }
function wp_unslash( $value ) { return $value; }
function sanitize_text_field( $value ) { return trim( wp_strip_all_tags_stub( (string) $value ) ); }
function wp_strip_all_tags_stub( $value ) { return strip_tags( $value ); }
function add_query_arg( $args, $url ) {
	return $url . ( false === strpos( $url, '?' ) ? '?' : '&' ) . implode(
		'&',
		array_map( fn( $k, $v ) => $k . '=' . $v, array_keys( $args ), $args )
	);
}
function wp_enqueue_script( $handle, $src, $deps, $version, $args ) {
	$GLOBALS['stub_log']['scripts'][] = array( 'handle' => $handle, 'src' => $src, 'args' => $args );
}
function wc_add_notice( $message, $type ) { $GLOBALS['stub_log']['notices'][] = array( $type, $message ); }
/** Like WordPress: a host outside allowed_redirect_hosts (home host by default) falls back to wp-admin. */
function wp_safe_redirect( $url, $status = 302 ) {
	$allowed = apply_filters( 'allowed_redirect_hosts', array( parse_url( home_url(), PHP_URL_HOST ) ) );
	$GLOBALS['stub_log']['redirects'][] = in_array( parse_url( $url, PHP_URL_HOST ), $allowed, true ) ? $url : admin_url();
}
function add_filter( $hook, $callback ) { $GLOBALS['stub_log']['filters'][] = array( $hook, $callback ); }
function apply_filters( $hook, $value ) {
	foreach ( $GLOBALS['stub_log']['filters'] as $filter ) {
		$value = $hook === $filter[0] ? call_user_func( $filter[1], $value ) : $value;
	}
	return $value;
}
function wp_parse_url( $url, $component = -1 ) { return parse_url( $url, $component ); }
function admin_url( $path = '' ) { return 'https://shop.example/wp-admin/' . $path; }
function get_current_user_id() { return $GLOBALS['stub_user']['id']; }
function current_user_can( $cap ) { return in_array( $cap, $GLOBALS['stub_user']['caps'], true ); }
function wp_die( $message, $status = 500 ) {
	$GLOBALS['stub_log']['died'][] = array( $message, $status );
	exit;
}
/** The stub nonce for an action is "nonce-<action>"; WordPress dies with 403 on a bad one. */
function wp_nonce_field( $action ) { echo '<input type="hidden" name="_wpnonce" value="' . esc_attr( 'nonce-' . $action ) . '" />'; }
function check_admin_referer( $action ) {
	if ( ( $_REQUEST['_wpnonce'] ?? '' ) !== 'nonce-' . $action ) {
		wp_die( 'The link you followed has expired.', 403 );
	}
	return 1;
}
function nocache_headers() {}
function update_option( $name, $value, $autoload = null ) { $GLOBALS['stub_options'][ $name ] = $value; return true; }
function delete_option( $name ) { unset( $GLOBALS['stub_options'][ $name ] ); return true; }
function register_rest_route( $route_namespace, $route, $args ) { $GLOBALS['stub_log']['routes'][] = array( $route_namespace, $route, $args['methods'], $args['permission_callback'] ); }
function __return_true() { return true; }
class WP_Error {
	public function __construct( public string $code = '', public string $message = '', public $data = '' ) {}
	public function get_error_code() { return $this->code; }
	public function get_error_message() { return $this->message; }
}
function is_wp_error( $thing ) { return $thing instanceof WP_Error; }
/** Records the request in stub_log['http']; answers $GLOBALS['stub_http_response'] (a WP_Error or an array). */
function wp_remote_post( $url, $args ) {
	$GLOBALS['stub_log']['http'][] = array( 'url' => $url, 'args' => $args );
	return $GLOBALS['stub_http_response'] ?? array( 'response' => array( 'code' => 200 ), 'body' => '{}' );
}
function wp_remote_retrieve_response_code( $response ) { return $response['response']['code'] ?? ''; }
function wp_remote_retrieve_body( $response ) { return $response['body'] ?? ''; }
function plugin_basename( $file ) { return basename( dirname( $file ) ) . '/' . basename( $file ); }
function load_plugin_textdomain( $domain, $deprecated, $path ) { $GLOBALS['stub_log']['textdomains'][] = array( $domain, $path ); return true; }
/** A REST request whose JSON body is given. */
class Stub_Rest_Request {
	public function __construct( public $json ) {}
	public function get_json_params() { return $this->json; }
}
function esc_html_e( $text, $domain = 'default' ) { echo esc_html( $text ); }
function submit_button() { echo '<p class="submit"><input type="submit" class="button button-primary" value="Save Changes" /></p>'; }
function wc_get_order( $id ) { return $GLOBALS['stub_orders'][ (int) $id ] ?? false; }

/** A WC_Order with the methods the plugin reads. */
class Stub_Order {
	public function __construct( public int $id, public string $key, public array $items = array() ) {}
	public function get_id() { return $this->id; }
	public function get_order_key() { return $this->key; }
	public function get_items() { return $this->items; }
}

/** A line item: product may be null (deleted product). */
class Stub_Item {
	public function __construct( public $product, public int $quantity, public int $variation_id = 0 ) {}
	public function get_product() { return $this->product; }
	public function get_quantity() { return $this->quantity; }
	public function get_variation_id() { return $this->variation_id; }
}

class Stub_Product {
	public function __construct( public int $id, public bool $purchasable = true, public bool $in_stock = true, public int $parent_id = 0 ) {}
	public function get_id() { return $this->id; }
	public function get_parent_id() { return $this->parent_id; }
	public function exists() { return true; }
	public function is_purchasable() { return $this->purchasable; }
	public function is_in_stock() { return $this->in_stock; }
	public function get_variation_attributes() { return array( 'attribute_pa_size' => 'xl' ); }
}

class Stub_Cart {
	public array $added = array();
	public function add_to_cart( $product_id, $quantity, $variation_id, $attributes ) {
		$this->added[] = array( $product_id, $quantity, $variation_id, $attributes );
		return 'cart-item-' . count( $this->added );
	}
}

class Stub_WC {
	public $cart;
	public function __construct() { $this->cart = new Stub_Cart(); }
}
function WC() {
	static $wc = null;
	return $wc ??= new Stub_WC();
}
