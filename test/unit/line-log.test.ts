import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { lineLog } from '../../src/cli/line-log.js';

describe('lineLog: the request log, one write per event-loop turn', () => {
  it('writes the lines of one turn together, in order, on the next turn', async () => {
    const writes: string[] = [];
    const log = lineLog((text) => writes.push(text));
    log({ n: 1 });
    log({ n: 2, route: 'tiktok' });
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['{"n":1}\n{"n":2,"route":"tiktok"}\n']);
    log({ n: 3 });
    await nextTurn();
    expect(writes).toEqual(['{"n":1}\n{"n":2,"route":"tiktok"}\n', '{"n":3}\n']);
  });

  it('writes what is still held when the process exits', () => {
    const writes: string[] = [];
    let exit = () => {};
    const log = lineLog(
      (text) => writes.push(text),
      (flush) => (exit = flush),
    );
    log({ last: true });
    exit();
    expect(writes).toEqual(['{"last":true}\n']);
  });
});
