import { divRoundHalfUp } from './money.js';

/**
 * What tracknow owes when the platform (TikTok's affiliate program) pays the creator itself:
 * `top-up` the deal is the creator's total, tracknow owes the rest; `none` tracknow records and
 * owes nothing; `on-top` tracknow owes the whole deal as well.
 */
export type TikTokAffiliateMode = 'top-up' | 'none' | 'on-top';
export const TIKTOK_AFFILIATE_MODES: readonly TikTokAffiliateMode[] = ['top-up', 'none', 'on-top'];
export const DEFAULT_TIKTOK_AFFILIATE: TikTokAffiliateMode = 'top-up';

/** Parses the merchant's TikTok affiliate setting; throws RangeError naming the choices. */
export function parseTikTokAffiliate(text: string): TikTokAffiliateMode {
  const mode = text.trim().toLowerCase();
  if (!(TIKTOK_AFFILIATE_MODES as readonly string[]).includes(mode)) {
    throw new RangeError(
      `the TikTok affiliate setting must be one of ${TIKTOK_AFFILIATE_MODES.join(', ')}, got ${JSON.stringify(text)}`,
    );
  }
  return mode as TikTokAffiliateMode;
}

/** The platform's commission on a sale, and what it takes to apply it. */
export interface PlatformPaid {
  /** The platform's commission as recorded on the sale; null when it pays nothing. */
  readonly platformMinor: bigint | null;
  /** The setting the sale was created with. */
  readonly mode: TikTokAffiliateMode;
  /** The influencer credited is the creator the platform pays (attributed by creator id or username). */
  readonly samePayee: boolean;
  /** The sale's base and what is left of it after refunds: the platform's share shrinks pro rata, half-up. */
  readonly baseMinor: bigint;
  readonly netMinor: bigint;
}

/**
 * What tracknow owes, applied once after the deal's commission is computed: the platform's
 * commission (less refunds, as the deal's) is taken off under `top-up` (never below zero),
 * everything under `none`, nothing under `on-top` or when the platform pays someone else.
 */
export function owedCommission(dealMinor: bigint, paid: PlatformPaid): bigint {
  if (!paid.samePayee || paid.platformMinor === null || paid.mode === 'on-top') return dealMinor;
  if (paid.mode === 'none') return 0n;
  const platform = platformNetMinor(paid);
  return dealMinor > platform ? dealMinor - platform : 0n;
}

function platformNetMinor(paid: PlatformPaid): bigint {
  const platform = paid.platformMinor ?? 0n;
  if (paid.baseMinor <= 0n || paid.netMinor >= paid.baseMinor) return platform;
  if (paid.netMinor <= 0n) return 0n;
  return divRoundHalfUp(platform * paid.netMinor, paid.baseMinor);
}
