import { loadTemplates } from '../../test-event-kit.js';
import ordersCancelled from './orders-cancelled.json' with { type: 'json' };
import ordersCreate from './orders-create.json' with { type: 'json' };
import ordersPaid from './orders-paid.json' with { type: 'json' };
import refundsCreate from './refunds-create.json' with { type: 'json' };

/** Imported so that tsc copies them into dist; the consistency test checks every file is listed. */
export const shopifyTemplates = loadTemplates('shopify', {
  'orders-create.json': ordersCreate,
  'orders-paid.json': ordersPaid,
  'orders-cancelled.json': ordersCancelled,
  'refunds-create.json': refundsCreate,
});
