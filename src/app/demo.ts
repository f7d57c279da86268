import type { Config } from '../config.js';
import type { Store } from '../store/connect.js';

/** How the demo narrates: a step's title before it runs, then what it did. */
export interface DemoNarrator {
  step(index: number, title: string): void;
  done(detail: string): void;
}

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
      const { addMerchant } = await import('../services/records/merchants.js');
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
      const { addInfluencer } = await import('../services/records/influencers.js');
      const i = await addInfluencer(store.db, {
        name: 'Mia Glow',
        email: 'mia@example.com',
        iban: 'DE89370400440532013000',
        bic: 'COBADEFFXXX',
      });
      state.influencer_id = i.id;
      return `influencer ${i.id} (${i.name}, IBAN ${i.iban})`;
    },
  },
  {
    title: 'Link her TikTok creator account (attribution priority 1)',
    async run(store, state) {
      const { linkCreator } = await import('../services/records/creators.js');
      const { link } = await linkCreator(store.db, {
        influencerId: state.influencer_id!,
        creatorId: 'tiktok_creator_123',
        username: 'glowwithmia',
      });
      state.creator_id = link.creator_id;
      return `creator ${link.creator_id} (@${link.username}) → ${link.influencer_id}`;
    },
  },
  {
    title: 'Give her a tracking code (promo code, utm_source, TRACK:CODE and /r/CODE)',
    async run(store, state) {
      const { addCode } = await import('../services/records/codes.js');
      const code = await addCode(store.db, {
        influencerId: state.influencer_id!,
        code: 'MIA15',
        merchantId: state.merchant_id!,
      });
      state.code = code.code;
      return `code ${code.code}`;
    },
  },
  {
    title: 'Start the webhook listener and send it two signed TikTok Shop orders',
    async run(store, state, config) {
      const { startListener } = await import('../http/server.js');
      const { getPlatform } = await import('../platforms/platform.js');
      const { saltProvider } = await import('../services/records/clicks.js');
      const { findMerchantSecrets } = await import('../services/ingest/webhook-intake.js');
      const { request } = await import('undici');
      const listener = await startListener({
        db: store.db,
        host: '127.0.0.1',
        port: 0,
        log: () => undefined,
        clickSalt: saltProvider(config),
        trustedProxies: config.trustedProxies,
        encryptionKey: config.encryptionKey,
      });
      try {
        const secrets = await findMerchantSecrets(store.db, state.merchant_id!, {
          encryptionKey: config.encryptionKey,
        });
        const url = `${listener.url}/api/webhook/tiktok/${state.merchant_id}`;
        const lines = [`POST ${url}`];
        // The README's quick test (125.50 USD → 18.83), then a second order so a payout is due.
        for (const [orderId, cents] of [
          ['123456', 12550],
          ['123457', 25000],
        ] as const) {
          const body = Buffer.from(
            JSON.stringify({
              type: 'ORDER_STATUS_CHANGE',
              timestamp: Math.floor(Date.now() / 1000),
              data: {
                order_id: orderId,
                order_status: 111,
                payment: { total_amount: cents, currency: 'USD' },
                creator_info: { creator_id: state.creator_id },
              },
            }),
          );
          const headers = getPlatform('tiktok').sign(body, secrets);
          const res = await request(url, {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/json', ...headers },
          });
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
      const { listSales } = await import('../services/records/sales.js');
      const sales = (await listSales(store.db, { merchantId: state.merchant_id! })).sort((a, b) =>
        a.order_id.localeCompare(b.order_id),
      );
      state.sale_ids = sales.map((s) => s.id);
      const money = (v: string | null, currency: string | null) =>
        v === null || currency === null ? '-' : `${v} ${currency}`;
      return sales
        .map(
          (s) =>
            `order ${s.order_id}: ${s.status}, amount ${money(s.amount, s.currency)}, commission ${money(s.commission, s.currency)} (by ${s.attribution})`,
        )
        .join('\n   ');
    },
  },
  {
    title: 'Validate as of 15 days from now: the hold is over, the commission is credited to the ledger',
    async run(store, state) {
      const { validate } = await import('../services/payouts/validate.js');
      const result = await validate(store.db, { asOf: daysFromNow(15) });
      state.validate = result;
      return `validated ${result.validated}, cancelled ${result.cancelled}; credited ${result.credited.map((c) => `${c.amount} ${c.currency}`).join(', ') || 'nothing'}`;
    },
  },
  {
    title: 'Payout dry run on the next Friday (minimum 50): what would be paid, writing nothing',
    async run(store, state, config) {
      const { payout, payoutJson } = await import('../services/payouts/payout.js');
      const { join } = await import('node:path');
      const run = await payout(store.db, {
        asOf: daysFromNow(15),
        dryRun: true,
        outDir: join(config.home, 'payouts'),
        sepaDebtor: config.sepaDebtor,
      });
      state.payout = payoutJson(run);
      const { formatMajor } = await import('../domain/money.js');
      const { balances } = await import('../services/payouts/balance.js');
      const paid = run.plan.payouts.map(
        (p) => `${formatMajor(p.amountMinor, p.currency)} ${p.currency} by ${p.method}`,
      );
      const available = (await balances(store.db)).map((b) => `${b.available} ${b.currency} available`).join(', ');
      return paid.length
        ? `would pay ${paid.join(', ')}`
        : `nothing to pay yet (${available || 'no balance'}; the minimum is 50): it carries over to a later Friday`;
    },
  },
  {
    title: 'Show what is on record',
    async run(store, state) {
      const { showInfluencer } = await import('../services/records/influencers.js');
      const d = await showInfluencer(store.db, state.influencer_id!);
      return `${d.influencer.name}: creators ${d.creators.map((c) => c.creator_id).join(', ')}; codes ${d.codes.join(', ')}`;
    },
  },
];

/**
 * The composition root of `tracknow demo`: opens one store, runs every step on it (the listener
 * included), and narrates through `narrator`.
 */
export async function runDemo(config: Config, narrator: DemoNarrator): Promise<DemoState> {
  const { openStore } = await import('../store/connect.js');
  const state: DemoState = { home: config.home };
  const store = await openStore(config);
  try {
    for (const [index, step] of STEPS.entries()) {
      narrator.step(index + 1, step.title);
      narrator.done(await step.run(store, state, config));
    }
  } finally {
    await store.close();
  }
  return state;
}
