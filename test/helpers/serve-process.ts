import { spawn } from 'node:child_process';
import { BIN } from './cli.js';

export interface ServeProcess {
  readonly url: string;
  readonly pid: number;
  /** SIGTERM, then waits for the exit; returns its code and everything it logged. */
  stop(): Promise<{ code: number | null; stderr: string }>;
}

/** Spawns the built `tracknow serve --port 0` and waits for "tracknow listening on URL". */
export function spawnServe(env: Record<string, string>, timeoutMs = 30_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tracknow serve did not start in ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const m = /tracknow listening on (http:\/\/\S+)/.exec(stderr);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: m[1]!,
        pid: child.pid!,
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          return { code: await exited, stderr };
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`tracknow serve exited (${code}) before listening:\n${stderr}`));
    });
  });
}
