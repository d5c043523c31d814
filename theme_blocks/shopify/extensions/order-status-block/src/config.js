// Where the block API lives. `make extensions` bakes APP_URL in (esbuild `define`);
// a Shopify CLI build uses the fallback below: set it to the production host before deploying.
/* global __AFTERSALES_API_URL__ */
export const API_URL =
  typeof __AFTERSALES_API_URL__ === 'string' ? __AFTERSALES_API_URL__ : 'https://aftersales.example.com';
