import { createHash, createHmac } from 'node:crypto';
import { Pool } from 'undici';
import type { MerchantSecrets } from '../../../src/platforms/platform.js';
import { findTemplate, getTestEvents, type Fill } from '../../../src/platforms/test-events.js';

/**
 * The reliability harness's webhook load: a seeded generator of orders, their signed deliveries
 * and the outcome each order must end in (computed here, never by the product's own rules), and
 * a sender that retries every delivery until a listener acknowledges it with 200.
 */

export type Platform = 'tiktok' | 'shopify' | 'woocommerce';
export type Method = 'creator_id' | 'promo_code' | 'utm_source' | 'track_message';

/** A merchant of the load's world: its credentials and its commission rate as an exact fraction. */
export interface LoadMerchant {
  readonly secrets: MerchantSecrets & {
    tiktokAppKey: string;
    tiktokAppSecret: string;
    shopifySecret: string;
    woocommerceSecret: string;
  };
  readonly rate: { readonly num: bigint; readonly den: bigint };
}

export interface LoadInfluencer {
  readonly id: string;
  readonly name: string;
  readonly code: string;
  readonly creatorId?: string;
  /** Has an IBAN or a PayPal email: payout pays them; without, payout skips them. */
  readonly payable: boolean;
  /** Gets only the orders the generator reserves for it (a balance kept under the minimum). */
  readonly reserved?: boolean;
}

export interface LoadWorld {
  readonly merchants: readonly LoadMerchant[];
  readonly influencers: readonly LoadInfluencer[];
}

/** Seeded PRNG (mulberry32): the same seed gives the same orders, bytes and shuffle. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

export function shuffle<T>(r: () => number, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** base × rate, rounded once half-up, in bigint: the test's own arithmetic, not the product's. */
export function expectedCommission(baseMinor: bigint, rate: LoadMerchant['rate']): bigint {
  const net = baseMinor > 0n ? baseMinor : 0n;
  return (net * rate.num * 2n + rate.den) / (2n * rate.den);
}

/** Minor units of a 2-decimal currency as the platforms write them ("125.50"). */
const major = (minor: bigint) => `${minor / 100n}.${String(minor % 100n).padStart(2, '0')}`;

type StepKind = 'unpaid' | 'paid' | 'refresh' | 'cancel' | 'refund' | 'partial';
interface Step {
  readonly kind: StepKind;
  readonly minute: number;
  readonly phase: 1 | 2;
  /** Shopify refunds/create: the refunded merchandise. */
  readonly refundMinor?: bigint;
}

/** One order and everything it must end as. */
export interface PlannedOrder {
  readonly index: number;
  readonly merchant: LoadMerchant;
  readonly platform: Platform;
  readonly orderId: string;
  readonly baseMinor: bigint;
  readonly influencerId: string | null;
  readonly method: Method | null;
  /** After phase 1: no sale at all (never paid), a pending sale, or a cancelled one. */
  readonly phase1: 'none' | 'pending' | 'cancelled';
  /** Refunded merchandise in phase 1 (Shopify partial refunds). */
  readonly refunded1: bigint;
  /** Phase 2 (after validation): refunded in full (reversed) or partly (a clawback). */
  readonly phase2?: { readonly kind: 'reverse' } | { readonly kind: 'clawback'; readonly refundMinor: bigint };
  /** The attribution hints every order-shaped payload of this order carries. */
  readonly hints: Partial<Fill>;
  readonly steps: Step[];
}

/** One signed delivery; a redelivery is the same object sent again (byte-identical). */
export interface Delivery {
  readonly seq: number;
  readonly order: PlannedOrder;
  readonly phase: 1 | 2;
  readonly platform: Platform;
  readonly merchantId: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The idempotency key DESIGN.md names, computed here from the request. */
  readonly dedupeKey: string;
}

export interface LoadPlan {
  readonly orders: readonly PlannedOrder[];
  /** Phase 1: unique deliveries plus redeliveries, shuffled. */
  readonly phase1: readonly Delivery[];
  /** Phase 2, sent after validation: refunds of validated orders, their redeliveries and late resends of phase 1, shuffled. */
  readonly phase2: readonly Delivery[];
  readonly unique: readonly Delivery[];
}

export interface LoadSpec {
  readonly world: LoadWorld;
  readonly seed: number;
  readonly orders: number;
  /** Phase-1 deliveries in all, redeliveries included. */
  readonly deliveries: number;
  /** Share of `deliveries` that are byte-identical resends. */
  readonly redeliveryShare: number;
  /** Orders are placed from here, one every 3 minutes. */
  readonly start: Date;
  /** Phase 2 happens this many days after each order. */
  readonly phase2Days?: number;
}

/**
 * Builds the load: per order a platform, merchant, amount, attribution (TikTok creator, promo
 * code, UTM, TRACK:CODE note, a code against a code, or nothing) and a status story (created →
 * paid, refreshed, cancelled, refunded, partly refunded, or never paid), then fills unique
 * deliveries with paid-status refreshes up to the exact count, adds redeliveries and shuffles.
 */
export function generateLoad(spec: LoadSpec): LoadPlan {
  const r = rng(spec.seed);
  const regular = spec.world.influencers.filter((i) => !i.reserved);
  const creators = regular.filter((i) => i.creatorId !== undefined);
  const reserved = spec.world.influencers.filter((i) => i.reserved);
  const uniqueCount = Math.round(spec.deliveries * (1 - spec.redeliveryShare));
  const orders: PlannedOrder[] = [];

  for (let index = 0; index < spec.orders; index++) {
    const forced = reserved[Math.floor(index / 2)];
    const platform: Platform = forced ? 'woocommerce' : pick(r, ['tiktok', 'shopify', 'woocommerce'] as const);
    const merchant = forced
      ? spec.world.merchants[0]!
      : r() < 0.7
        ? spec.world.merchants[0]!
        : (spec.world.merchants[1] ?? spec.world.merchants[0]!);
    const baseMinor = forced ? 3000n : BigInt(int(r, 500, 40_000));
    const orderId =
      platform === 'tiktok'
        ? `5764${String(index).padStart(14, '0')}`
        : platform === 'shopify'
          ? `58${String(index).padStart(11, '0')}`
          : String(10_000 + index);

    // Attribution: what the payload carries and who must be credited.
    const roll = r();
    let attr: { influencer: LoadInfluencer | null; method: Method | null; hints: Partial<Fill> };
    const anyCase = (code: string) => (r() < 0.3 ? code.toLowerCase() : code);
    const a = pick(r, regular);
    const b = pick(
      r,
      regular.filter((x) => x !== a),
    );
    if (forced) attr = { influencer: forced, method: 'promo_code', hints: { code: forced.code } };
    else if (platform === 'tiktok' && roll < 0.3) {
      const c = pick(r, creators);
      attr = { influencer: c, method: 'creator_id', hints: { creatorId: c.creatorId! } };
    } else if (roll < 0.5) attr = { influencer: a, method: 'promo_code', hints: { code: anyCase(a.code) } };
    else if (roll < 0.65) attr = { influencer: a, method: 'utm_source', hints: { utmSource: anyCase(a.code) } };
    else if (roll < 0.8)
      attr = {
        influencer: a,
        method: 'track_message',
        hints: { buyerMessage: `gift wrap please, TRACK:${anyCase(a.code)} thanks` },
      };
    else if (roll < 0.85) {
      // Two hints for two influencers: the better-ranked one wins.
      const c = platform === 'tiktok' ? pick(r, creators) : a;
      const other = regular.find((x) => x !== c)!;
      attr =
        platform === 'tiktok'
          ? { influencer: c, method: 'creator_id', hints: { creatorId: c.creatorId!, code: other.code } }
          : { influencer: c, method: 'promo_code', hints: { code: c.code, utmSource: b === c ? other.code : b.code } };
    } else {
      // Unattributed: no hint (TikTok's seed template carries a creator, so say something else) or an unknown code.
      attr = {
        influencer: null,
        method: null,
        hints: r() < 0.5 ? { buyerMessage: 'please leave it at the door' } : { code: `NOPE${index}` },
      };
    }

    // The status story.
    const s = r();
    const steps: Step[] = [];
    let phase1: PlannedOrder['phase1'];
    let refunded1 = 0n;
    if (!forced && s < 0.03) {
      steps.push({ kind: 'unpaid', minute: 0, phase: 1 });
      phase1 = 'none';
    } else if (!forced && s < 0.15) {
      steps.push({ kind: 'paid', minute: 5, phase: 1 }, { kind: 'cancel', minute: int(r, 30, 600), phase: 1 });
      phase1 = 'cancelled';
    } else if (!forced && s < 0.25) {
      steps.push({ kind: 'paid', minute: 5, phase: 1 }, { kind: 'refresh', minute: int(r, 700, 1400), phase: 1 });
      steps.push(
        platform === 'shopify'
          ? { kind: 'partial', minute: int(r, 1440, 4000), phase: 1, refundMinor: baseMinor }
          : { kind: 'refund', minute: int(r, 1440, 4000), phase: 1 },
      );
      phase1 = 'cancelled';
    } else if (!forced && platform === 'shopify' && s < 0.4) {
      refunded1 = BigInt(int(r, 1, Number(baseMinor) - 100));
      steps.push(
        { kind: 'paid', minute: 5, phase: 1 },
        { kind: 'partial', minute: int(r, 600, 3000), phase: 1, refundMinor: refunded1 },
      );
      phase1 = 'pending';
    } else {
      if (r() < 0.5) steps.push({ kind: 'unpaid', minute: 0, phase: 1 });
      steps.push({ kind: 'paid', minute: 5, phase: 1 });
      phase1 = 'pending';
    }
    if (phase1 === 'cancelled') refunded1 = steps.find((x) => x.kind === 'partial')?.refundMinor ?? 0n;

    // Phase 2: some validated sales are refunded after validation.
    let phase2: PlannedOrder['phase2'];
    if (!forced && phase1 === 'pending' && attr.influencer && r() < 0.1) {
      const left = baseMinor - refunded1;
      const minute = (spec.phase2Days ?? 30) * 1440 + int(r, 0, 600);
      if (platform === 'shopify' && left > 200n && r() < 0.5) {
        const refundMinor = BigInt(int(r, 1, Number(left) - 100));
        phase2 = { kind: 'clawback', refundMinor };
        steps.push({ kind: 'partial', minute, phase: 2, refundMinor });
      } else {
        phase2 = { kind: 'reverse' };
        steps.push(
          platform === 'shopify'
            ? { kind: 'partial', minute, phase: 2, refundMinor: left }
            : { kind: 'refund', minute, phase: 2 },
        );
      }
    }
    orders.push({
      index,
      merchant,
      platform,
      orderId,
      baseMinor,
      influencerId: attr.influencer?.id ?? null,
      method: attr.method,
      phase1,
      refunded1,
      ...(phase2 ? { phase2 } : {}),
      hints: attr.hints,
      steps,
    });
  }

  // Paid-status refreshes (shipped, delivered) make up the exact count of unique phase-1 deliveries.
  const core = orders.reduce((n, o) => n + o.steps.filter((x) => x.phase === 1).length, 0);
  if (core > uniqueCount)
    throw new Error(`the load needs ${core} deliveries for its stories, more than ${uniqueCount}`);
  const eligible = orders.filter((o) => o.phase1 !== 'none');
  for (let n = core; n < uniqueCount; n++) {
    const o = pick(r, eligible);
    const used = new Set(o.steps.map((x) => x.minute));
    // WooCommerce: the newest delivery names the status, so a refresh after the cancellation
    // would be a restored order; the story's refreshes come before its end.
    const end =
      o.platform === 'woocommerce'
        ? Math.min(
            ...o.steps
              .filter((x) => x.phase === 1 && (x.kind === 'cancel' || x.kind === 'refund'))
              .map((x) => x.minute),
          )
        : Infinity;
    let minute = int(r, 10, Math.min(5000, end - 1));
    while (used.has(minute)) minute = minute + 1 >= end ? int(r, 10, Math.min(5000, end - 1)) : minute + 1;
    o.steps.push({ kind: 'refresh', minute, phase: 1 });
  }

  let seq = 0;
  const unique: Delivery[] = [];
  for (const o of orders) for (const step of o.steps) unique.push(buildDelivery(seq++, o, step, spec.start, r));
  const p1 = unique.filter((d) => d.phase === 1);
  const p2 = unique.filter((d) => d.phase === 2);
  const phase1 = [...p1];
  while (phase1.length < spec.deliveries) phase1.push(pick(r, p1));
  // Phase 2: its own share of redeliveries, and 100 late resends of phase-1 deliveries that must change nothing.
  const phase2 = [...p2];
  const redeliveries =
    p2.length === 0 ? 0 : Math.round((p2.length * spec.redeliveryShare) / (1 - spec.redeliveryShare));
  for (let n = 0; n < redeliveries; n++) phase2.push(pick(r, p2));
  for (let n = 0; n < Math.min(100, p1.length); n++) phase2.push(pick(r, p1));
  return { orders, phase1: shuffle(r, phase1), phase2: shuffle(r, phase2), unique };
}

const digits = (r: () => number, n: number) => Array.from({ length: n }, () => String(int(r, 0, 9))).join('');
const uuid = (r: () => number) => {
  const h = Array.from({ length: 32 }, () => int(r, 0, 15).toString(16)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
};

/** Fills the platform's template for one step and signs it the way the platform does. */
function buildDelivery(seq: number, order: PlannedOrder, step: Step, start: Date, r: () => number): Delivery {
  const { platform, merchant } = order;
  const hints = order.hints;
  // A platform sends "created" once: an order first seen unpaid is paid by an update.
  const seenUnpaid = order.steps.some((x) => x.kind === 'unpaid');
  const kit = getTestEvents(platform);
  const now = new Date(start.getTime() + order.index * 180_000 + step.minute * 60_000);
  const currency = merchant.secrets.currency;
  const amount = major(order.baseMinor);
  const deliveryId = platform === 'tiktok' ? `7327${digits(r, 15)}` : uuid(r);
  const base: Fill = { orderId: order.orderId, deliveryId, now, currency };
  const withOrder: Fill = { ...base, amount, ...hints };
  let event: string;
  let shape: string | undefined;
  let fill: Fill;
  if (platform === 'tiktok') {
    // Orders with an even index use the seed's shape, odd ones the real notifications.
    const seed = order.index % 2 === 0;
    shape = seed ? 'simple' : 'notification';
    const refresh = seed ? pick(r, ['112', '121', '122', '130']) : pick(r, ['IN_TRANSIT', 'DELIVERED', 'COMPLETED']);
    switch (step.kind) {
      case 'unpaid':
        [event, fill] = ['paid', { ...withOrder, status: seed ? '100' : 'UNPAID' }];
        break;
      case 'paid':
        [event, fill] = ['paid', { ...withOrder, status: seed ? '111' : 'AWAITING_SHIPMENT' }];
        break;
      case 'refresh':
        [event, fill] = ['paid', { ...withOrder, status: refresh }];
        break;
      case 'cancel':
        [event, fill] = ['cancelled', seed ? withOrder : base];
        break;
      default:
        [event, shape, fill] = ['refunded', 'notification', base];
    }
  } else if (platform === 'shopify') {
    switch (step.kind) {
      case 'unpaid':
        [event, fill] = ['orders/create', { ...withOrder, status: 'pending' }];
        break;
      case 'paid':
        [event, fill] = [seenUnpaid ? 'orders/paid' : 'orders/create', withOrder];
        break;
      case 'refresh':
        [event, fill] = ['orders/paid', { ...withOrder, status: 'paid' }];
        break;
      case 'cancel':
        [event, fill] = ['orders/cancelled', withOrder];
        break;
      default:
        [event, fill] = ['refunds/create', { ...base, amount: major(step.refundMinor ?? order.baseMinor) }];
    }
  } else {
    const status = {
      unpaid: 'pending',
      paid: 'processing',
      refresh: 'completed',
      cancel: 'cancelled',
      refund: 'refunded',
      partial: 'refunded',
    }[step.kind];
    const created = step.kind === 'unpaid' || (step.kind === 'paid' && !seenUnpaid);
    [event, fill] = [created ? 'order.created' : 'order.updated', { ...withOrder, status }];
  }
  const template = findTemplate(kit, event, shape);
  const body = Buffer.from(JSON.stringify(kit.build(template, fill, merchant.secrets)), 'utf8');
  const headers: Record<string, string> = {
    ...kit.headers(template.event, fill, merchant.secrets),
    ...sign(platform, merchant, body),
  };
  const json = JSON.parse(body.toString('utf8')) as { tts_notification_id?: string };
  const dedupeKey =
    platform === 'tiktok'
      ? (json.tts_notification_id ?? createHash('sha256').update(body).digest('hex'))
      : platform === 'shopify'
        ? headers['X-Shopify-Webhook-Id']!
        : headers['X-WC-Webhook-Delivery-ID']!;
  return {
    seq,
    order,
    phase: step.phase,
    platform,
    merchantId: merchant.secrets.id,
    path: `/api/webhook/${platform}/${merchant.secrets.id}`,
    headers,
    body,
    dedupeKey,
  };
}

/** Signed as README.md's listener table says, with our own HMAC (not the adapter's `sign`). */
function sign(platform: Platform, merchant: LoadMerchant, body: Buffer): Record<string, string> {
  const s = merchant.secrets;
  if (platform === 'tiktok')
    return { Authorization: createHmac('sha256', s.tiktokAppSecret).update(s.tiktokAppKey).update(body).digest('hex') };
  if (platform === 'shopify')
    return { 'X-Shopify-Hmac-Sha256': createHmac('sha256', s.shopifySecret).update(body).digest('base64') };
  return { 'X-WC-Webhook-Signature': createHmac('sha256', s.woocommerceSecret).update(body).digest('base64') };
}

// ---------------------------------------------------------------------------------------------
// The sender

/** One unit of work: a delivery sent to one listener, or to several at the same moment. */
export interface Job {
  readonly delivery: Delivery;
  /** Listener indexes; two means both get the same bytes at once. */
  readonly to: readonly number[];
}

export interface SendOptions {
  /** The base URL of each listener right now; undefined while it is down (the sender waits). */
  readonly listeners: () => readonly (string | undefined)[];
  readonly concurrency: number;
  /** Give up on a delivery after retrying this long (default 120 s). */
  readonly giveUpMs?: number;
}

export interface Ack {
  readonly listener: number;
  readonly url: string;
  readonly at: number;
  /** The listener's `data.outcome`: `duplicate` for a delivery it had already stored. */
  readonly outcome: string;
}

export interface SendReport {
  readonly jobs: number;
  /** Requests that had to be acknowledged: one per job and listener. */
  readonly sends: number;
  readonly acked: number;
  readonly attempts: number;
  /** Every attempt's answer: "200", "503", "ECONNREFUSED"... */
  readonly statuses: Readonly<Record<string, number>>;
  /** 4xx answers (never retried: a bug) and deliveries given up on. */
  readonly rejected: readonly { seq: number; status: string; body: string }[];
  readonly gaveUp: readonly number[];
  /** Every 200 per delivery (seq). */
  readonly acks: ReadonlyMap<number, readonly Ack[]>;
  readonly ms: number;
  readonly latency: { readonly p50: number; readonly p99: number; readonly max: number };
}

export interface Sending {
  readonly done: Promise<SendReport>;
  /** Sends acknowledged so far. */
  acked(): number;
  /** Resolves as soon as `n` sends are acknowledged (never, if the load ends first). */
  whenAcked(n: number): Promise<void>;
}

function outcomeOf(text: string): string {
  try {
    return String((JSON.parse(text) as { data?: { outcome?: unknown } }).data?.outcome ?? 'none');
  } catch {
    return 'unparsable';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends jobs at a fixed concurrency over keep-alive connections (an undici Pool per listener
 * URL), retrying every send that is not answered 200 (5xx, refused or reset connections) with
 * capped backoff, as the platforms do. A 4xx is recorded and not retried.
 */
export function sendAll(jobs: readonly Job[], options: SendOptions): Sending {
  const pools = new Map<string, Pool>();
  const poolFor = (url: string) => {
    let p = pools.get(url);
    if (!p)
      pools.set(
        url,
        (p = new Pool(url, {
          connections: options.concurrency,
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
          keepAliveTimeout: 10_000,
        })),
      );
    return p;
  };
  const statuses: Record<string, number> = {};
  const rejected: { seq: number; status: string; body: string }[] = [];
  const gaveUp: number[] = [];
  const acks = new Map<number, Ack[]>();
  const latencies: number[] = [];
  let acked = 0;
  let attempts = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const giveUpMs = options.giveUpMs ?? 120_000;
  const started = performance.now();

  async function sendOne(d: Delivery, listener: number): Promise<void> {
    const deadline = performance.now() + giveUpMs;
    for (let n = 0; ; n++) {
      const url = options.listeners()[listener];
      if (url !== undefined) {
        attempts++;
        const t = performance.now();
        let status: string;
        let text = '';
        try {
          const res = await poolFor(url).request({ path: d.path, method: 'POST', headers: d.headers, body: d.body });
          text = await res.body.text();
          status = String(res.statusCode);
        } catch (err) {
          status = (err as { code?: string }).code ?? (err as Error).name ?? 'error';
        }
        statuses[status] = (statuses[status] ?? 0) + 1;
        // A 200 must be the listener's success document, not a proxy's or an error page.
        if (status === '200' && !text.startsWith('{"code":0,')) {
          rejected.push({ seq: d.seq, status: '200 without code 0', body: text.slice(0, 300) });
          return;
        }
        if (status === '200') {
          latencies.push(performance.now() - t);
          acked++;
          for (const w of waiters.filter((x) => x.n <= acked)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
          const list = acks.get(d.seq) ?? [];
          list.push({ listener, url, at: performance.now(), outcome: outcomeOf(text) });
          acks.set(d.seq, list);
          return;
        }
        if (/^4\d\d$/.test(status) && status !== '408' && status !== '429') {
          rejected.push({ seq: d.seq, status, body: text.slice(0, 300) });
          return;
        }
      }
      if (performance.now() > deadline) {
        gaveUp.push(d.seq);
        return;
      }
      await sleep(Math.min(1000, 25 * 2 ** Math.min(n, 6)) * (0.5 + Math.random()));
    }
  }

  const done = (async () => {
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        await Promise.all(job.to.map((l) => sendOne(job.delivery, l)));
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    await Promise.all([...pools.values()].map((p) => p.close().catch(() => undefined)));
    latencies.sort((x, y) => x - y);
    const q = (f: number) =>
      Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * f))] ?? 0);
    return {
      jobs: jobs.length,
      sends: jobs.reduce((n, j) => n + j.to.length, 0),
      acked,
      attempts,
      statuses,
      rejected,
      gaveUp,
      acks,
      ms: performance.now() - started,
      latency: { p50: q(0.5), p99: q(0.99), max: Math.round(latencies.at(-1) ?? 0) },
    };
  })();
  return {
    done,
    acked: () => acked,
    whenAcked: (n) => (acked >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
  };
}

/** A line for the report: rate, latencies and the answers seen. */
export function describeSend(report: SendReport): string {
  const rate = Math.round(report.sends / (report.ms / 1000));
  const other = Object.entries(report.statuses)
    .filter(([s]) => s !== '200')
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
  return `${rate} deliveries/s, p50 ${report.latency.p50} ms, p99 ${report.latency.p99} ms${other ? `, retried ${other}` : ''}`;
}
