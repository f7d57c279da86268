/** Validation rules for operator records: pure, each returns the normalized value or throws RangeError. */

export function requireName(value: string, what: string): string {
  const name = value.trim();
  if (name === '' || name.length > 200) throw new RangeError(`${what} must be 1 to 200 characters`);
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new RangeError(`${what} must not contain control characters`);
  return name;
}

export function normalizeEmail(value: string): string {
  const email = value.trim();
  if (!/^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{2,}$/.test(email))
    throw new RangeError(`not an email address: ${JSON.stringify(value)}`);
  return email;
}

export function parseHoldDays(value: string): number {
  if (!/^\d{1,3}$/.test(value.trim()))
    throw new RangeError(`hold days must be a whole number from 0 to 365, got ${JSON.stringify(value)}`);
  const days = Number(value.trim());
  if (days > 365) throw new RangeError(`hold days must be a whole number from 0 to 365, got ${value}`);
  return days;
}

export function normalizeHttpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new RangeError(`not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new RangeError(`only http(s) URLs are accepted, got ${url.protocol}`);
  return url.toString();
}

/** A shop domain such as `glow-shop.myshopify.com`, lower-cased, without scheme or path. */
export function normalizeDomain(value: string): string {
  const domain = value
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/\/.*$/, '');
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(domain)) {
    throw new RangeError(`not a domain: ${JSON.stringify(value)}`);
  }
  return domain;
}

/** A credential: any printable text without spaces, at most 500 characters. */
export function requireCredential(value: string, what: string): string {
  const v = value.trim();
  if (!/^[\x21-\x7e]{1,500}$/.test(v))
    throw new RangeError(`${what} must be 1 to 500 printable characters without spaces`);
  return v;
}

/** Tracking codes are stored upper-case: A-Z, 0-9, `_` and `-`, 3 to 64 characters. */
export function normalizeCode(value: string): string {
  const code = value.trim().toUpperCase();
  if (!/^[A-Z0-9_-]{3,64}$/.test(code))
    throw new RangeError(
      `a code is 3 to 64 characters of A-Z, 0-9, _ and -, got ${JSON.stringify(value.slice(0, 80))}`,
    );
  return code;
}

/** A TikTok creator username, lower-case, without the leading @. */
export function normalizeUsername(value: string): string {
  const name = value.trim().replace(/^@/, '').toLowerCase();
  if (!/^[a-z0-9._]{1,100}$/.test(name)) throw new RangeError(`not a TikTok username: ${JSON.stringify(value)}`);
  return name;
}

export function requireCreatorId(value: string): string {
  const id = value.trim();
  if (!/^[\x21-\x7e]{1,200}$/.test(id)) throw new RangeError(`not a creator id: ${JSON.stringify(value.slice(0, 80))}`);
  return id;
}

const CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** An 8-character code from a source of random integers below 36. */
export function generateCode(randomInt: (max: number) => number): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}
