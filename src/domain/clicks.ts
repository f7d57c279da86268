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

/** The destination with `utm_source=CODE` only (bots, HEAD: no click id to carry). */
export const withUtmSource = (destination: string, code: string): string => withClickParams(destination, code);

/** The Set-Cookie value for a click: first-party, 30 days, Lax, HttpOnly, Secure over https. */
export function clickCookie(code: string, clickId: string, secure: boolean): string {
  const attributes = [
    `${CLICK_COOKIE}=${code}.${clickId}`,
    `Max-Age=${CLICK_COOKIE_MAX_AGE}`,
    'Path=/',
    'SameSite=Lax',
    'HttpOnly',
  ];
  if (secure) attributes.push('Secure');
  return attributes.join('; ');
}

/** The default attribution window: 30 days, in seconds. */
export const DEFAULT_ATTRIBUTION_WINDOW_SECONDS = 30 * 24 * 60 * 60;
const MAX_ATTRIBUTION_WINDOW_SECONDS = 400 * 24 * 60 * 60;

/** `--attribution-window`: "30d", "12h", "2w" → seconds, 1 hour to 400 days. */
export function parseAttributionWindow(text: string): number {
  const m = /^\s*(\d{1,6})\s*([hdw])\s*$/i.exec(text);
  const seconds = m ? Number(m[1]) * { h: 3600, d: 86_400, w: 604_800 }[m[2]!.toLowerCase() as 'h' | 'd' | 'w'] : NaN;
  if (!(seconds >= 3600 && seconds <= MAX_ATTRIBUTION_WINDOW_SECONDS)) {
    throw new RangeError(
      `attribution window must be hours, days or weeks between 1h and 400d, such as 30d, 7d or 48h; got ${JSON.stringify(text)}`,
    );
  }
  return seconds;
}

/** Seconds as a window flag value: whole days as `30d`, else hours. */
export function formatAttributionWindow(seconds: number): string {
  return seconds % 86_400 === 0 ? `${seconds / 86_400}d` : `${Math.round(seconds / 3600)}h`;
}

/** Whether a click at `clickedAtMs` may still attribute an order placed at `orderAtMs`. */
export function insideWindow(clickedAtMs: number, orderAtMs: number, windowSeconds: number): boolean {
  return orderAtMs - clickedAtMs <= windowSeconds * 1000;
}

/**
 * The destination with `utm_source=CODE` and, for a counted click, `tracknow_click=ID`. The
 * existing query is kept byte for byte (no re-encoding through URLSearchParams); only existing
 * `utm_source` and `tracknow_click` parameters are replaced.
 */
export function withClickParams(destination: string, code: string, clickId?: string): string {
  const url = new URL(destination);
  const ours = new Set(['utm_source', 'tracknow_click']);
  const kept = url.search
    .slice(1)
    .split('&')
    .filter((part) => part !== '' && !ours.has(part.split('=')[0] ?? ''));
  kept.push(`utm_source=${encodeURIComponent(code)}`);
  if (clickId !== undefined) kept.push(`tracknow_click=${encodeURIComponent(clickId)}`);
  url.search = kept.join('&');
  return url.toString();
}
