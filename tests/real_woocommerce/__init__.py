"""A repeatable end-to-end run against a real WordPress + WooCommerce (`make real-woocommerce`)."""
