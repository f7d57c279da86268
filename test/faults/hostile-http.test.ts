import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '../helpers/db.js';
import { listen } from '../helpers/http.js';
import { seedWorld } from '../helpers/world.js';
import { recordFault } from './report.js';
import {
  counts,
  orderObject,
  PLATFORMS,
  rawExchange,
  sampleOf,
  signatureHeaders,
  Tally,
  toBody,
  topicHeaders,
  type Platform,
} from './helpers/hostile-kit.js';

/**
 * Header smuggling on a raw socket, where a normal client refuses to send the bytes: every
 * request must be answered 4xx only (never a 2xx for a hidden inner request, never a 5xx), the
 * listener must log no 5xx, and nothing may be written. The smuggled inner requests are
 * correctly signed orders, so a parser that let one through would show up as a write.
 */
const RUNS = Number(process.env.FAULT_RUNS ?? 150);

type Case =
  | 'conflicting content-length'
  | 'te chunked + content-length'
  | 'content-length + te chunked'
  | 'obfuscated transfer-encoding'
  | 'duplicate transfer-encoding'
  | 'bare CR in a header value'
  | 'bare LF in a header value'
  | 'NUL in a header value'
  | 'obs-fold continuation line'
  | 'oversized header'
  | 'too many headers'
  | 'bad content-length'
  | 'bad chunk size'
  | 'body cut short'
  | 'duplicate signature headers';

const CASES: readonly Case[] = [
  'conflicting content-length',
  'te chunked + content-length',
  'content-length + te chunked',
  'obfuscated transfer-encoding',
  'duplicate transfer-encoding',
  'bare CR in a header value',
  'bare LF in a header value',
  'NUL in a header value',
  'obs-fold continuation line',
  'oversized header',
  'too many headers',
  'bad content-length',
  'bad chunk size',
  'body cut short',
  'duplicate signature headers',
];

describeBackends('hostile HTTP framing', (t, backend) => {
  let listener: Awaited<ReturnType<typeof listen>>;
  let merchantId: string;

  beforeAll(async () => {
    merchantId = (await seedWorld(t().db)).merchant.id;
    listener = await listen(t().store);
  });
  afterAll(async () => listener?.close());

  /** A correctly signed order as one HTTP/1.1 request, and its parts. */
  function signedRequest(platform: Platform, orderId: string) {
    const body = toBody(orderObject(platform, orderId));
    const headers = { ...topicHeaders(platform), ...signatureHeaders(platform, body) };
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
    const path = `/api/webhook/${platform}/${merchantId}`;
    const whole = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.join('\r\n')}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString('latin1')}`;
    return { body: body.toString('latin1'), headers, lines, path, whole };
  }

  /** Builds the raw bytes of one hostile request. */
  function build(
    kind: Case,
    platform: Platform,
    orderId: string,
    n: number,
    variant: number,
  ): { payload: string; halfClose?: boolean } {
    const inner = signedRequest(platform, `${orderId}-inner`);
    const outer = signedRequest(platform, orderId);
    const start = `POST ${outer.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${outer.lines.join('\r\n')}\r\n`;
    const chunked = `${inner.whole.length.toString(16)}\r\n${inner.whole}\r\n0\r\n\r\n`;
    const len = outer.body.length;
    switch (kind) {
      case 'conflicting content-length':
        return {
          payload: `${start}Content-Length: ${len}\r\nContent-Length: ${Math.max(0, len - 1 - (n % len))}\r\nConnection: close\r\n\r\n${outer.body}${inner.whole}`,
        };
      case 'te chunked + content-length':
        return { payload: `${start}Transfer-Encoding: chunked\r\nContent-Length: ${n % 64}\r\n\r\n${chunked}` };
      case 'content-length + te chunked':
        return {
          payload: `${start}Content-Length: ${len}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${inner.whole}`,
        };
      case 'obfuscated transfer-encoding': {
        const te = [
          'Transfer-Encoding: xchunked',
          'Transfer-Encoding : chunked',
          'Transfer-Encoding: chunked, identity',
          'Transfer-Encoding:\x0bchunked',
          'Transfer-Encoding: identity',
        ][variant % 5];
        return { payload: `${start}${te}\r\nContent-Length: ${len}\r\n\r\n0\r\n\r\n${inner.whole}` };
      }
      case 'duplicate transfer-encoding':
        return {
          payload: `${start}Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\nContent-Length: ${len}\r\n\r\n${chunked}`,
        };
      case 'bare CR in a header value':
        return {
          payload: `${start}X-Note: a\rContent-Length: 0\r\nContent-Length: ${len}\r\nConnection: close\r\n\r\n${outer.body}`,
        };
      case 'bare LF in a header value':
        return {
          payload: `${start}X-Note: a\nTransfer-Encoding: chunked\r\nContent-Length: ${len}\r\nConnection: close\r\n\r\n${outer.body}`,
        };
      case 'NUL in a header value':
        return {
          payload: `${start}X-Note: a\u0000b\r\nContent-Length: ${len}\r\nConnection: close\r\n\r\n${outer.body}`,
        };
      case 'obs-fold continuation line':
        return {
          payload: `${start}X-Note: a\r\n Transfer-Encoding: chunked\r\nContent-Length: ${len}\r\nConnection: close\r\n\r\n${outer.body}`,
        };
      case 'oversized header':
        return {
          payload: `${start}X-Big: ${'a'.repeat(17_000 + n)}\r\nContent-Length: ${len}\r\nConnection: close\r\n\r\n${outer.body}`,
        };
      case 'too many headers':
        // Past Node's 16 KiB of headers in many small ones (a count alone is not refused: headers past 2000 are dropped).
        return {
          payload: `${start}${Array.from({ length: 1500 + n }, (_, i) => `X-H${i}: ${'v'.repeat(12)}`).join('\r\n')}\r\nContent-Length: ${len}\r\nConnection: close\r\n\r\n${outer.body}`,
        };
      case 'bad content-length': {
        const cl = [
          `+${len}`,
          '-1',
          '99999999999999999999999',
          `${len}.0`,
          `0x${len.toString(16)}`,
          `${len}, ${len + 1}`,
          ` ${len}x`,
        ][variant % 7];
        return { payload: `${start}Content-Length: ${cl}\r\nConnection: close\r\n\r\n${outer.body}` };
      }
      case 'bad chunk size': {
        const size = ['zz', 'ffffffffffffffffff', '-1', '1;'.padEnd(20_000, 'x'), ''][variant % 5];
        return {
          payload: `${start}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${size}\r\n${outer.body}\r\n0\r\n\r\n`,
        };
      }
      case 'body cut short':
        // Declares more than it sends, then half-closes: the body can never be complete.
        return { payload: `${start}Content-Length: ${len + 1 + n}\r\n\r\n${outer.body}`, halfClose: true };
      case 'duplicate signature headers': {
        const name = Object.keys(signatureHeaders(platform, Buffer.alloc(0)))[0]!;
        const valid = outer.headers[name as keyof typeof outer.headers] as string;
        const forged = signatureHeaders(platform, Buffer.from(`${outer.body} `))[name]!;
        // Node keeps the first Authorization (a singleton header): a valid first copy is authentic, so it is not sent first there.
        const pairs =
          platform === 'tiktok'
            ? [
                [forged, valid],
                ['deadbeef', valid],
                [forged, forged],
              ]
            : [
                [forged, valid],
                [valid, forged],
                [valid, valid],
                ['', valid],
              ];
        const [a, b] = pairs[variant % pairs.length]!;
        const others = outer.lines.filter((l) => !l.startsWith(`${name}:`));
        const alias = platform === 'tiktok' && variant % 2 === 1 ? `x-tt-signature: ${b}` : `${name}: ${b}`;
        return {
          payload: `POST ${outer.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${others.join('\r\n')}\r\n${name}: ${a}\r\n${alias}\r\nContent-Length: ${len}\r\nConnection: close\r\n\r\n${outer.body}`,
        };
      }
    }
  }

  it('smuggling and malformed framing get 4xx only and write nothing', async () => {
    const arb = fc.record({
      kind: fc.constantFrom(...CASES),
      platform: fc.constantFrom(...PLATFORMS),
      n: fc.nat(5000),
      variant: fc.nat(100),
    });
    const { inputs, seed } = sampleOf(arb, RUNS);
    // Every case at least once, whatever the sample drew.
    const all = [
      ...CASES.flatMap((kind) => PLATFORMS.map((platform) => ({ kind, platform, n: 7, variant: 0 }))),
      ...inputs,
    ];
    const before = await counts(t().db);
    const logged = listener.logs.length;
    const tally = new Tally();
    for (const [i, input] of all.entries()) {
      const { payload, halfClose } = build(input.kind, input.platform, `smuggle-${seed}-${i}`, input.n, input.variant);
      const { statuses, text } = await rawExchange(listener.url, payload, { halfClose });
      const ok = statuses.length > 0 && statuses.every((s) => s >= 400 && s < 500);
      tally.note(
        ok,
        () =>
          `${input.kind} ${input.platform} v${input.variant}: ${statuses.join(',') || 'no answer'} ${text.slice(0, 120)}`,
      );
    }
    const after = await counts(t().db);
    const fiveHundreds = listener.logs.slice(logged).filter((l) => Number(l.status) >= 500);
    const clean = JSON.stringify(after) === JSON.stringify(before) && fiveHundreds.length === 0;
    recordFault({
      section: 'hostile',
      check: 'header smuggling (raw socket)',
      backend,
      tried: tally.tried,
      held: clean ? tally.held : 0,
      lost: 0,
      note: `seed ${seed}`,
    });
    expect(tally.misses, `FAULT_SEED=${seed}`).toEqual([]);
    expect(fiveHundreds).toEqual([]);
    expect(after).toEqual(before);
    // Control: the same builder's plain request is accepted, so the 4xx above are the framing's doing.
    const control = await rawExchange(listener.url, signedRequest('tiktok', `smuggle-control-${seed}`).whole);
    expect(control.statuses).toEqual([200]);
  });
});
