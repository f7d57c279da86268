/** What the benchmarks share about the processes they measure: CPU and memory from /proc, `serve`, the order they send. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TICK_MS = 10; // USER_HZ 100 on Linux

/** utime + stime (+ reaped children's, `withChildren`) of a live process from /proc, in ms; null if unreadable. */
export function procCpuMs(pid: number | undefined, withChildren = false): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(f[11]) + Number(f[12]);
    return (withChildren ? own + Number(f[13]) + Number(f[14]) : own) * TICK_MS;
  } catch {
    return null;
  }
}

/** Peak resident set of a live process, from /proc (Linux); null elsewhere. */
export function peakRssMb(pid: number | undefined): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/**
 * Spawns `tracknow serve --port 0` with `env` and waits for its address. BENCH_SERVE_NODE_ARGS:
 * node flags for serve, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it.
 */
export async function startServe(env: NodeJS.ProcessEnv): Promise<{ server: ChildProcess; url: string }> {
  const bin = fileURLToPath(new URL('../bin/tracknow.js', import.meta.url));
  const nodeArgs = process.env.BENCH_SERVE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const server = spawn(process.execPath, [...nodeArgs, bin, 'serve', '--port', '0'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    server.stderr!.setEncoding('utf8').on('data', (d: string) => {
      seen += d;
      const m = /listening on (http:\/\/\S+)/.exec(seen);
      if (m) resolve(m[1]!);
    });
    server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${seen}`)));
  });
  server.removeAllListeners('exit');
  server.stderr!.removeAllListeners('data').resume(); // request logs: drained, not kept
  return { server, url };
}

/** A paid TikTok order by the linked creator `bench_creator`: 125.50 USD, 18.83 commission at 15%. */
export const tiktokOrderBody = (orderId: string, timestamp: number): string =>
  JSON.stringify({
    type: 'ORDER_STATUS_CHANGE',
    timestamp,
    data: {
      order_id: orderId,
      order_status: 111,
      payment: { total_amount: 12550, currency: 'USD' },
      creator_info: { creator_id: 'bench_creator' },
    },
  });
