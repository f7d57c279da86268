import type { Command } from 'commander';
import { usage } from '../../errors.js';
import { contextFrom } from '../context.js';
import { port } from '../flags.js';
import { lineLog } from '../line-log.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description('listen for TikTok Shop, Shopify and WooCommerce order webhooks (and /r/CODE clicks)')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port to listen on', port, '8001')
    .addHelpText(
      'after',
      `
Routes:
  POST /api/webhook/tiktok/:merchantId        Authorization: hex HMAC-SHA256(app secret, app key + body)
  POST /api/webhook/shopify/:merchantId       X-Shopify-Hmac-Sha256: base64 HMAC-SHA256(secret, body)
  POST /api/webhook/woocommerce/:merchantId   X-WC-Webhook-Signature: base64 HMAC-SHA256(secret, body)
  GET  /r/:code                               302 to the code's destination, sets the attribution cookie, records the click
  GET  /healthz                               200 when the database answers, else 503

Logs one JSON line per request on stderr. SIGTERM or SIGINT: finish in-flight requests, then exit 0.`,
    )
    .action(async (flags: { host: string; port: string }, command: Command) => {
      const ctx = contextFrom(command);
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw usage(`--port must be 0-65535, got ${flags.port}`);
      const { serve } = await import('../../app/serve.js');
      await serve(ctx.config, {
        host: flags.host,
        port,
        log: lineLog((text) => process.stderr.write(text)),
        onListening: (url, backend) => ctx.out.info(`tracknow listening on ${url} (${backend} store); Ctrl-C to stop`),
        signals: ['SIGTERM', 'SIGINT'],
      });
    });
}
