import { Chalk, type ChalkInstance } from 'chalk';
import { isSealed } from '../store/secret-box.js';

/** How the user asked to see results. Resolved once from global flags and the terminal. */
export interface OutputOptions {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly color: boolean;
}

/** JSON with bigint as a string: money never passes through a float. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

/** Masks all but the last 4 characters of a secret; short secrets are masked whole. */
export function maskSecret(secret: string | null | undefined): string | null {
  if (secret === null || secret === undefined || secret === '') return null;
  if (isSealed(secret)) return '****(encrypted)';
  return secret.length <= 8 ? '****' : `****${secret.slice(-4)}`;
}

/** The one place that writes to stdout and stderr. */
export class Output {
  readonly c: ChalkInstance;
  constructor(
    readonly options: OutputOptions,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {
    this.c = new Chalk({ level: options.color ? 1 : 0 });
  }

  get json(): boolean {
    return this.options.json;
  }

  /** The command's result: one JSON document under --json, else the human rendering. */
  result(data: unknown, human: (c: ChalkInstance) => string): void {
    const text = this.options.json ? toJson(data) : human(this.c);
    if (text !== '') this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Progress and narration: stderr, so stdout stays clean for --json. */
  info(message: string): void {
    this.stderr.write(`${message}\n`);
  }

  warn(message: string): void {
    this.stderr.write(`${this.c.yellow('warning:')} ${message}\n`);
  }

  error(message: string): void {
    this.stderr.write(`${this.c.red('error:')} ${message}\n`);
  }
}

/** Whether colour is wanted: a TTY, no NO_COLOR, and not switched off by a flag. */
export function wantsColor(stream: NodeJS.WriteStream, noColor: boolean, flag: boolean | undefined): boolean {
  if (flag === false || noColor) return false;
  return Boolean(stream.isTTY);
}

/** A plain text table with aligned columns. */
export function table(headers: string[], rows: string[][], c: ChalkInstance): string {
  if (rows.length === 0) return c.dim('(none)');
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [c.bold(line(headers)), ...rows.map(line)].join('\n');
}
