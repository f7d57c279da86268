import type { Attribution } from './attribution.js';
import { commissionOnTerms, type CommissionTerms } from './deals.js';
import { formatMajor } from './money.js';
import { DEFAULT_TIKTOK_AFFILIATE, owedCommission, type TikTokAffiliateMode } from './platform-commission.js';
import { ATTRIBUTION_RANK, type AttributionMethod, type OrderEvent, type OrderStatus } from './order-event.js';
import { mergeRefunds, refundReduction, refundSum, sameRefunds, type AppliedRefund } from './refunds.js';
import type { SaleStatus } from './validation-plan.js';

/** One order's sale as the lifecycle sees it (a row of `sales`, without bookkeeping columns). */
export interface SaleState {
  readonly status: SaleStatus;
  readonly orderStatus: OrderStatus;
  readonly platformStatus: string | null;
  /** The time of the event that set the statuses: among paid events and among end events the newest wins. */
  readonly statusAt: Date | null;
  readonly influencerId: string | null;
  readonly attributionMethod: AttributionMethod | null;
  readonly attributionValue: string | null;
  readonly clickId: string | null;
  readonly currency: string | null;
  readonly baseMinor: bigint | null;
  readonly baseScope: 'order' | 'attributed_lines';
  readonly totalMinor: bigint | null;
  /** The time of the event the amounts came from: the newest event carrying amounts wins. */
  readonly amountsAt: Date | null;
  readonly refundedMinor: bigint;
  /** The refunds counted so far, by their own ids; `refundedMinor` includes them. */
  readonly refunds: readonly AppliedRefund[];
  /** The amounts are a conservative guess (a TikTok return reversed whole without API access). */
  readonly estimated: boolean;
  readonly commissionRatePpm: number;
  readonly commissionMinor: bigint | null;
  /** The merchant's `--tiktok-affiliate` when the sale was created: a sale keeps it. */
  readonly tiktokAffiliate: TikTokAffiliateMode;
  /** What the platform pays the creator itself (sale currency); null when it pays nothing. */
  readonly platformCommissionMinor: bigint | null;
  readonly orderedAt: Date;
  readonly lastEventAt: Date;
  /**
   * Deals (#19): the terms the commission was chosen on, kept for the sale's life; see `CommissionTerms`.
   * Optional so that states built elsewhere stay valid: absent means null (the merchant's flat rate).
   */
  readonly dealId?: string | null;
  readonly fixedCommissionMinor?: bigint | null;
  readonly ratedBaseMinor?: bigint | null;
  readonly ratedCommissionPpm?: bigint | null;
}

/**
 * Chooses a sale's terms (deals, #19) from the sale as it stands. Called only when the sale first
 * earns (an influencer and a base) or changes influencer while pending; otherwise the terms kept.
 */
export type TermsChooser = (state: SaleState) => CommissionTerms;

export type SaleOutcome = 'created' | 'updated' | 'unchanged' | 'cancelled' | 'reversed' | 'unpaid' | 'stale';

export interface SaleTransition {
  /** The state after the event; undefined when the event creates no record (unpaid, no sale yet). */
  readonly next: SaleState | undefined;
  readonly outcome: SaleOutcome;
  /** The commission to claw back with a negative ledger entry: all of it (validated → reversed), or a partial refund's share. */
  readonly reversalMinor?: bigint;
  /** Outbox events this transition owes the influencer. */
  readonly notify: readonly ('sale.created' | 'sale.cancelled' | 'sale.reversed')[];
  readonly reason: string;
}

const isEnd = (s: OrderStatus) => s === 'cancelled' || s === 'refunded';
/**
 * A refund notice (Shopify refunds/create, a TikTok return looked up): it carries refunds and
 * no order amounts, and reduces the base without ending the order.
 */
const isRefundNotice = (e: OrderEvent) =>
  e.status === 'refunded' && e.base === undefined && (e.refundedBase !== undefined || (e.refunds?.length ?? 0) > 0);
const endsOrder = (e: OrderEvent) => isEnd(e.status) && !isRefundNotice(e);
/** WooCommerce sends the whole order each time and a shop may move it back: the newest delivery names the status. */
const newestNamesStatus = (e: OrderEvent) => e.platform === 'woocommerce';
const rank = (m: AttributionMethod | null) => (m === null ? Number.POSITIVE_INFINITY : ATTRIBUTION_RANK[m]);

/**
 * Applies one order event to a sale, forward only, so that any delivery order and any number
 * of redeliveries end in the same state:
 * - a cancellation or refund is absorbing (a late "paid" never revives the order);
 * - status and amounts change only from events at least as new as the last applied one,
 *   except that missing amounts are filled from any event;
 * - attribution can only improve in rank while the sale is pending;
 * - validated sales keep their credited commission, less partial refunds (clawed back); an end status reverses them.
 */
export function applyOrderEvent(
  current: SaleState | undefined,
  event: OrderEvent,
  attribution: Attribution | undefined,
  ratePpm: number,
  tiktokAffiliate: TikTokAffiliateMode = DEFAULT_TIKTOK_AFFILIATE,
  choose?: TermsChooser,
): SaleTransition {
  if (!current) return create(event, attribution, ratePpm, tiktokAffiliate, choose);
  // An unpaid or unknown status creates nothing, so it changes nothing either: order-independent.
  if (event.status === 'other' || (event.status === 'unpaid' && !newestNamesStatus(event)))
    return same(current, current, `order status ${event.platformStatus} changes nothing`);
  const newer = event.eventTime.getTime() >= current.lastEventAt.getTime();
  // Earliest known order time: a minimum, so the hold never depends on delivery order.
  const orderedAt = earliest(current.orderedAt, event.orderedAt ?? event.eventTime);
  const base: SaleState = { ...current, lastEventAt: newer ? event.eventTime : current.lastEventAt, orderedAt };
  if (newestNamesStatus(event)) return applyNewest(current, base, event, attribution);
  const fromEvent = { orderStatus: event.status, platformStatus: event.platformStatus, statusAt: event.eventTime };
  const newerStatus = current.statusAt === null || event.eventTime.getTime() >= current.statusAt.getTime();
  // An end event beats any paid one; among end events the newest names the status.
  const endStatus = endsOrder(event) && (newerStatus || !isEnd(current.orderStatus)) ? fromEvent : {};
  // Until an end event is seen, the newest paid event names the platform status (full refunds included).
  const paidStatus = event.status === 'paid' && newerStatus && !isEnd(current.orderStatus) ? fromEvent : {};
  const statuses = { ...paidStatus, ...endStatus };
  if (current.status === 'reversed')
    return same(current, { ...base, ...statuses }, 'the order is already reversed; nothing revives it');
  if (current.status === 'validated') {
    const next = withRefunds({ ...base, ...statuses }, event);
    const changed = validatedChange(current, next, event, endsOrder(event));
    // Platform data after validation (a return TikTok counted) may only lower what is owed.
    if (changed.outcome !== 'unchanged' || !event.platformCommission) return changed;
    const platform = withCommission(withPlatformData(next, event));
    return (platform.commissionMinor ?? 0n) < (current.commissionMinor ?? 0n) ? clawBack(current, platform) : changed;
  }
  // Pending or cancelled: learn amounts, attribution and refunds (a cancelled record keeps them for the record).
  let next = withPlatformData(withRefunds(withAttribution(withAmounts(base, event), event, attribution), event), event);
  next = withCommission(
    { ...next, ...statuses },
    current.commissionMinor === null || current.influencerId !== next.influencerId ? choose : undefined,
  );
  if (current.status === 'cancelled') return same(current, next, 'the order is already cancelled; nothing revives it');
  if (endsOrder(event) || fullyRefunded(next)) {
    return {
      next: { ...next, status: 'cancelled' },
      outcome: 'cancelled',
      notify: current.influencerId ? ['sale.cancelled'] : [],
      reason: `order ${endsOrder(event) ? event.status : 'refunded'}: never credited`,
    };
  }
  const gainedInfluencer = current.influencerId === null && next.influencerId !== null;
  if (equalState(current, next))
    return {
      next: current,
      outcome: newer ? 'unchanged' : 'stale',
      notify: [],
      reason: newer ? 'nothing new' : 'an older event changes nothing',
    };
  return {
    next,
    outcome: 'updated',
    notify: gainedInfluencer ? ['sale.created'] : [],
    reason: gainedInfluencer ? `attributed by ${next.attributionMethod}` : 'order updated',
  };
}

/**
 * A partial refund after validation: the commission is recomputed on what is left and the
 * difference is clawed back, so partial refunds cost the same before and after validation.
 */
function clawBack(current: SaleState, next: SaleState): SaleTransition {
  const clawbackMinor = (current.commissionMinor ?? 0n) - (next.commissionMinor ?? 0n);
  return {
    next,
    outcome: 'updated',
    ...(clawbackMinor > 0n ? { reversalMinor: clawbackMinor } : {}),
    // The influencer hears of the part reversed (the outbox keys it by the delivery that caused it).
    notify: clawbackMinor > 0n && next.influencerId ? ['sale.reversed'] : [],
    reason: `partial refund after validation: ${next.currency === null ? clawbackMinor : `${formatMajor(clawbackMinor, next.currency)} ${next.currency}`} of commission clawed back`,
  };
}

const fullyRefunded = (s: SaleState) => s.baseMinor !== null && s.refundedMinor > 0n && s.refundedMinor >= s.baseMinor;

function create(
  event: OrderEvent,
  attribution: Attribution | undefined,
  ratePpm: number,
  tiktokAffiliate: TikTokAffiliateMode,
  choose?: TermsChooser,
): SaleTransition {
  // WooCommerce: an unpaid order is recorded (cancelled, never credited) so that a newer "paid" revives it and an older one does not.
  const unpaidRecord = newestNamesStatus(event) && event.status === 'unpaid';
  if (!isEnd(event.status) && event.status !== 'paid' && !unpaidRecord) {
    return {
      next: undefined,
      outcome: 'unpaid',
      notify: [],
      reason: `order status ${event.platformStatus} creates no sale`,
    };
  }
  const eventTime = event.eventTime;
  let state: SaleState = {
    status: endsOrder(event) || unpaidRecord ? 'cancelled' : 'pending',
    // A partial refund implies the order was paid.
    orderStatus: endsOrder(event) || event.status !== 'refunded' ? event.status : 'paid',
    // A partial refund says nothing of the order's own status.
    platformStatus: isRefundNotice(event) ? null : event.platformStatus,
    statusAt: isRefundNotice(event) ? null : eventTime,
    influencerId: null,
    attributionMethod: null,
    attributionValue: null,
    clickId: null,
    currency: null,
    baseMinor: null,
    baseScope: 'order',
    totalMinor: null,
    amountsAt: null,
    refundedMinor: 0n,
    refunds: [],
    estimated: event.estimated === true,
    commissionRatePpm: ratePpm,
    commissionMinor: null,
    tiktokAffiliate,
    platformCommissionMinor: null,
    orderedAt: event.orderedAt ?? eventTime,
    lastEventAt: eventTime,
    dealId: null,
    fixedCommissionMinor: null,
    ratedBaseMinor: null,
    ratedCommissionPpm: null,
  };
  state = withCommission(
    withPlatformData(withRefunds(withAttribution(withAmounts(state, event), event, attribution), event), event),
    choose,
  );
  if (fullyRefunded(state)) state = { ...state, status: 'cancelled' };
  if (unpaidRecord)
    return {
      next: state,
      outcome: 'unpaid',
      notify: [],
      reason: `order ${event.platformStatus} is not paid: recorded, nothing earned until it is`,
    };
  if (state.status === 'cancelled')
    return {
      next: state,
      outcome: 'cancelled',
      notify: [],
      reason: `order ${event.status} before it was known: recorded as cancelled`,
    };
  const reason =
    state.influencerId === null
      ? 'no attribution matched: order recorded unattributed'
      : `attributed by ${state.attributionMethod}`;
  return { next: state, outcome: 'created', notify: state.influencerId ? ['sale.created'] : [], reason };
}

function withAmounts(state: SaleState, event: OrderEvent): SaleState {
  const base = event.base;
  if (!base) return state;
  if (state.currency !== null && state.currency !== base.currency) return state; // a currency change is not ours to guess
  if (state.amountsAt !== null && event.eventTime.getTime() < state.amountsAt.getTime()) return state;
  const total = event.total && event.total.currency === base.currency ? event.total.minor : state.totalMinor;
  if (state.baseScope === 'attributed_lines') return { ...state, totalMinor: total, amountsAt: event.eventTime };
  return { ...state, currency: base.currency, baseMinor: base.minor, totalMinor: total, amountsAt: event.eventTime };
}

function withAttribution(state: SaleState, event: OrderEvent, attribution: Attribution | undefined): SaleState {
  if (!attribution || rank(attribution.method) >= rank(state.attributionMethod)) return state;
  let next: SaleState = {
    ...state,
    influencerId: attribution.influencerId,
    attributionMethod: attribution.method,
    attributionValue: attribution.value,
    clickId: attribution.clickId ?? null,
  };
  // Affiliate exports credit the creator's lines only.
  const lines = event.attributedBase;
  if (
    lines &&
    attribution.method.startsWith('creator_') &&
    (next.currency === null || next.currency === lines.currency)
  ) {
    next = { ...next, currency: lines.currency, baseMinor: lines.minor, baseScope: 'attributed_lines' };
  }
  return next;
}

/**
 * The platform's own commission on the creator's lines, and those lines' base, from the newest
 * platform data applied (affiliate data counts what is still kept: returns lower both sides).
 */
function withPlatformData(state: SaleState, event: OrderEvent): SaleState {
  const paid = event.platformCommission;
  if (!paid || (state.currency !== null && state.currency !== paid.currency)) return state;
  const lines = event.attributedBase;
  const rebase = state.baseScope === 'attributed_lines' && lines !== undefined && lines.currency === paid.currency;
  return { ...state, platformCommissionMinor: paid.minor, ...(rebase ? { baseMinor: lines.minor } : {}) };
}

/** The commission on the base left after refunds, on the kept terms, or on terms `choose` picks now; less what the platform pays. */
function withCommission(state: SaleState, choose?: TermsChooser): SaleState {
  if (state.influencerId === null || state.baseMinor === null) return { ...state, commissionMinor: null };
  const s = choose ? withTerms(state, choose(state)) : state;
  const net = (s.baseMinor ?? 0n) - s.refundedMinor;
  return {
    ...s,
    commissionMinor: owedCommission(commissionOnTerms(termsOf(s), net), platformPaid(s, net > 0n ? net : 0n)),
  };
}

/** The terms a sale keeps (the refund recompute hook takes these). */
export function termsOf(s: SaleState): CommissionTerms {
  return {
    dealId: s.dealId ?? null,
    ratePpm: s.commissionRatePpm,
    fixedMinor: s.fixedCommissionMinor ?? null,
    ratedBaseMinor: s.ratedBaseMinor ?? null,
    ratedCommissionPpm: s.ratedCommissionPpm ?? null,
  };
}

function withTerms(s: SaleState, t: CommissionTerms): SaleState {
  return {
    ...s,
    dealId: t.dealId,
    commissionRatePpm: t.ratePpm,
    fixedCommissionMinor: t.fixedMinor,
    ratedBaseMinor: t.ratedBaseMinor,
    ratedCommissionPpm: t.ratedCommissionPpm,
  };
}

const platformPaid = (s: SaleState, net: bigint) => ({
  platformMinor: s.platformCommissionMinor,
  mode: s.tiktokAffiliate,
  samePayee: s.attributionMethod === 'creator_id' || s.attributionMethod === 'creator_username',
  baseMinor: s.baseMinor ?? 0n,
  netMinor: net,
});

function same(current: SaleState, next: SaleState, reason: string): SaleTransition {
  return { next: equalState(current, next) ? current : next, outcome: 'unchanged', notify: [], reason };
}

function earliest(a: Date, b: Date | undefined): Date {
  return b !== undefined && b.getTime() < a.getTime() ? b : a;
}

export function equalState(a: SaleState, b: SaleState): boolean {
  return (Object.keys(a) as (keyof SaleState)[]).every((k) => {
    if (k === 'refunds') return sameRefunds(a.refunds, b.refunds);
    const x = a[k];
    const y = b[k];
    return x instanceof Date && y instanceof Date ? x.getTime() === y.getTime() : x === y;
  });
}

/**
 * Counts the event's refunds not yet counted (by id) and marks a guessed amount. A refund with
 * line detail takes off its base; one without, refund × base ÷ total (the event's own figures
 * when it carries them, so any order of arrival gives the same result).
 */
function withRefunds(state: SaleState, event: OrderEvent): SaleState {
  const estimated = state.estimated || event.estimated === true;
  const baseMinor = event.base && event.base.currency === state.currency ? event.base.minor : state.baseMinor;
  const totalMinor = event.total && event.total.currency === state.currency ? event.total.minor : state.totalMinor;
  const incoming: AppliedRefund[] = [];
  for (const part of event.refunds ?? []) {
    const minor = refundReduction(part, baseMinor, totalMinor, state.currency);
    if (minor !== undefined && minor > 0n) incoming.push({ id: part.id, minor });
  }
  // A refund notice without an id of its own (older callers) counts once per delivery.
  const legacy = event.refundedBase;
  if (legacy && (state.currency === null || legacy.currency === state.currency) && legacy.minor > 0n)
    incoming.push({ id: `delivery:${event.dedupeKey}`, minor: legacy.minor });
  const refunds = mergeRefunds(state.refunds, incoming);
  if (refunds === state.refunds) return estimated === state.estimated ? state : { ...state, estimated };
  const refundedMinor = state.refundedMinor + refundSum(refunds) - refundSum(state.refunds);
  return { ...state, refunds, refundedMinor, estimated };
}

/** A validated sale: an end (or a refund reaching the base) reverses what is left; a partial refund claws back the difference. */
function validatedChange(current: SaleState, next: SaleState, event: OrderEvent, ends: boolean): SaleTransition {
  const fully =
    next.baseMinor !== null && next.refundedMinor > current.refundedMinor && next.refundedMinor >= next.baseMinor;
  if (ends || fully) {
    const reversalMinor = current.commissionMinor ?? 0n;
    return {
      next: { ...next, status: 'reversed' },
      outcome: 'reversed',
      ...(reversalMinor > 0n ? { reversalMinor } : {}),
      notify: current.influencerId ? ['sale.reversed'] : [],
      reason: `${ends ? event.status : 'refunded in full'} after validation: commission reversed`,
    };
  }
  if (next.refundedMinor !== current.refundedMinor) return clawBack(current, withCommission(next));
  return same(current, next, 'the sale is validated; its commission is fixed');
}

const STATUS_RANK: Readonly<Record<OrderStatus, number>> = { other: -1, paid: 0, unpaid: 1, cancelled: 2, refunded: 3 };

/**
 * WooCommerce: the delivery with the newest `date_modified_gmt` names the status, whatever the
 * order of arrival (ties: the later stage in paid < unpaid < cancelled < refunded). A newer paid
 * status revives a cancelled or unpaid record; a newer unpaid or end status cancels a pending
 * sale or reverses a validated one. A reversed sale stays reversed (its commission was taken back).
 */
function applyNewest(
  current: SaleState,
  base: SaleState,
  event: OrderEvent,
  attribution: Attribution | undefined,
): SaleTransition {
  const t = event.eventTime.getTime();
  const at = current.statusAt?.getTime();
  const names =
    at === undefined ||
    t > at ||
    (t === at && STATUS_RANK[event.status] >= STATUS_RANK[current.orderStatus as OrderStatus]);
  const statuses = names
    ? { orderStatus: event.status, platformStatus: event.platformStatus, statusAt: event.eventTime }
    : {};
  const earning = (names ? event.status : current.orderStatus) === 'paid';
  if (current.status === 'reversed')
    return same(
      current,
      withRefunds({ ...base, ...statuses }, event),
      'the order is already reversed; its commission was taken back',
    );
  if (current.status === 'validated')
    return validatedChange(current, withRefunds({ ...base, ...statuses }, event), event, !earning);
  const next = withCommission({
    ...withRefunds(withAttribution(withAmounts(base, event), event, attribution), event),
    ...statuses,
  });
  if (!earning || fullyRefunded(next)) {
    const stays = current.status === 'cancelled';
    const cancelled: SaleState = { ...next, status: 'cancelled' };
    if (stays)
      return same(
        current,
        cancelled,
        `order ${next.platformStatus ?? next.orderStatus} earns nothing (the newest delivery names the status)`,
      );
    return {
      next: cancelled,
      outcome: 'cancelled',
      notify: current.influencerId ? ['sale.cancelled'] : [],
      reason: `order ${next.platformStatus ?? next.orderStatus}: never credited unless a newer delivery pays it`,
    };
  }
  const live: SaleState = { ...next, status: 'pending' };
  if (current.status === 'cancelled') {
    return {
      next: live,
      outcome: 'updated',
      notify: live.influencerId ? ['sale.created'] : [],
      reason: `order ${live.platformStatus} (newest delivery): the sale is live again`,
    };
  }
  const gainedInfluencer = current.influencerId === null && live.influencerId !== null;
  if (equalState(current, live))
    return {
      next: current,
      outcome: t >= current.lastEventAt.getTime() ? 'unchanged' : 'stale',
      notify: [],
      reason: 'nothing new',
    };
  return {
    next: live,
    outcome: 'updated',
    notify: gainedInfluencer ? ['sale.created'] : [],
    reason: gainedInfluencer ? `attributed by ${live.attributionMethod}` : 'order updated',
  };
}
