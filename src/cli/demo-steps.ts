import type { Config } from '../config.js';
import type { Store } from '../store/connect.js';
import type { Output } from './output.js';

/** What the demo made, for --json and for the steps that later capabilities add. */
export interface DemoState {
  home: string;
  merchant_id?: string;
  influencer_id?: string;
  creator_id?: string;
  code?: string;
  [key: string]: unknown;
}

const daysFromNow = (days: number) => new Date(Date.now() + days * 24 * 3600 * 1000);

type Step = { title: string; run(store: Store, state: DemoState, config: Config): Promise<string> };

const STEPS: Step[] = [
  {
    title: 'Create a merchant selling on TikTok Shop at 15% commission',
    async run(store, state, config) {
      const { addMerchant } = await import('../services/merchants.js');
      const m = await addMerchant(
        store.db,
        {
          name: 'Glow Cosmetics',
          currency: 'USD',
          commissionRate: '15',
          tiktokAppKey: '6a9xk1testkey',
          tiktokAppSecret: 'tts_secret_0123456789abcdef',
          storeUrl: 'https://glow.example.com/',
        },
        { encryptionKey: config.encryptionKey },
      );
      state.merchant_id = m.id;
      return `merchant ${m.id} (${m.name}, ${m.currency}, hold ${m.hold_days} days)`;
    },
  },
  {
    title: 'Create an influencer with payout details',
    async run(store, state) {
      const { addInfluencer } = await import('../services/influencers.js');
      const i = await addInfluencer(store.db, { name: 'Mia Glow', email: 'mia@example.com', iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' });
      state.influencer_id = i.id;
      return `influencer ${i.id} (${i.name}, IBAN ${i.iban})`;
    },
  },
  {
    title: 'Link her TikTok creator account (attribution priority 1)',
    async run(store, state) {
      const { linkCreator } = await import('../services/creators.js');
      const { link } = await linkCreator(store.db, { influencerId: state.influencer_id!, creatorId: 'tiktok_creator_123', username: 'glowwithmia' });
      state.creator_id = link.creator_id;
      return `creator ${link.creator_id} (@${link.username}) → ${link.influencer_id}`;
    },
  },
  {
    title: 'Give her a tracking code (promo code, utm_source, TRACK:CODE and /r/CODE)',
    async run(store, state) {
      const { addCode } = await import('../services/codes.js');
      const code = await addCode(store.db, { influencerId: state.influencer_id!, code: 'MIA15', merchantId: state.merchant_id! });
      state.code = code.code;
      return `code ${code.code}`;
    },
  },
  {
    title: 'Start the webhook listener and send it signed TikTok Shop orders (the seed payload first)',
    async run(store, state, config) {
      const { startListener } = await import('../http/server.js');
      const { getPlatform } = await import('../platforms/platform.js');
      const { findMerchantSecrets } = await import('../services/webhook-intake.js');
      const { request } = await import('undici');
      const listener = await startListener({ config, db: store.db, host: '127.0.0.1', port: 0, log: () => undefined });
      try {
        const secrets = await findMerchantSecrets(store.db, state.merchant_id!, { encryptionKey: config.encryptionKey });
        const url = `${listener.url}/api/webhook/tiktok/${state.merchant_id}`;
        const lines = [`POST ${url}`];
        // The seed's quick test (125.50 USD → 18.83), then a second order so a payout is due.
        for (const [orderId, cents] of [['123456', 12550], ['123457', 25000]] as const) {
          const body = Buffer.from(
            JSON.stringify({
              type: 'ORDER_STATUS_CHANGE',
              timestamp: Math.floor(Date.now() / 1000),
              data: { order_id: orderId, order_status: 111, payment: { total_amount: cents, currency: 'USD' }, creator_info: { creator_id: state.creator_id } },
            }),
          );
          const headers = getPlatform('tiktok').sign(body, secrets);
          const res = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
          lines.push(`→ HTTP ${res.statusCode} ${await res.body.text()}`);
        }
        return lines.join('\n   ');
      } finally {
        await listener.close();
      }
    },
  },
  {
    title: 'Show the pending sales: held 14 days, then validated and credited',
    async run(store, state) {
      const { formatMajor } = await import('../domain/money.js');
      const sales = await store.db.selectFrom('sales').selectAll().where('merchant_id', '=', state.merchant_id!).orderBy('external_order_id').execute();
      state.sale_ids = sales.map((s) => s.id);
      const money = (v: bigint | null, currency: string | null) => (v === null || currency === null ? '-' : `${formatMajor(v, currency)} ${currency}`);
      return sales
        .map((s) => `order ${s.external_order_id}: ${s.status}, amount ${money(s.base_minor, s.currency)}, commission ${money(s.commission_minor, s.currency)} (by ${s.attribution_method})`)
        .join('\n   ');
    },
  },
  {
    title: 'Validate as of 15 days from now: the hold is over, the commission is credited to the ledger',
    async run(store, state) {
      const { validate } = await import('../services/validate.js');
      const result = await validate(store.db, { asOf: daysFromNow(15) });
      state.validate = result;
      return `validated ${result.validated}, cancelled ${result.cancelled}; credited ${result.credited.map((c) => `${c.amount} ${c.currency}`).join(', ') || 'nothing'}`;
    },
  },
  {
    title: 'Payout dry run on the next Friday (minimum 50): what would be paid, writing nothing',
    async run(store, state, config) {
      const { payout, payoutJson } = await import('../services/payout.js');
      const { join } = await import('node:path');
      const run = await payout(store.db, { asOf: daysFromNow(15), dryRun: true, outDir: join(config.home, 'payouts'), sepaDebtor: config.sepaDebtor });
      state.payout = payoutJson(run);
      const { formatMajor } = await import('../domain/money.js');
      const { balances } = await import('../services/balance.js');
      const paid = run.plan.payouts.map((p) => `${formatMajor(p.amountMinor, p.currency)} ${p.currency} by ${p.method}`);
      const available = (await balances(store.db)).map((b) => `${b.available} ${b.currency} available`).join(', ');
      return paid.length ? `would pay ${paid.join(', ')}` : `nothing to pay yet (${available || 'no balance'}; the minimum is 50): it carries over to a later Friday`;
    },
  },
  {
    title: 'Show what is on record',
    async run(store, state) {
      const { showInfluencer } = await import('../services/influencers.js');
      const d = await showInfluencer(store.db, state.influencer_id!);
      return `${d.influencer.name}: creators ${d.creators.map((c) => c.creator_id).join(', ')}; codes ${d.codes.join(', ')}`;
    },
  },
];

/** Runs every step on one open store, narrating on stderr. */
export async function runDemo(config: Config, out: Output): Promise<DemoState> {
  const { openStore } = await import('../store/connect.js');
  const state: DemoState = { home: config.home };
  out.info(out.c.dim(`Opening the embedded store in ${config.home} (the first open creates and migrates it)…`));
  const store = await openStore(config);
  try {
    for (const [index, step] of STEPS.entries()) {
      out.info(`${out.c.cyan(`${index + 1}.`)} ${out.c.bold(step.title)}`);
      out.info(`   ${await step.run(store, state, config)}`);
    }
  } finally {
    await store.close();
  }
  return state;
}
