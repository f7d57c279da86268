import { loadTemplates } from '../../test-event-kit.js';
import orderCreated from './order-created.json' with { type: 'json' };
import orderUpdated from './order-updated.json' with { type: 'json' };

/** Imported so that tsc copies them into dist; the consistency test checks every file is listed. */
export const woocommerceTemplates = loadTemplates('woocommerce', {
  'order-created.json': orderCreated,
  'order-updated.json': orderUpdated,
});
