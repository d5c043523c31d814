<?php
/**
 * The store tables the uninstall touches, for CLI tests: $wpdb over $GLOBALS['stub_tables']
 * (table => rows). It understands SHOW TABLES LIKE and DELETE FROM `t` WHERE col LIKE '…',
 * with SQL's LIKE rules (% and _ wildcards, backslash escapes), and logs every statement.
 * With WooCommerce "active", tests/php/wc_webhook_stubs.php adds its webhook data store.
 */

$GLOBALS['stub_tables'] = array();

class Stub_Wpdb {
	public $prefix = 'wp_';

	public function esc_like( $text ) { return addcslashes( $text, '_%\\' ); }

	/** %i as a `quoted` identifier, %s as a 'quoted' string (the two the plugin uses). */
	public function prepare( $query, ...$args ) {
		$n = 0;
		return preg_replace_callback(
			'/%[is]/',
			function ( $m ) use ( $args, &$n ) {
				$value = (string) $args[ $n++ ];
				return '%i' === $m[0] ? '`' . str_replace( '`', '``', $value ) . '`' : "'" . addslashes( $value ) . "'";
			},
			$query
		);
	}

	public function get_var( $sql ) {
		$GLOBALS['stub_log']['sql'][] = $sql;
		if ( ! preg_match( "/^SHOW TABLES LIKE '(.*)'$/s", $sql, $m ) ) {
			throw new Exception( "stub wpdb cannot run: $sql" );
		}
		foreach ( array_keys( $GLOBALS['stub_tables'] ) as $table ) {
			if ( self::like( $table, stripslashes( $m[1] ) ) ) {
				return $table;
			}
		}
		return null;
	}

	public function query( $sql ) {
		$GLOBALS['stub_log']['sql'][] = $sql;
		if ( ! preg_match( "/^DELETE FROM `([^`]+)` WHERE (\\w+) LIKE '(.*)'$/s", $sql, $m ) ) {
			throw new Exception( "stub wpdb cannot run: $sql" );
		}
		$rows = $GLOBALS['stub_tables'][ $m[1] ];
		$kept = array_values( array_filter( $rows, fn( $row ) => ! self::like( $row[ $m[2] ], stripslashes( $m[3] ) ) ) );
		$GLOBALS['stub_tables'][ $m[1] ] = $kept;
		return count( $rows ) - count( $kept );
	}

	public static function like( $value, $pattern ) {
		$regex = '';
		for ( $i = 0; $i < strlen( $pattern ); $i++ ) {
			$c = $pattern[ $i ];
			if ( '\\' === $c && $i + 1 < strlen( $pattern ) ) {
				$regex .= preg_quote( $pattern[ ++$i ], '/' );
			} else {
				$regex .= '%' === $c ? '.*' : ( '_' === $c ? '.' : preg_quote( $c, '/' ) );
			}
		}
		return 1 === preg_match( '/^' . $regex . '$/s', (string) $value );
	}
}

$GLOBALS['wpdb'] = new Stub_Wpdb();
