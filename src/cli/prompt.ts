import { usage } from '../errors.js';

export interface PromptContext {
  readonly json: boolean;
}

/**
 * Returns `value`, or asks for it when stdin is a TTY and not under --json; otherwise a usage
 * error naming the flag. @inquirer/prompts without a TTY swallows piped input and exits 0,
 * so it is never reached then.
 */
export async function required(
  value: string | undefined,
  flag: string,
  message: string,
  ctx: PromptContext,
): Promise<string> {
  if (value !== undefined && value !== '') return value;
  if (!process.stdin.isTTY || ctx.json) {
    throw usage(`missing required option ${flag}`);
  }
  const { input } = await import('@inquirer/prompts');
  const answer = await input({ message, validate: (v) => (v.trim() === '' ? `${message} is required` : true) });
  return answer.trim();
}

/** Asks for a secret with hidden input; only called on a TTY and never under --json. */
export async function secretPrompt(label: string): Promise<string> {
  const { password } = await import('@inquirer/prompts');
  const answer = await password({ message: label, validate: (v) => (v.trim() === '' ? `${label} is required` : true) });
  return answer.trim();
}
