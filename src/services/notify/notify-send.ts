import { Webhook } from 'standardwebhooks';
import { Agent, request } from 'undici';
import { renderEmail } from '../../domain/notify-email.js';
import { classifyHttpStatus, type AttemptOutcome } from '../../domain/notify.js';
import { webhookBody, type OutboxEntry, type RenderContext } from '../../domain/notify-render.js';

/** One message to one receiver. `id` (the outbox row's) is the `webhook-id` on every attempt. */
export interface Envelope {
  readonly entry: OutboxEntry;
  readonly ctx: RenderContext;
}

/** Sending was stopped from outside (shutdown): not an attempt, the row goes back unattempted. */
export class SendAborted extends Error {
  override name = 'SendAborted';
}

export interface TransportOptions {
  readonly timeoutMs: number;
  readonly smtp?: { readonly url: string; readonly from: string } | undefined;
  /** The clock for `webhook-timestamp`. */
  readonly now: () => Date;
  /** Aborts sends in flight. */
  readonly signal?: AbortSignal | undefined;
}

/** An attempt's outcome; `timedOut` marks a receiver that hangs, so the run stops feeding it. */
export type SendResult = AttemptOutcome & { readonly timedOut?: boolean };

export interface Transports {
  webhook(envelope: Envelope, url: string, secret: string): Promise<SendResult>;
  email(envelope: Envelope, to: string): Promise<SendResult>;
  close(): Promise<void>;
}

/** The HTTP agent and the SMTP pool one delivery run shares; `close()` releases both. */
export async function createTransports(o: TransportOptions): Promise<Transports> {
  // Keep-alive sockets would hold a cron run open: a run-scoped agent, closed at the end.
  const agent = new Agent({
    connect: { timeout: o.timeoutMs },
    headersTimeout: o.timeoutMs,
    bodyTimeout: o.timeoutMs,
    keepAliveTimeout: 4_000,
  });
  const mailer = o.smtp ? await smtpPool(o.smtp.url, o.smtp.from, o.timeoutMs) : undefined;
  const stopped = () => o.signal?.aborted === true;

  return {
    async webhook({ entry, ctx }, url, secret) {
      let signer: Webhook;
      try {
        signer = new Webhook(secret);
      } catch {
        return { kind: 'fail', error: 'the endpoint secret is not a valid whsec_ secret' };
      }
      const body = webhookBody(entry, ctx);
      const timestamp = o.now();
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'tracknow-webhooks/1',
        'webhook-id': entry.id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signer.sign(entry.id, timestamp, body),
      };
      const signals = [AbortSignal.timeout(o.timeoutMs), ...(o.signal ? [o.signal] : [])];
      try {
        const res = await request(url, {
          method: 'POST',
          body,
          headers,
          dispatcher: agent,
          signal: AbortSignal.any(signals),
        });
        await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
        return classifyHttpStatus(res.statusCode);
      } catch (err) {
        if (stopped()) throw new SendAborted('delivery stopped', { cause: err });
        const timedOut = isTimeout(err);
        return {
          kind: 'retry',
          error: timedOut ? `timeout after ${o.timeoutMs / 1000} s` : networkError(err),
          timedOut,
        };
      }
    },

    async email({ entry, ctx }, to) {
      if (!mailer) return { kind: 'retry', error: 'TRACKNOW_SMTP_URL is not set in this process' };
      const content = renderEmail(entry, ctx);
      try {
        await mailer.sendMail({
          to,
          ...content,
          headers: { 'X-Tracknow-Notification-Id': entry.id },
          messageId: `<${entry.id}@tracknow>`,
        });
        return { kind: 'delivered' };
      } catch (err) {
        if (stopped()) throw new SendAborted('delivery stopped', { cause: err });
        const code = (err as { responseCode?: unknown }).responseCode;
        const error = `SMTP ${typeof code === 'number' ? `${code} ` : ''}${oneLine(err)}`;
        // 5xx is the server refusing the message for good; 4xx and lost connections may pass later.
        return typeof code === 'number' && code >= 500 ? { kind: 'fail', error } : { kind: 'retry', error };
      }
    },

    async close() {
      mailer?.close();
      await agent.close().catch(() => agent.destroy());
    },
  };
}

async function smtpPool(url: string, from: string, timeoutMs: number) {
  const nodemailer = await import('nodemailer');
  return nodemailer.createTransport(
    {
      pool: true,
      url,
      maxConnections: 2,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      idleTimeout: 4_000,
    },
    { from },
  );
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; code?: string; cause?: { code?: string } };
  return e.name === 'TimeoutError' || TIMEOUT_CODES.has(e.code ?? '') || TIMEOUT_CODES.has(e.cause?.code ?? '');
}

/** A network failure in words an operator can act on. */
function networkError(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  return code ? `network error ${code}` : oneLine(err);
}

function oneLine(err: unknown): string {
  return String((err as Error)?.message ?? err)
    .split('\n')[0]!
    .slice(0, 200);
}
