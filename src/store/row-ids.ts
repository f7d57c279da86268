import { randomFillSync } from 'node:crypto';

/** Random bytes drawn 4 KiB at a time: one call into the kernel for 409 ids, not one each. */
const pool = Buffer.allocUnsafe(4096);
let used = pool.length;
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** The id's text is written here, then read off as one string (no rope of pieces per id). */
const text = Buffer.from('00000000-0000-7000-8000-000000000000', 'latin1');

function hexByte(byte: number, at: number): void {
  text[at] = HEX[byte >> 4]!;
  text[at + 1] = HEX[byte & 15]!;
}

/**
 * A UUID version 7 (RFC 9562): the Unix time in milliseconds in the first 48 bits, 74 random
 * bits after. Ingest gives new inbox rows and sales these, so the primary-key indexes grow at
 * their right edge instead of at random pages (PostgreSQL 18 has uuidv7(); Node 20 only version
 * 4). Ids made in one millisecond are unordered among themselves; nothing relies on the order.
 */
export function uuidv7(now: number = Date.now()): string {
  if (used + 10 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const r = used;
  used += 10;
  const high = Math.floor(now / 2 ** 16); // the top 32 of the 48 bits
  for (let i = 0; i < 4; i++) hexByte((high >>> (24 - 8 * i)) & 0xff, 2 * i);
  hexByte((now >>> 8) & 0xff, 9);
  hexByte(now & 0xff, 11);
  text[15] = HEX[pool[r]! & 0x0f]!; // after the version digit 7
  hexByte(pool[r + 1]!, 16);
  hexByte((pool[r + 2]! & 0x3f) | 0x80, 19); // variant 10
  hexByte(pool[r + 3]!, 21);
  for (let i = 0; i < 6; i++) hexByte(pool[r + 4 + i]!, 24 + 2 * i);
  return text.toString('latin1');
}
