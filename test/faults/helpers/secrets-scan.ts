import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { BIN } from '../../helpers/cli.js';

/** One text that a person or a log collector could read: a command's stdout or stderr, a file. */
export interface Output {
  readonly name: string;
  readonly text: string;
  /** Secrets this output may show in full by contract (`endpoint add` prints its whsec_ once). */
  readonly allowed?: readonly string[];
}

/**
 * The forms a secret can leak in: as is, base64 / base64url, URL-encoded, hex. Any 12-character
 * window of it counts (a "masked" value that shows all but the last character is a leak); the
 * last 4 characters alone are what `****1234` masking is allowed to show.
 */
export function leakForms(secret: string): string[] {
  const forms = new Set<string>();
  for (let i = 0; i + 12 <= secret.length; i++) forms.add(secret.slice(i, i + 12));
  if (secret.length < 12) forms.add(secret);
  forms.add(encodeURIComponent(secret).slice(0, 16)).add(Buffer.from(secret).toString('hex').slice(0, 16));
  // Base64 inside longer text (`user:secret` in Basic auth) depends on the byte offset mod 3:
  // past its first 4 characters, the encoding of "a" × k + secret depends on the secret only.
  for (let k = 0; k < 3; k++) {
    for (const encoding of ['base64', 'base64url'] as const) {
      const e = Buffer.from('a'.repeat(k) + secret).toString(encoding);
      forms.add(k === 0 ? e.slice(0, 16) : e.slice(4, 20));
    }
  }
  return [...forms];
}

/** Every (output, secret) pair where the secret shows in any form. */
export function findLeaks(
  outputs: readonly Output[],
  secrets: Readonly<Record<string, string>>,
): { output: string; message: string }[] {
  const leaks: { output: string; message: string }[] = [];
  const forms = Object.entries(secrets).map(([what, secret]) => ({ what, secret, forms: leakForms(secret) }));
  for (const out of outputs) {
    for (const { what, secret, forms: list } of forms) {
      if (out.allowed?.includes(secret)) continue;
      const hit = list.find((f) => out.text.includes(f));
      if (hit) {
        const at = out.text.indexOf(hit);
        leaks.push({
          output: out.name,
          message: `${what} in ${out.name}: …${out.text.slice(Math.max(0, at - 60), at + hit.length + 20)}…`,
        });
      }
    }
  }
  return leaks;
}

/** Every file under a folder except the embedded database (where secrets are stored by design). */
export async function filesUnder(root: string, skip: readonly string[] = ['db']): Promise<Output[]> {
  const out: Output[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (skip.includes(relative(root, path))) continue;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile())
        out.push({ name: `file ${relative(root, path)}`, text: (await readFile(path)).toString('latin1') });
    }
  }
  await walk(root);
  return out;
}

/** Spawns the binary, lets it run for `ms`, then SIGTERM: for commands that run until stopped (`schedule`). */
export function runFor(
  args: string[],
  env: Record<string, string>,
  ms: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), ms);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
