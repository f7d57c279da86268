/** One top-level command as the top-level help lists it. */
export interface CommandSummary {
  readonly name: string;
  /** Its term in the command list, e.g. `link-creator [options]`. */
  readonly term: string;
  readonly description: string;
}

/**
 * The top-level commands in the order program.ts registers them, as the build read them off the
 * full program. scripts/bundle-bin.mjs replaces this module in the bundled CLI, which then
 * registers only the command it runs and lists the others from here. Undefined in the source
 * tree (tests): the program registers every command.
 */
export const COMMAND_SUMMARIES: readonly CommandSummary[] | undefined = undefined;
