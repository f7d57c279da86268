import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { usage } from '../errors.js';
import type { Output } from './output.js';
import { secretPrompt } from './prompt.js';

/**
 * A flag that takes a secret: `--x SECRET` (works, but warns: argv shows in `ps` and shell
 * history), `--x -` (one line from stdin), `--x-file PATH`, or a bare `--x` (asked for with
 * hidden input on a TTY). The value never has to appear in argv.
 */
export interface SecretFlag {
  /** `--shopify-secret` */
  readonly flag: string;
  /** What to call it in a prompt or an error: "Shopify secret". */
  readonly label: string;
}

/** Adds `--x [secret]` and `--x-file <path>` to a command. */
export function secretOption(command: Command, spec: SecretFlag, description: string): Command {
  return command
    .addOption(new Option(`${spec.flag} [secret]`, `${description}; - reads it from stdin, bare asks for it (hidden)`))
    .addOption(new Option(`${spec.flag}-file <path>`, `read ${spec.label} from a file (one line)`));
}

const attribute = (flag: string): string =>
  flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The secrets the flags give, by commander attribute (`shopifySecret`); absent flags stay absent.
 * At most one secret can come from stdin (`-`).
 */
export async function resolveSecrets(
  flags: Record<string, unknown>,
  specs: readonly SecretFlag[],
  out: Output,
): Promise<Record<string, string>> {
  const fromStdin = specs.filter((s) => flags[attribute(s.flag)] === '-');
  if (fromStdin.length > 1)
    throw usage(
      `only one secret can come from stdin (-): use ${fromStdin.map((s) => `${s.flag}-file PATH`).join(' or ')} for the others`,
    );
  const resolved: Record<string, string> = {};
  for (const spec of specs) {
    const value = await resolveSecret(flags[attribute(spec.flag)], flags[attribute(`${spec.flag}-file`)], spec, out);
    if (value !== undefined) resolved[attribute(spec.flag)] = value;
  }
  return resolved;
}

async function resolveSecret(
  value: unknown,
  file: unknown,
  spec: SecretFlag,
  out: Output,
): Promise<string | undefined> {
  if (value !== undefined && file !== undefined) throw usage(`give ${spec.flag} or ${spec.flag}-file, not both`);
  if (typeof file === 'string') return oneLine(await readSecretFile(file, spec), `${spec.flag}-file ${file}`);
  if (value === undefined) return undefined;
  if (value === true || value === '-') {
    if (process.stdin.isTTY && !out.json) return secretPrompt(spec.label);
    if (value === true)
      throw usage(`${spec.flag} needs a value: pass - to read it from stdin, or ${spec.flag}-file PATH`);
    return oneLine(await readStdinLine(), `${spec.flag} - (stdin)`);
  }
  out.warn(
    `${spec.flag} given on the command line shows in \`ps\` and shell history: prefer ${spec.flag}-file PATH or ${spec.flag} - (stdin)`,
  );
  return String(value);
}

async function readSecretFile(path: string, spec: SecretFlag): Promise<string> {
  try {
    return decodeUtf8(await readFile(path), `${spec.flag}-file ${path}`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined) throw err;
    throw usage(`cannot read ${spec.flag}-file ${path} (${code}): give a readable file holding ${spec.label}`);
  }
}

/** Reads stdin up to the first newline (or its end), then lets it go. */
async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    if (chunk.includes(0x0a)) break;
  }
  return decodeUtf8(Buffer.concat(chunks), 'stdin');
}

function decodeUtf8(bytes: Buffer, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw usage(`${what} is not valid UTF-8 text`);
  }
}

/** The first line, without its line ending; empty is an error naming where it came from. */
function oneLine(text: string, where: string): string {
  const line = (text.split('\n')[0] ?? '').replace(/\r$/, '').trim();
  if (line === '') throw usage(`${where} gave an empty secret`);
  return line;
}
