/** Click tracking rules (`GET /r/:code`): pure, no I/O. */

/** The cookie `/r/CODE` sets: `CODE.CLICK_ID` (a code never contains a dot, a UUID neither). */
export const CLICK_COOKIE = 'tracknow';
/** 30 days, in seconds. */
export const CLICK_COOKIE_MAX_AGE = 30 * 24 * 60 * 60;

// Exactly what `tracking_codes.code` accepts, before upper-casing: ASCII only, so a Unicode
// lookalike ('АВС' in Cyrillic, the Kelvin sign) can never upper-case its way into a real code.
const CODE_SEGMENT = /^[A-Za-z0-9_-]{3,64}$/;

/**
 * The code a `/r/…` path names, upper-cased, or undefined when the path cannot name a code
 * (too long, not ASCII, bad escapes, extra segments). Callers answer 404 without a query.
 */
export function codeFromClickPath(path: string): string | undefined {
  const match = /^\/r\/([^/]{1,200})\/?$/.exec(path);
  if (!match?.[1]) return undefined;
  let segment: string;
  try {
    segment = decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
  return CODE_SEGMENT.test(segment) ? segment.toUpperCase() : undefined;
}

// Crawlers, link unfurlers and scripted clients: they follow links without a person behind them.
// `(?<!cu)`: Cubot phones put "CUBOT" in a real browser's user agent.
const BOTS =
  /(?<!cu)bot\b|crawl|spider|slurp|facebookexternalhit|facebookcatalog|meta-externalagent|embedly|iframely|preview|whatsapp|headless|lighthouse|pingdom|uptime|curl\/|wget\/|python-requests|python-urllib|aiohttp|go-http-client|java\/|okhttp|node-fetch|axios\/|libwww|httpclient/i;

/** True for a user agent that should be redirected but not counted; no user agent counts as a bot. */
export function isBot(userAgent: string | undefined): boolean {
  return userAgent === undefined || userAgent.trim() === '' || BOTS.test(userAgent);
}

/** The first usable http(s) URL among the candidates (code destination, then store URL). */
export function pickDestination(...candidates: (string | null | undefined)[]): string | undefined {
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      const url = new URL(candidate);
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString();
    } catch {
      // Not a URL: try the next candidate.
    }
  }
  return undefined;
}

/**
 * The destination with `utm_source=CODE`. The existing query is kept byte for byte (no
 * re-encoding through URLSearchParams); only an existing `utm_source` is replaced.
 */
export function withUtmSource(destination: string, code: string): string {
  const url = new URL(destination);
  const kept = url.search
    .slice(1)
    .split('&')
    .filter((part) => part !== '' && part.split('=')[0] !== 'utm_source');
  kept.push(`utm_source=${encodeURIComponent(code)}`);
  url.search = kept.join('&');
  return url.toString();
}

/** The Set-Cookie value for a click: first-party, 30 days, Lax, HttpOnly, Secure over https. */
export function clickCookie(code: string, clickId: string, secure: boolean): string {
  const attributes = [`${CLICK_COOKIE}=${code}.${clickId}`, `Max-Age=${CLICK_COOKIE_MAX_AGE}`, 'Path=/', 'SameSite=Lax', 'HttpOnly'];
  if (secure) attributes.push('Secure');
  return attributes.join('; ');
}

/** The leftmost X-Forwarded-For address (the proxy chain's client), else the socket's; IPv4-mapped IPv6 unwrapped. */
export function clientIp(forwardedFor: string | undefined, socketAddress: string | undefined): string | undefined {
  const ip = forwardedFor?.split(',')[0]?.trim() || socketAddress;
  if (!ip) return undefined;
  return ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
}
