import type { PlatformId } from '../domain/order-event.js';
import { usage } from '../errors.js';
import { isPlatformId, platformIds } from './platform.js';
import { shopifyTestEvents } from './shopify/test-event.js';
import type { Template, TestEventKit } from './test-event-kit.js';
import { tiktokTestEvents } from './tiktok-shop/test-event.js';
import { woocommerceTestEvents } from './woocommerce/test-event.js';

export type { Fill, HintFlag, Template, TestEventKit } from './test-event-kit.js';

/** The test-event registry, beside the adapter registry: callers never branch on the platform. */
const KITS: Readonly<Record<PlatformId, TestEventKit>> = {
  tiktok: tiktokTestEvents,
  shopify: shopifyTestEvents,
  woocommerce: woocommerceTestEvents,
};

export function getTestEvents(platform: string): TestEventKit {
  if (!isPlatformId(platform))
    throw usage(`unknown platform ${JSON.stringify(platform)}: use one of ${platformIds.join(', ')}`);
  return KITS[platform];
}

/** `orders/create`, `orders-create` and `Orders_Create` name the same event. */
const normalize = (name: string) =>
  name
    .trim()
    .toLowerCase()
    .replace(/[\s/._]+/g, '-');
const shapeOf = (t: Template) => t.shape ?? '';

/** One line per event name, with the shapes that have it: `refunded (notification)`. */
export function eventNames(kit: TestEventKit): string[] {
  const names = [...new Set(kit.templates.map((t) => t.event))];
  if (kit.shapes.length === 0) return names;
  return names.map(
    (name) =>
      `${name} (${kit.templates
        .filter((t) => t.event === name)
        .map(shapeOf)
        .join(', ')})`,
  );
}

/**
 * The template for `--event` and `--shape`. No event: the default shape's first. No shape: the
 * default shape's template if it has the event, else the only shape that does (TikTok's
 * `refunded` exists as a real notification only).
 */
export function findTemplate(kit: TestEventKit, event?: string, shape?: string): Template {
  if (shape !== undefined && !kit.shapes.includes(shape)) {
    throw usage(
      kit.shapes.length
        ? `must be one of ${kit.shapes.join(', ')}`
        : `does not apply to ${kit.platform}: it has one payload shape`,
      'shape',
    );
  }
  const wanted = shape ?? kit.shapes[0] ?? '';
  const candidates =
    event === undefined ? kit.templates : kit.templates.filter((t) => normalize(t.event) === normalize(event));
  if (candidates.length === 0)
    throw usage(`unknown ${kit.platform} event ${JSON.stringify(event)}: use one of ${eventNames(kit).join(', ')}`);
  const found =
    candidates.find((t) => shapeOf(t) === wanted) ??
    (shape === undefined && event !== undefined ? candidates[0] : undefined);
  if (!found)
    throw usage(`the ${shape} shape has no ${event} event: ${kit.platform} has ${eventNames(kit).join(', ')}`);
  return found;
}
