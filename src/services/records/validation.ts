import { invalid } from '../../errors.js';

/** Runs a pure validation rule and turns its RangeError into the `invalid` error of the vocabulary. */
export function check<T>(rule: () => T): T {
  try {
    return rule();
  } catch (err) {
    if (err instanceof RangeError || (err as Error).name === 'MoneyFormatError')
      throw invalid((err as Error).message, err);
    throw err;
  }
}

/** Applies `rule` to a value that was given, leaving undefined alone. */
export function optional<T>(value: string | undefined, rule: (v: string) => T): T | undefined {
  return value === undefined ? undefined : check(() => rule(value));
}
