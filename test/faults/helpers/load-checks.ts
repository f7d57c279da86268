import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { addCode } from '../../../src/services/records/codes.js';
import { linkCreator } from '../../../src/services/records/creators.js';
import { addInfluencer } from '../../../src/services/records/influencers.js';
import { addMerchant } from '../../../src/services/records/merchants.js';
import type { Database } from '../../../src/store/schema.js';
import { runCli, type CliResult } from '../../helpers/cli.js';
import { seedWorld, SHOPIFY, TIKTOK, WOO } from '../../helpers/world.js';
import {
  expectedCommission,
  type Delivery,
  type LoadPlan,
  type LoadWorld,
  type PlannedOrder,
  type SendReport,
} from './webhook-load.js';

/** Orders are placed from here; validation and payout run well after every hold. */
export const LOAD_START = new Date('2026-09-01T00:00:00Z');
export const VALIDATE_AS_OF = '2026-10-01T03:00:00Z';
/** A Friday, as cron's `0 9 * * 5` would run it. */
export const PAYOUT_AS_OF = '2026-10-09T09:00:00Z';
export const SEPA_ENV = {
  TRACKNOW_SEPA_DEBTOR_NAME: 'Glow Cosmetics GmbH',
  TRACKNOW_SEPA_DEBTOR_IBAN: 'DE02120300000000202051',
  TRACKNOW_SEPA_DEBTOR_BIC: 'BYLADEM1001',
};

/**
 * The fixtures' world (Glow, USD at 15%: Mia with creator `tiktok_creator_123` and ABC12345, Zed
 * with ZX9Q77) plus a EUR merchant at 12.5%, and influencers who cover every payout case: SEPA,
 * PayPal, no payout details (skipped) and one kept under the minimum.
 */
export async function seedLoadWorld(db: Kysely<Database>): Promise<LoadWorld> {
  const { merchant: glow, mia, zed } = await seedWorld(db, 'USD');
  const nord = await addMerchant(db, {
    name: 'Nordlys Skin',
    currency: 'EUR',
    commissionRate: '12.5',
    tiktokAppKey: 'nordkey42',
    tiktokAppSecret: 'tts_secret_nord_fedcba9876543210',
    tiktokShopId: '7494049642642449999',
    shopifyDomain: 'nordlys.myshopify.com',
    shopifySecret: 'shpss_nord_0a1b2c3d4e',
    woocommerceSecret: 'wc_whsec_nord_9z8y7x',
  });
  const ava = await addInfluencer(db, { name: 'Ava', iban: 'FR1420041010050500013M02606' });
  const noor = await addInfluencer(db, { name: 'Noor', paypalEmail: 'noor@example.com' });
  const kai = await addInfluencer(db, { name: 'Kai' });
  const lou = await addInfluencer(db, { name: 'Lou', paypalEmail: 'lou@example.com' });
  await linkCreator(db, { influencerId: ava.id, creatorId: 'tiktok_creator_ava' });
  await linkCreator(db, { influencerId: noor.id, creatorId: 'tiktok_creator_noor' });
  await addCode(db, { influencerId: ava.id, code: 'AVA2026' });
  await addCode(db, { influencerId: noor.id, code: 'NOOR10' });
  await addCode(db, { influencerId: kai.id, code: 'KAI555' });
  await addCode(db, { influencerId: lou.id, code: 'LOU1' });
  const secrets = (m: typeof glow) => ({
    id: m.id,
    currency: m.currency,
    tiktokAppKey: m.tiktok_app_key!,
    tiktokAppSecret: m.tiktok_app_secret!,
    tiktokShopId: m.tiktok_shop_id,
    shopifyDomain: m.shopify_domain,
    shopifySecret: m.shopify_secret!,
    woocommerceSecret: m.woocommerce_secret!,
  });
  // The fixtures' secrets, so a mismatch between world.ts and the seed shows up as 401s.
  if (
    glow.tiktok_app_secret !== TIKTOK.appSecret ||
    glow.shopify_secret !== SHOPIFY.secret ||
    glow.woocommerce_secret !== WOO.secret
  )
    throw new Error('seedWorld changed its secrets');
  return {
    merchants: [
      { secrets: secrets(glow), rate: { num: 15n, den: 100n } },
      { secrets: secrets(nord), rate: { num: 125n, den: 1000n } },
    ],
    influencers: [
      { id: mia.id, name: 'Mia', code: 'ABC12345', creatorId: 'tiktok_creator_123', payable: true },
      { id: zed.id, name: 'Zed', code: 'ZX9Q77', payable: true },
      { id: ava.id, name: 'Ava', code: 'AVA2026', creatorId: 'tiktok_creator_ava', payable: true },
      { id: noor.id, name: 'Noor', code: 'NOOR10', creatorId: 'tiktok_creator_noor', payable: true },
      { id: kai.id, name: 'Kai', code: 'KAI555', payable: false },
      { id: lou.id, name: 'Lou', code: 'LOU1', payable: true, reserved: true },
    ],
  };
}

/** What one order's sale and its ledger entries must be after the whole cycle. */
interface ExpectedSale {
  status: 'pending' | 'validated' | 'cancelled' | 'reversed';
  influencerId: string | null;
  method: string | null;
  currency: string;
  baseMinor: bigint;
  refundedMinor: bigint;
  commissionMinor: bigint | null;
  credit: bigint;
  reversal: bigint;
}

/** The model: phase 1, then validate, then phase 2 (refunds after validation); never the product's code. */
export function expectedSale(o: PlannedOrder): ExpectedSale | undefined {
  const c = (base: bigint) => expectedCommission(base, o.merchant.rate);
  const common = {
    influencerId: o.influencerId,
    method: o.method,
    currency: o.merchant.secrets.currency,
    baseMinor: o.baseMinor,
  };
  if (o.phase1 === 'none') {
    // WooCommerce records an unpaid order (cancelled, never credited) so that a newer paid delivery can revive it.
    if (o.platform !== 'woocommerce') return undefined;
    return {
      ...common,
      status: 'cancelled',
      refundedMinor: 0n,
      commissionMinor: o.influencerId === null ? null : c(o.baseMinor),
      credit: 0n,
      reversal: 0n,
    };
  }
  const atPhase1 = o.influencerId === null ? null : c(o.baseMinor - o.refunded1);
  if (o.phase1 === 'cancelled' || o.influencerId === null) {
    return {
      ...common,
      status: o.phase1,
      refundedMinor: o.refunded1,
      commissionMinor: atPhase1,
      credit: 0n,
      reversal: 0n,
    };
  }
  const credit = atPhase1!;
  if (!o.phase2)
    return {
      ...common,
      status: 'validated',
      refundedMinor: o.refunded1,
      commissionMinor: credit,
      credit,
      reversal: 0n,
    };
  if (o.phase2.kind === 'reverse') {
    // Shopify reverses through a refund of what is left, the others through an end status.
    const refunded = o.platform === 'shopify' ? o.baseMinor : o.refunded1;
    return {
      ...common,
      status: 'reversed',
      refundedMinor: refunded,
      commissionMinor: credit,
      credit,
      reversal: credit,
    };
  }
  const after = c(o.baseMinor - o.refunded1 - o.phase2.refundMinor);
  return {
    ...common,
    status: 'validated',
    refundedMinor: o.refunded1 + o.phase2.refundMinor,
    commissionMinor: after,
    credit,
    reversal: credit - after,
  };
}

/**
 * When validate runs while the deliveries still arrive, a sale may be validated before its
 * cancellation or partial refund lands. The money must come out the same: credited on the full
 * base, then reversed (net 0) or clawed back to the commission on what is left. Returns the
 * expectation for the way this sale went, if that way is one of the legal ones.
 */
function racedOutcome(o: PlannedOrder, want: ExpectedSale, status: string, credits: readonly bigint[]): ExpectedSale {
  if (want.influencerId === null) return want;
  const full = expectedCommission(o.baseMinor, o.merchant.rate);
  const net = want.credit - want.reversal;
  if (o.phase1 === 'cancelled' && status === 'reversed')
    return { ...want, status: 'reversed', commissionMinor: full, credit: full, reversal: full };
  if (o.phase1 === 'pending' && o.refunded1 > 0n && credits.length === 1 && credits[0] === full && full !== want.credit)
    return { ...want, credit: full, reversal: full - net };
  return want;
}

/** Everything the database must hold after the cycle, as a list of problems (empty: it held). */
export interface Verdict {
  /** Per-order problems, keyed by order index. */
  readonly orders: Map<number, string[]>;
  /** Problems of the whole: inbox, ledger identity, payouts, half-written rows. */
  readonly global: string[];
  /** Acknowledged deliveries with no inbox row holding their bytes. */
  readonly lost: number;
  /** Raced runs: sales validated before a cancellation or partial refund arrived (then reversed or clawed back). */
  readonly validatedFirst: number;
  readonly sums: { credited: bigint; reversed: bigint; paid: bigint; ledger: bigint };
}

const key = (merchantId: string, platform: string, orderId: string) => `${merchantId}|${platform}|${orderId}`;

/**
 * Reads the database with plain SQL and compares it with the model: exactly one sale per
 * order that has one, its status, attribution and commission; one credit per validated sale;
 * the reversals; every acknowledged delivery stored once with its bytes; nothing half-written;
 * payouts exactly the balances ≥ 50 of payable influencers; Σ ledger = credited − reversed − paid.
 */
export async function verifyCycle(
  url: string,
  world: LoadWorld,
  plan: LoadPlan,
  reports: readonly SendReport[],
  options: { raced?: boolean } = {},
): Promise<Verdict> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const orders = new Map<number, string[]>();
    const global: string[] = [];
    const problem = (o: PlannedOrder, text: string) => orders.set(o.index, [...(orders.get(o.index) ?? []), text]);

    const { rows: sales } = await client.query<{
      id: string;
      merchant_id: string;
      platform: string;
      external_order_id: string;
      status: string;
      influencer_id: string | null;
      attribution_method: string | null;
      currency: string | null;
      base_minor: string | null;
      refunded_minor: string;
      commission_minor: string | null;
    }>(
      `select id, merchant_id, platform, external_order_id, status, influencer_id, attribution_method, currency, base_minor::text, refunded_minor::text, commission_minor::text from sales`,
    );
    const { rows: entries } = await client.query<{
      sale_id: string | null;
      payout_id: string | null;
      kind: string;
      amount_minor: string;
      influencer_id: string;
      currency: string;
    }>(`select sale_id, payout_id, kind, amount_minor::text, influencer_id, currency from ledger_entries`);
    const byOrder = new Map<string, typeof sales>();
    for (const s of sales) {
      const k = key(s.merchant_id, s.platform, s.external_order_id);
      byOrder.set(k, [...(byOrder.get(k) ?? []), s]);
    }
    const ledgerBySale = new Map<string, { credits: bigint[]; reversal: bigint }>();
    for (const e of entries) {
      if (!e.sale_id) continue;
      const l = ledgerBySale.get(e.sale_id) ?? { credits: [], reversal: 0n };
      if (e.kind === 'credit') l.credits.push(BigInt(e.amount_minor));
      if (e.kind === 'reversal') l.reversal -= BigInt(e.amount_minor);
      ledgerBySale.set(e.sale_id, l);
    }

    // Per order: one sale (or none), its fields and its ledger entries.
    let expectedSales = 0;
    let validatedFirst = 0;
    const expectedBalance = new Map<string, bigint>();
    let credited = 0n;
    let reversed = 0n;
    for (const o of plan.orders) {
      let want = expectedSale(o);
      const got = byOrder.get(key(o.merchant.secrets.id, o.platform, o.orderId)) ?? [];
      if (!want) {
        if (got.length > 0) problem(o, `a never-paid order has ${got.length} sale(s)`);
        continue;
      }
      expectedSales++;
      if (got.length !== 1) {
        problem(o, `${got.length} sales, want exactly 1`);
        continue;
      }
      const s = got[0]!;
      const ledger = ledgerBySale.get(s.id) ?? { credits: [], reversal: 0n };
      if (options.raced) {
        const before = want;
        want = racedOutcome(o, want, s.status, ledger.credits);
        if (want !== before) validatedFirst++;
      }
      const fields: [string, unknown, unknown][] = [
        ['status', s.status, want.status],
        ['influencer', s.influencer_id, want.influencerId],
        ['attribution', s.attribution_method, want.method],
        ['currency', s.currency, want.currency],
        ['base', s.base_minor, String(want.baseMinor)],
        ['refunded', s.refunded_minor, String(want.refundedMinor)],
        ['commission', s.commission_minor, want.commissionMinor === null ? null : String(want.commissionMinor)],
        ['credits', ledger.credits.map(String).join(','), want.credit > 0n ? String(want.credit) : ''],
        ['reversed', String(ledger.reversal), String(want.reversal)],
      ];
      for (const [name, actual, expected] of fields)
        if (actual !== expected) problem(o, `${name} ${String(actual)}, want ${String(expected)}`);
      if (want.influencerId) {
        const bk = `${want.influencerId}|${want.currency}`;
        expectedBalance.set(bk, (expectedBalance.get(bk) ?? 0n) + want.credit - want.reversal);
      }
      credited += want.credit;
      reversed += want.reversal;
    }
    if (sales.length !== expectedSales) global.push(`${sales.length} sales in all, want ${expectedSales}`);

    // The inbox: every acknowledged delivery stored once, with its exact bytes; each unique delivery once.
    const { rows: inbox } = await client.query<{
      merchant_id: string;
      platform: string;
      dedupe_key: string;
      body: string;
      status: string;
    }>(`select merchant_id, platform, dedupe_key, body, status from webhook_events`);
    const stored = new Map(inbox.map((w) => [key(w.merchant_id, w.platform, w.dedupe_key), w]));
    if (inbox.length !== plan.unique.length)
      global.push(`${inbox.length} inbox rows, want ${plan.unique.length} (one per unique delivery)`);
    const bySeq = new Map<number, Delivery>(plan.unique.map((d) => [d.seq, d]));
    let lost = 0;
    const ackedSeqs = new Set(reports.flatMap((r) => [...r.acks.keys()]));
    for (const seq of ackedSeqs) {
      const d = bySeq.get(seq)!;
      const row = stored.get(key(d.merchantId, d.platform, d.dedupeKey));
      if (!row || row.body !== d.body.toString('utf8')) lost++;
    }
    const unsettled = inbox.filter((w) => w.status === 'received' || w.status === 'failed').length;
    if (unsettled > 0) global.push(`${unsettled} inbox rows left received or failed`);

    // Nothing half-written: a sale has its delivery, a ledger entry its sale or payout.
    const orphans = await client.query<{ what: string; n: number }>(`
      select 'sale without an inbox row for its order' as what, count(*)::int as n from sales s
        where not exists (select 1 from webhook_events w where w.merchant_id = s.merchant_id and w.platform = s.platform and w.order_id = s.external_order_id)
      union all
      select 'sale ledger entry without its sale', count(*)::int from ledger_entries l
        where l.kind in ('credit', 'reversal') and not exists (select 1 from sales s where s.id = l.sale_id)
      union all
      select 'payout ledger entry without its payout (or the wrong amount)', count(*)::int from ledger_entries l
        where l.kind = 'payout' and not exists (select 1 from payouts p where p.id = l.payout_id and p.amount_minor = -l.amount_minor)
      union all
      select 'payout without exactly one ledger debit', count(*)::int from payouts p
        where (select count(*) from ledger_entries l where l.payout_id = p.id) <> 1
      union all
      select 'credit on a sale that is not validated or reversed', count(*)::int from ledger_entries l join sales s on s.id = l.sale_id
        where l.kind = 'credit' and s.status not in ('validated', 'reversed')`);
    for (const r of orphans.rows) if (r.n > 0) global.push(`${r.n} ${r.what}`);

    // Payouts: exactly the balances ≥ 50.00 of influencers with payout details, once each.
    const { rows: payouts } = await client.query<{ influencer_id: string; currency: string; amount_minor: string }>(
      `select influencer_id, currency, amount_minor::text from payouts`,
    );
    const paidBy = new Map<string, bigint[]>();
    for (const p of payouts)
      paidBy.set(`${p.influencer_id}|${p.currency}`, [
        ...(paidBy.get(`${p.influencer_id}|${p.currency}`) ?? []),
        BigInt(p.amount_minor),
      ]);
    let paid = 0n;
    const influencers = new Map(world.influencers.map((i) => [i.id, i]));
    for (const [bk, available] of expectedBalance) {
      const [id] = bk.split('|');
      const due = available >= 5000n && influencers.get(id!)?.payable === true;
      const got = paidBy.get(bk) ?? [];
      const want = due ? [available] : [];
      if (got.join(',') !== want.join(','))
        global.push(
          `payouts for ${influencers.get(id!)?.name} ${bk.split('|')[1]}: ${got.join(',') || 'none'}, want ${want.join(',') || 'none'}`,
        );
      paid += got.reduce((a, b) => a + b, 0n);
    }
    for (const bk of paidBy.keys()) if (!expectedBalance.has(bk)) global.push(`an unexpected payout for ${bk}`);

    // Σ ledger = Σ credited − Σ reversed − Σ paid, overall and per influencer and currency.
    const ledger = entries.reduce((a, e) => a + BigInt(e.amount_minor), 0n);
    if (ledger !== credited - reversed - paid)
      global.push(`Σ ledger ${ledger} ≠ credited ${credited} − reversed ${reversed} − paid ${paid}`);
    const ledgerBy = new Map<string, bigint>();
    for (const e of entries)
      ledgerBy.set(
        `${e.influencer_id}|${e.currency}`,
        (ledgerBy.get(`${e.influencer_id}|${e.currency}`) ?? 0n) + BigInt(e.amount_minor),
      );
    for (const [bk, available] of expectedBalance) {
      const after = available - (paidBy.get(bk) ?? []).reduce((a, b) => a + b, 0n);
      if ((ledgerBy.get(bk) ?? 0n) !== after)
        global.push(`balance ${bk}: ledger ${ledgerBy.get(bk) ?? 0n}, want ${after}`);
    }
    return { orders, global, lost, validatedFirst, sums: { credited, reversed, paid, ledger } };
  } finally {
    await client.end();
  }
}

/** Deliveries of orders whose final state is right, and that were acknowledged. */
export function heldDeliveries(
  plan: LoadPlan,
  verdict: Verdict,
  reports: readonly SendReport[],
  jobsSent: number,
): number {
  const acked = new Set(reports.flatMap((r) => [...r.acks.keys()]));
  const bad = reports.reduce((n, r) => n + r.rejected.length + r.gaveUp.length, 0);
  const badOrders = plan.unique.filter((d) => verdict.orders.has(d.order.index) || !acked.has(d.seq)).length;
  return Math.max(0, jobsSent - bad - badOrders - verdict.global.length - verdict.lost);
}

/** `n` cron hosts running `tracknow validate` at the same moment. */
export function validateRuns(env: Record<string, string>, n: number): Promise<CliResult[]> {
  return Promise.all(Array.from({ length: n }, () => runCli(['validate', '--as-of', VALIDATE_AS_OF, '--json'], env)));
}

/** `n` cron hosts running Friday's `tracknow payout` at the same moment, each writing its files to `outDir`. */
export function payoutRuns(env: Record<string, string>, n: number, outDir: string): Promise<CliResult[]> {
  return Promise.all(
    Array.from({ length: n }, () =>
      runCli(['payout', '--as-of', PAYOUT_AS_OF, '--out', outDir, '--json'], { ...env, ...SEPA_ENV }),
    ),
  );
}

/** Short description of the verdict for a failing assertion. */
export function describeVerdict(v: Verdict, plan: LoadPlan): string[] {
  const lines = [...v.global];
  for (const [index, problems] of [...v.orders].slice(0, 10)) {
    const o = plan.orders[index]!;
    lines.push(
      `order ${o.platform} ${o.orderId} (${o.phase1}${o.phase2 ? `, then ${o.phase2.kind}` : ''}, ${o.method ?? 'unattributed'}): ${problems.join('; ')}`,
    );
  }
  if (v.orders.size > 10) lines.push(`… and ${v.orders.size - 10} more orders`);
  if (v.lost > 0) lines.push(`${v.lost} acknowledged deliveries not stored`);
  return lines;
}

/** The CLI's own account of the cron runs must add up to the model too (across concurrent hosts). */
export async function checkCronOutput(
  url: string,
  plan: LoadPlan,
  validate: readonly CliResult[],
  payout: readonly CliResult[],
  raced: boolean,
): Promise<string[]> {
  const problems: string[] = [];
  for (const r of [...validate, ...payout])
    if (r.code !== 0) problems.push(`a cron run exited ${r.code}: ${r.stderr.trim().split('\n').at(-1)}`);
  if (problems.length) return problems;
  if (raced) return [...(await checkValidateAgainstDb(url, validate)), ...paidOnce(payout)];
  const want = new Map<string, bigint>();
  let wantValidated = 0;
  for (const o of plan.orders) {
    if (o.phase1 !== 'pending' || o.influencerId === null) continue;
    wantValidated++;
    const c = expectedCommission(o.baseMinor - o.refunded1, o.merchant.rate);
    want.set(o.merchant.secrets.currency, (want.get(o.merchant.secrets.currency) ?? 0n) + c);
  }
  const docs = validate.map((r) => r.json<{ validated: number; credited: { currency: string; amount: string }[] }>());
  const validated = docs.reduce((n, d) => n + d.validated, 0);
  if (validated !== wantValidated)
    problems.push(`validate runs validated ${validated} sales in all, want ${wantValidated}`);
  const got = new Map<string, bigint>();
  for (const d of docs)
    for (const c of d.credited) got.set(c.currency, (got.get(c.currency) ?? 0n) + minorOf(c.amount));
  for (const [cur, amount] of want)
    if (got.get(cur) !== amount)
      problems.push(`validate runs credited ${got.get(cur) ?? 0n} ${cur} minor, want ${amount}`);
  return [...problems, ...paidOnce(payout)];
}

function paidOnce(payout: readonly CliResult[]): string[] {
  const paid = payout.flatMap((r) =>
    r
      .json<{ payouts: { influencer_id: string; currency: string }[] }>()
      .payouts.map((p) => `${p.influencer_id}|${p.currency}`),
  );
  return new Set(paid).size === paid.length
    ? []
    : [`payout runs paid someone twice: ${paid.length} payouts for ${new Set(paid).size} balances`];
}

/** Validate runs racing the load: what they say they validated and credited is what the database holds. */
async function checkValidateAgainstDb(url: string, validate: readonly CliResult[]): Promise<string[]> {
  const docs = validate.map((r) => r.json<{ validated: number; credited: { currency: string; amount: string }[] }>());
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const problems: string[] = [];
    const {
      rows: [v],
    } = await client.query<{ n: number }>(`select count(*)::int as n from sales where validated_at is not null`);
    const said = docs.reduce((n, d) => n + d.validated, 0);
    if (said !== v!.n)
      problems.push(`validate runs say they validated ${said} sales, the database has ${v!.n} validated`);
    const { rows } = await client.query<{ currency: string; amount: string }>(
      `select currency, sum(amount_minor)::text as amount from ledger_entries where kind = 'credit' group by 1`,
    );
    const got = new Map<string, bigint>();
    for (const d of docs)
      for (const c of d.credited) got.set(c.currency, (got.get(c.currency) ?? 0n) + minorOf(c.amount));
    for (const r of rows)
      if (got.get(r.currency) !== BigInt(r.amount))
        problems.push(
          `validate runs say they credited ${got.get(r.currency) ?? 0n} ${r.currency} minor, the ledger has ${r.amount}`,
        );
    return problems;
  } finally {
    await client.end();
  }
}

/** "18.83" → 1883n for the 2-decimal currencies of the load. */
function minorOf(amount: string): bigint {
  const [whole = '0', frac = ''] = amount.split('.');
  return BigInt(whole) * 100n + BigInt(frac.padEnd(2, '0').slice(0, 2));
}

/**
 * The payment files are what a bank acts on: across every cron host's files, each payout
 * appears exactly once (CSV line, and SEPA transfer for `sepa` payouts) and nothing is left
 * half-written (`.partial`).
 */
export async function checkPaymentFiles(outDir: string, url: string): Promise<string[]> {
  const problems: string[] = [];
  const files = await readdir(outDir).catch(() => [] as string[]);
  const partial = files.filter((f) => f.endsWith('.partial'));
  if (partial.length) problems.push(`${partial.length} .partial payment files left`);
  const csvIds: string[] = [];
  let sepaTransfers = 0;
  let paypalRows = 0;
  for (const f of files) {
    const text = await readFile(join(outDir, f), 'utf8');
    if (f.endsWith('.csv') && f.includes('.paypal-')) {
      // PayPal's batch upload format: no header, one row per PayPal payout.
      paypalRows += text.split('\r\n').filter((l) => l !== '').length;
    } else if (f.endsWith('.csv')) {
      const [header = '', ...rows] = text.split('\r\n').filter((l) => l !== '');
      const idAt = header.split(',').indexOf('payout_id');
      for (const row of rows) csvIds.push(row.split(',')[idAt] ?? '');
    }
    if (f.endsWith('.xml')) sepaTransfers += text.split('<CdtTrfTxInf>').length - 1;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; method: string }>('select id, method from payouts');
    const want = rows.map((r) => r.id).sort();
    if (csvIds.sort().join(',') !== want.join(','))
      problems.push(
        `payout CSVs list ${csvIds.length} payouts (${new Set(csvIds).size} distinct), the database has ${want.length}`,
      );
    const sepa = rows.filter((r) => r.method === 'sepa').length;
    if (sepaTransfers !== sepa)
      problems.push(`SEPA files hold ${sepaTransfers} transfers, the database has ${sepa} sepa payouts`);
    const paypal = rows.filter((r) => r.method === 'paypal').length;
    if (paypalRows !== paypal)
      problems.push(`PayPal batch files hold ${paypalRows} rows, the database has ${paypal} paypal payouts`);
  } finally {
    await client.end();
  }
  return problems;
}
