import { expect, it } from 'vitest';
import { addCode, listCodes } from '../../src/services/records/codes.js';
import { linkCreator } from '../../src/services/records/creators.js';
import { addInfluencer, getInfluencer } from '../../src/services/records/influencers.js';
import { addMerchant, getMerchant, listMerchants, updateMerchant } from '../../src/services/records/merchants.js';
import { describeBackends } from '../helpers/db.js';

const SQLISH = "Robert'); DROP TABLE merchants;--";

describeBackends('operator records', (t) => {
  it('creates a merchant with defaults and stores SQL-looking text literally', async () => {
    const m = await addMerchant(t().db, { name: SQLISH });
    expect(m).toMatchObject({ name: SQLISH, currency: 'USD', commission_rate_ppm: 150000, hold_days: 14 });
    expect((await getMerchant(t().db, m.id)).name).toBe(SQLISH);
    expect((await listMerchants(t().db)).map((x) => x.id)).toContain(m.id);
  });

  it.each([
    [{ currency: 'ZZZ' }, /ISO 4217/],
    [{ currency: 'XXX' }, /ISO 4217/],
    [{ commissionRate: '101' }, /.+/],
    [{ commissionRate: '-1' }, /.+/],
    [{ commissionRate: 'abc' }, /.+/],
    [{ holdDays: '400' }, /hold days/],
    [{ storeUrl: 'javascript:alert(1)' }, /http/],
  ])('rejects %o and writes nothing', async (bad, message) => {
    const before = (await listMerchants(t().db)).length;
    await expect(addMerchant(t().db, { name: 'Bad', ...bad })).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringMatching(message),
    });
    expect((await listMerchants(t().db)).length).toBe(before);
  });

  it('updates only the given fields and rejects unknown ids', async () => {
    const m = await addMerchant(t().db, { name: 'Shop', currency: 'eur', commissionRate: '12.5' });
    expect(m.currency).toBe('EUR');
    expect(m.commission_rate_ppm).toBe(125000);
    const updated = await updateMerchant(t().db, m.id, { shopifySecret: 'shpss_abcdefgh', holdDays: '7' });
    expect(updated).toMatchObject({
      name: 'Shop',
      hold_days: 7,
      shopify_secret: 'shpss_abcdefgh',
      commission_rate_ppm: 125000,
    });
    await expect(updateMerchant(t().db, '00000000-0000-4000-8000-000000000000', { name: 'x' })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(getMerchant(t().db, 'not-a-uuid')).rejects.toMatchObject({ code: 'not_found' });
    await expect(updateMerchant(t().db, m.id, {})).rejects.toMatchObject({ code: 'usage' });
  });

  it('validates influencer payout details', async () => {
    const ok = await addInfluencer(t().db, {
      name: 'Mia',
      iban: 'de89 3704 0044 0532 0130 00',
      bic: 'cobadeffxxx',
      email: 'mia@example.com',
    });
    expect(ok).toMatchObject({ iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' });
    await expect(addInfluencer(t().db, { name: 'Bad', iban: 'DE89370400440532013001' })).rejects.toMatchObject({
      code: 'invalid',
    });
    await expect(addInfluencer(t().db, { name: 'Bad', email: 'not-an-email' })).rejects.toMatchObject({
      code: 'invalid',
    });
    await expect(addInfluencer(t().db, { name: '' })).rejects.toMatchObject({ code: 'invalid' });
    await expect(getInfluencer(t().db, ok.id)).resolves.toMatchObject({ name: 'Mia' });
  });

  it('links creators, refuses to steal one without --force, moves it with --force', async () => {
    const a = await addInfluencer(t().db, { name: 'A' });
    const b = await addInfluencer(t().db, { name: 'B' });
    const first = await linkCreator(t().db, { influencerId: a.id, creatorId: 'creator_1', username: '@GlowA' });
    expect(first).toMatchObject({ created: true, movedFrom: null, link: { username: 'glowa' } });
    await expect(linkCreator(t().db, { influencerId: b.id, creatorId: 'creator_1' })).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(
      linkCreator(t().db, { influencerId: b.id, creatorId: 'creator_2', username: 'glowa' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    // The refused link changed nothing.
    const again = await linkCreator(t().db, { influencerId: a.id, creatorId: 'creator_1' });
    expect(again).toMatchObject({ created: false, link: { influencer_id: a.id, username: 'glowa' } });
    const moved = await linkCreator(t().db, { influencerId: b.id, creatorId: 'creator_1', force: true });
    expect(moved).toMatchObject({ movedFrom: a.id, link: { influencer_id: b.id } });
    await expect(
      linkCreator(t().db, { influencerId: '00000000-0000-4000-8000-000000000000', creatorId: 'c' }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('keeps codes unique case-insensitively and generates 8-character codes', async () => {
    const i = await addInfluencer(t().db, { name: 'Coder' });
    const code = await addCode(t().db, { influencerId: i.id, code: 'mia15' });
    expect(code.code).toBe('MIA15');
    await expect(addCode(t().db, { influencerId: i.id, code: 'Mia15' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(
      addCode(t().db, { influencerId: i.id, code: "x'; drop table tracking_codes;--" }),
    ).rejects.toMatchObject({ code: 'invalid' });
    await expect(addCode(t().db, { influencerId: i.id, code: 'A'.repeat(10000) })).rejects.toMatchObject({
      code: 'invalid',
    });
    const generated = await addCode(t().db, { influencerId: i.id });
    expect(generated.code).toMatch(/^[A-Z0-9]{8}$/);
    expect((await listCodes(t().db, { influencerId: i.id })).map((c) => c.code).sort()).toEqual(
      [generated.code, 'MIA15'].sort(),
    );
  });

  it('links many creators concurrently without losing one', async () => {
    const i = await addInfluencer(t().db, { name: 'Busy' });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, n) => linkCreator(t().db, { influencerId: i.id, creatorId: `busy_${n % 5}` })),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const rows = await t().db.selectFrom('creator_links').selectAll().where('influencer_id', '=', i.id).execute();
    expect(rows.length).toBe(5);
  });
});
