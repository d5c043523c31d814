// customer-account.order-status.block.render: the order id comes from shopify.order.
import '@shopify/ui-extensions/preact';
import {render} from 'preact';

import {OrderStatusBlock} from './Block.jsx';

export default async () => {
  render(<OrderStatusBlock />, document.body);
};
