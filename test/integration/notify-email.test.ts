import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addInfluencer } from '../../src/services/records/influencers.js';
import { deliverDue } from '../../src/services/notify/notify.js';
import { listNotifications } from '../../src/services/notify/notify-admin.js';
import { describeBackends } from '../helpers/db.js';
import { salePayload, seedNotifications } from '../helpers/notify-outbox.js';

interface Mail {
  readonly to: string[];
  readonly raw: string;
}

/** Undoes quoted-printable and base64 bodies enough to read the text parts. */
function readable(raw: string): string {
  const qp = raw
    .replace(/=\r?\n/g, '')
    .replace(/(?:=[0-9A-F]{2})+/g, (m) => Buffer.from(m.replaceAll('=', ''), 'hex').toString('utf8'));
  const b64 = [...raw.matchAll(/\r?\n\r?\n([A-Za-z0-9+/=\r\n]{40,})/g)].map((m) =>
    Buffer.from(m[1]!.replace(/\s/g, ''), 'base64').toString('utf8'),
  );
  return [qp, ...b64].join('\n');
}

describeBackends('notification emails', (t) => {
  const mails: Mail[] = [];
  let rejectNext = false;
  let server: SMTPServer;
  let smtpUrl: string;

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onRcptTo(_address, _session, callback) {
        if (rejectNext) return callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
        callback();
      },
      onData(stream, session, callback) {
        let raw = '';
        stream.setEncoding('utf8').on('data', (d: string) => (raw += d));
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    smtpUrl = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  const run = () =>
    deliverDue(t().db, {
      timeoutMs: 5_000,
      concurrency: 4,
      smtp: { url: smtpUrl, from: 'tracknow <notify@tracknow.test>' },
    });

  it('mails the influencer, money formatted for people, in text and HTML', async () => {
    const lena = await addInfluencer(t().db, { name: 'Lena', email: 'lena@example.com' });
    const nobody = await addInfluencer(t().db, { name: 'No Mail' });
    await seedNotifications(t().db, lena.id, 1, 'sale.created', () =>
      salePayload({ currency: 'EUR', amount_minor: '12550', commission_minor: '1883' }),
    );
    await seedNotifications(t().db, lena.id, 1, 'sale.created', () =>
      salePayload({ currency: 'JPY', amount_minor: '12550', commission_minor: '1883', platform: 'shopify' }),
    );
    await seedNotifications(t().db, nobody.id, 1);
    const summary = await run();
    expect(summary).toMatchObject({ delivered: 2, failed: 0 });
    expect(mails).toHaveLength(2);
    // Sent concurrently: told apart by currency, not by order.
    const texts = mails.map((m) => readable(m.raw));
    const eur = texts.find((x) => x.includes('€')) ?? '';
    const jpy = texts.find((x) => x.includes('¥')) ?? '';
    expect(mails.every((m) => m.to.join() === 'lena@example.com')).toBe(true);
    expect(eur).toMatch(/^Subject: =\?UTF-8\?Q\?New_sale:_€18\.83_commission\?=?/m);
    expect(eur).toMatch(/Commission:\s+€18\.83/);
    expect(eur).toMatch(/Amount:\s+€125\.50/);
    expect(eur).toContain('<td>€18.83</td>');
    expect(eur).toContain('Hi Lena,');
    expect(eur).toMatch(/Content-Type: text\/plain/);
    expect(eur).toMatch(/Content-Type: text\/html/);
    expect(jpy).toMatch(/Commission:\s+¥1,883/);
    expect(jpy).toMatch(/Amount:\s+¥12,550/);
    expect(jpy).toContain('Shopify');
  });

  it('fails an address the server refuses (5xx) without retrying', async () => {
    const gone = await addInfluencer(t().db, { name: 'Gone', email: 'gone@example.com' });
    const [id] = await seedNotifications(t().db, gone.id, 1);
    rejectNext = true;
    try {
      expect(await run()).toMatchObject({ attempted: 1, failed: 1 });
    } finally {
      rejectNext = false;
    }
    const row = (await listNotifications(t().db, { status: 'failed', limit: 10 })).find((n) => n.id === id);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, deliveries: [{ channel: 'email', status: 'failed' }] });
    expect(row?.last_error).toMatch(/^SMTP 550 /);
  });
});
