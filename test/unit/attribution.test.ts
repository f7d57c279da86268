import { describe, expect, it } from 'vitest';
import { attribute, extractTrackCodes, lookupKeys } from '../../src/domain/attribution.js';
import type { AttributionLookup } from '../../src/domain/attribution.js';
import type { AttributionHint } from '../../src/domain/order-event.js';

const lookup: AttributionLookup = {
  creatorsById: new Map([['tiktok_creator_123', 'inf-creator']]),
  creatorsByUsername: new Map([['glowwithmia', 'inf-mia']]),
  codes: new Map([
    ['ABC12345', { influencerId: 'inf-abc', merchantId: null }],
    ['ZX9Q77', { influencerId: 'inf-zx', merchantId: null }],
    ['MINE', { influencerId: 'inf-mine', merchantId: 'm-1' }],
    ['CLICKED', { influencerId: 'inf-click', merchantId: null }],
  ]),
  clicks: new Map([
    ['click-1', { code: 'clicked' }],
    ['click-orphan', { code: 'GONE' }],
  ]),
};

const h = (method: AttributionHint['method'], value: string): AttributionHint => ({ method, value });

describe('extractTrackCodes', () => {
  it.each([
    ['TRACK:ABC12345', ['ABC12345']],
    ['thanks! track:zx9q77', ['ZX9Q77']],
    ['Track: ABC12345 please', ['ABC12345']],
    ['line one\nTRACK:\n  ZX9Q77\r\nbye', ['ZX9Q77']],
    ['TRACK:A_B-1, TRACK:c2 and TRACK:A_B-1', ['A_B-1', 'C2']],
    ['SIDETRACK:NOPE', []],
    ['TRACK: ', []],
    ['no token here', []],
  ])('%j → %j', (text, codes) => {
    expect(extractTrackCodes(text)).toEqual(codes);
  });
});

describe('lookupKeys', () => {
  it('collects normalized keys per kind, including TRACK tokens', () => {
    const keys = lookupKeys([
      h('creator_id', ' tiktok_creator_123 '),
      h('creator_username', '@GlowWithMia'),
      h('promo_code', 'abc12345'),
      h('ref', 'Zx9q77'),
      h('utm_source', 'instagram'),
      h('utm_campaign', 'abc12345'),
      h('track_message', 'hi TRACK:qqq1 and track:ABC12345'),
      h('click', 'click-1'),
    ]);
    expect(keys).toEqual({
      creatorIds: ['tiktok_creator_123'],
      usernames: ['glowwithmia'],
      codes: ['ABC12345', 'ZX9Q77', 'INSTAGRAM', 'QQQ1'],
      clickIds: ['click-1'],
    });
  });
});

describe('attribute', () => {
  it('prefers a linked creator over any code', () => {
    const hints = [h('promo_code', 'ABC12345'), h('creator_id', 'tiktok_creator_123')];
    expect(attribute('m-1', hints, lookup)).toEqual({
      influencerId: 'inf-creator',
      method: 'creator_id',
      value: 'tiktok_creator_123',
    });
  });

  it('matches a creator username without @ and case-insensitively', () => {
    expect(attribute('m-1', [h('creator_username', '@GlowWithMia')], lookup)).toEqual({
      influencerId: 'inf-mia',
      method: 'creator_username',
      value: 'glowwithmia',
    });
  });

  it('ranks promo over utm over TRACK, whatever the source order (enriched-promo-code)', () => {
    const hints = [h('track_message', 'TRACK:ZX9Q77'), h('utm_source', 'ZX9Q77'), h('promo_code', 'abc12345')];
    expect(attribute('m-1', hints, lookup)).toEqual({
      influencerId: 'inf-abc',
      method: 'promo_code',
      value: 'ABC12345',
    });
  });

  it('falls through hints that match nothing', () => {
    const hints = [
      h('creator_id', 'unknown'),
      h('promo_code', 'WELCOME10'),
      h('utm_source', 'tiktok'),
      h('track_message', 'TRACK:nope TRACK:zx9q77'),
    ];
    expect(attribute('m-1', hints, lookup)).toEqual({
      influencerId: 'inf-zx',
      method: 'track_message',
      value: 'ZX9Q77',
    });
  });

  it('keeps the source order within a rank (stable)', () => {
    expect(attribute('m-1', [h('ref', 'ZX9Q77'), h('promo_code', 'ABC12345')], lookup)?.value).toBe('ZX9Q77');
    expect(attribute('m-1', [h('utm_campaign', 'ZX9Q77'), h('utm_source', 'ABC12345')], lookup)?.value).toBe('ZX9Q77');
  });

  it('matches a merchant-bound code only on that merchant', () => {
    expect(attribute('m-1', [h('promo_code', 'mine')], lookup)?.influencerId).toBe('inf-mine');
    expect(attribute('m-2', [h('promo_code', 'mine')], lookup)).toBeUndefined();
    expect(attribute('m-2', [h('promo_code', 'mine'), h('utm_source', 'abc12345')], lookup)?.method).toBe('utm_source');
  });

  it('attributes a known click through its code', () => {
    expect(attribute('m-1', [h('click', 'click-1')], lookup)).toEqual({
      influencerId: 'inf-click',
      method: 'click',
      value: 'CLICKED',
      clickId: 'click-1',
    });
    expect(attribute('m-1', [h('click', 'click-unknown')], lookup)).toBeUndefined();
    expect(attribute('m-1', [h('click', 'click-orphan')], lookup)).toBeUndefined();
  });

  it('returns undefined with no hints or blank ones', () => {
    expect(attribute('m-1', [], lookup)).toBeUndefined();
    expect(
      attribute('m-1', [h('promo_code', '  '), h('creator_id', ''), h('track_message', 'TRACK:')], lookup),
    ).toBeUndefined();
  });
});
