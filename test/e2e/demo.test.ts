import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

it('runs the main job end to end on a fresh embedded store', async () => {
  const home = await mkdtemp(join(tmpdir(), 'tracknow-demo-test-'));
  try {
    const r = await runCli(['demo', '--json'], { TRACKNOW_HOME: home, DATABASE_URL: '' });
    expect(r.code).toBe(0);
    const out = r.json();
    expect(out).toMatchObject({
      home,
      code: 'MIA15',
      validate: { validated: 2, credited: [{ currency: 'USD', amount: '56.33' }] },
    });
    expect(out.payout.payouts).toEqual([expect.objectContaining({ currency: 'USD', amount: '56.33' })]);
    expect(r.stderr).toContain('"commission":18.83');
    expect(r.stderr).not.toContain('tts_secret');
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
