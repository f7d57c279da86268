import { describe, expect, it } from 'vitest';
import { checkCron, runSchedule, type ScheduleLogEntry } from '../../src/services/jobs/schedule.js';

describe('runSchedule', () => {
  it('runs jobs on their expressions, logs each run, survives a failure and stops cleanly', async () => {
    const log: ScheduleLogEntry[] = [];
    const controller = new AbortController();
    let finishedSlowRun = false;
    const done = runSchedule({
      jobs: [
        {
          name: 'validate',
          cron: '* * * * * *',
          run: async (asOf) => {
            await new Promise((r) => setTimeout(r, 300));
            finishedSlowRun = true;
            return { validated: 0, as_of: asOf.toISOString() };
          },
        },
        {
          name: 'payout',
          cron: '* * * * * *',
          run: async () => {
            throw new Error('database unreachable');
          },
        },
      ],
      timezone: 'UTC',
      signal: controller.signal,
      log: (entry) => {
        log.push(entry);
        // Stop while the next validate run is in flight: it must finish before runSchedule resolves.
        if (log.filter((e) => e.event === 'run').length === 2) setTimeout(() => controller.abort(), 1100);
      },
    });
    const summary = await done;
    expect(finishedSlowRun).toBe(true);
    expect(log[0]).toMatchObject({
      event: 'started',
      timezone: 'UTC',
      jobs: [{ job: 'validate', cron: '* * * * * *' }, { job: 'payout' }],
    });
    expect(log.at(-1)).toEqual({ time: expect.any(String), event: 'stopped', ...summary });
    const runs = log.filter((e) => e.event === 'run');
    expect(runs.length).toBe(summary.runs);
    expect(summary.failures).toBeGreaterThanOrEqual(1);
    expect(runs.find((e) => e.job === 'validate')).toMatchObject({ ok: true, result: { validated: 0 } });
    expect(runs.find((e) => e.job === 'payout')).toMatchObject({ ok: false, error: 'database unreachable' });
    for (const entry of log) expect(JSON.parse(JSON.stringify(entry))).toEqual(entry);
  });

  it('resolves at once when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const log: ScheduleLogEntry[] = [];
    await expect(
      runSchedule({
        jobs: [{ name: 'validate', cron: '0 3 * * *', run: async () => 1 }],
        signal: controller.signal,
        log: (e) => log.push(e),
      }),
    ).resolves.toEqual({ runs: 0, failures: 0 });
    expect(log.map((e) => e.event)).toEqual(['started', 'stopped']);
  });

  it('rejects a bad expression as a usage error', () => {
    expect(() => checkCron('0 3 * *', '--validate-cron')).toThrow(
      expect.objectContaining({ code: 'usage', message: expect.stringMatching(/--validate-cron/) }),
    );
    expect(() => checkCron('61 * * * *', '--payout-cron')).toThrow(expect.objectContaining({ code: 'usage' }));
    expect(() => checkCron('0 9 * * 5', '--payout-cron')).not.toThrow();
  });
});
