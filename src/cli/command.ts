import type { RunContext } from '../core/context.js';
import type { CommandSpec, ParsedArgs } from './args.js';

/** A CLI command: its spec (options, help) and its handler, which returns the exit code. */
export interface Command {
  spec: CommandSpec;
  handler: (args: ParsedArgs, ctx: RunContext) => Promise<number>;
}
