import type { Attribution } from './attribution.js';
import { commissionOnTerms, type CommissionTerms } from './deals.js';
import { formatMajor } from './money.js';
import { ATTRIBUTION_RANK, type AttributionMethod, type OrderEvent, type OrderStatus } from './order-event.js';
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
  readonly commissionRatePpm: number;
  readonly commissionMinor: bigint | null;
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
/** A partial refund (it carries the refunded amount) reduces the base; it does not end the order. */
const endsOrder = (e: OrderEvent) => isEnd(e.status) && e.refundedBase === undefined;
const refundOf = (e: OrderEvent, currency: string | null) =>
  e.refundedBase && (currency === null || e.refundedBase.currency === currency) ? e.refundedBase.minor : 0n;
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
  choose?: TermsChooser,
): SaleTransition {
  if (!current) return create(event, attribution, ratePpm, choose);
  // An unpaid or unknown status creates nothing, so it changes nothing either: order-independent.
  if (event.status === 'unpaid' || event.status === 'other') return same(current, current, `order status ${event.platformStatus} changes nothing`);
  const newer = event.eventTime.getTime() >= current.lastEventAt.getTime();
  // Earliest known order time: a minimum, so the hold never depends on delivery order.
  const orderedAt = earliest(current.orderedAt, event.orderedAt ?? event.eventTime);
  const base: SaleState = { ...current, lastEventAt: newer ? event.eventTime : current.lastEventAt, orderedAt };
  const refunded = refundOf(event, current.currency);
  const fromEvent = { orderStatus: event.status, platformStatus: event.platformStatus, statusAt: event.eventTime };
  const newerStatus = current.statusAt === null || event.eventTime.getTime() >= current.statusAt.getTime();
  // An end event beats any paid one; among end events the newest names the status.
  const endStatus = endsOrder(event) && (newerStatus || !isEnd(current.orderStatus)) ? fromEvent : {};
  // Until an end event is seen, the newest paid event names the platform status (full refunds included).
  const paidStatus = event.status === 'paid' && newerStatus && !isEnd(current.orderStatus) ? fromEvent : {};
  const statuses = { ...paidStatus, ...endStatus };
  if (current.status === 'reversed') return same(current, { ...base, ...statuses }, 'the order is already reversed; nothing revives it');
  if (current.status === 'validated') {
    const refundedMinor = current.refundedMinor + refunded;
    const fully = current.baseMinor !== null && refunded > 0n && refundedMinor >= current.baseMinor;
    if (endsOrder(event) || fully) {
      const reversalMinor = current.commissionMinor ?? 0n;
      return {
        next: { ...base, refundedMinor, status: 'reversed', ...statuses },
        outcome: 'reversed',
        ...(reversalMinor > 0n ? { reversalMinor } : {}),
        notify: current.influencerId ? ['sale.reversed'] : [],
        reason: `${event.status} after validation: commission reversed`,
      };
    }
    if (refunded > 0n) return clawBack(current, withCommission({ ...base, ...statuses, refundedMinor }));
    return same(current, { ...base, ...statuses }, 'the sale is validated; its commission is fixed');
  }
  // Pending or cancelled: learn amounts, attribution and refunds (a cancelled record keeps them for the record).
  let next = withAttribution(withAmounts(base, event), event, attribution);
  if (refunded > 0n) next = { ...next, refundedMinor: next.refundedMinor + refunded };
  next = { ...next, ...statuses };
  next = withCommission(next, current.commissionMinor === null || current.influencerId !== next.influencerId ? choose : undefined);
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
  if (equalState(current, next)) return { next: current, outcome: newer ? 'unchanged' : 'stale', notify: [], reason: newer ? 'nothing new' : 'an older event changes nothing' };
  return { next, outcome: 'updated', notify: gainedInfluencer ? ['sale.created'] : [], reason: gainedInfluencer ? `attributed by ${next.attributionMethod}` : 'order updated' };
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
    notify: [],
    reason: `partial refund after validation: ${next.currency === null ? clawbackMinor : `${formatMajor(clawbackMinor, next.currency)} ${next.currency}`} of commission clawed back`,
  };
}

const fullyRefunded = (s: SaleState) => s.baseMinor !== null && s.refundedMinor > 0n && s.refundedMinor >= s.baseMinor;

function create(event: OrderEvent, attribution: Attribution | undefined, ratePpm: number, choose?: TermsChooser): SaleTransition {
  if (!isEnd(event.status) && event.status !== 'paid') {
    return { next: undefined, outcome: 'unpaid', notify: [], reason: `order status ${event.platformStatus} creates no sale` };
  }
  const eventTime = event.eventTime;
  let state: SaleState = {
    status: endsOrder(event) ? 'cancelled' : 'pending',
    // A partial refund implies the order was paid.
    orderStatus: endsOrder(event) || event.status !== 'refunded' ? event.status : 'paid',
    // A partial refund says nothing of the order's own status.
    platformStatus: event.refundedBase === undefined ? event.platformStatus : null,
    statusAt: event.refundedBase === undefined ? eventTime : null,
    influencerId: null,
    attributionMethod: null,
    attributionValue: null,
    clickId: null,
    currency: null,
    baseMinor: null,
    baseScope: 'order',
    totalMinor: null,
    amountsAt: null,
    refundedMinor: refundOf(event, null),
    commissionRatePpm: ratePpm,
    commissionMinor: null,
    orderedAt: event.orderedAt ?? eventTime,
    lastEventAt: eventTime,
    dealId: null,
    fixedCommissionMinor: null,
    ratedBaseMinor: null,
    ratedCommissionPpm: null,
  };
  state = withCommission(withAttribution(withAmounts(state, event), event, attribution), choose);
  if (fullyRefunded(state)) state = { ...state, status: 'cancelled' };
  if (state.status === 'cancelled') return { next: state, outcome: 'cancelled', notify: [], reason: `order ${event.status} before it was known: recorded as cancelled` };
  const reason = state.influencerId === null ? 'no attribution matched: order recorded unattributed' : `attributed by ${state.attributionMethod}`;
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
  if (lines && attribution.method.startsWith('creator_') && (next.currency === null || next.currency === lines.currency)) {
    next = { ...next, currency: lines.currency, baseMinor: lines.minor, baseScope: 'attributed_lines' };
  }
  return next;
}

/** The commission on the base left after refunds, on the kept terms, or on terms `choose` picks now. */
function withCommission(state: SaleState, choose?: TermsChooser): SaleState {
  if (state.influencerId === null || state.baseMinor === null) return { ...state, commissionMinor: null };
  const s = choose ? withTerms(state, choose(state)) : state;
  return { ...s, commissionMinor: commissionOnTerms(termsOf(s), (s.baseMinor ?? 0n) - s.refundedMinor) };
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
  return { ...s, dealId: t.dealId, commissionRatePpm: t.ratePpm, fixedCommissionMinor: t.fixedMinor, ratedBaseMinor: t.ratedBaseMinor, ratedCommissionPpm: t.ratedCommissionPpm };
}

function same(current: SaleState, next: SaleState, reason: string): SaleTransition {
  return { next: equalState(current, next) ? current : next, outcome: 'unchanged', notify: [], reason };
}

function earliest(a: Date, b: Date | undefined): Date {
  return b !== undefined && b.getTime() < a.getTime() ? b : a;
}

export function equalState(a: SaleState, b: SaleState): boolean {
  return (Object.keys(a) as (keyof SaleState)[]).every((k) => {
    const x = a[k];
    const y = b[k];
    return x instanceof Date && y instanceof Date ? x.getTime() === y.getTime() : x === y;
  });
}
