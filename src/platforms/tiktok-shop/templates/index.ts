import { loadTemplates } from '../../test-event-kit.js';
import cancelledNotification from './cancelled.notification.json' with { type: 'json' };
import cancelledSeed from './cancelled.seed.json' with { type: 'json' };
import paidNotification from './paid.notification.json' with { type: 'json' };
import paidSeed from './paid.seed.json' with { type: 'json' };
import refundedNotification from './refunded.notification.json' with { type: 'json' };

/**
 * Imported, not read from disk, so that tsc copies them into dist and no directory is scanned
 * at run time; the consistency test checks that every JSON file here is listed. The seed's
 * shape only knows order status changes, so `refunded` exists as a notification only.
 */
export const tiktokTemplates = loadTemplates('tiktok', {
  'paid.seed.json': paidSeed,
  'cancelled.seed.json': cancelledSeed,
  'paid.notification.json': paidNotification,
  'cancelled.notification.json': cancelledNotification,
  'refunded.notification.json': refundedNotification,
});
