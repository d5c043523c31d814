// purchase.thank-you.block.render: the order id comes from shopify.orderConfirmation.
import '@shopify/ui-extensions/preact';
import {render} from 'preact';

import {OrderStatusBlock} from './Block.jsx';

export default async () => {
  render(<OrderStatusBlock />, document.body);
};
