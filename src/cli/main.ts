import { ExitCode } from '../core/exit-codes.js';
import { describeError, isTidemarkError } from '../core/errors.js';
import { systemClock } from '../core/clock.js';
import type { RunContext } from '../core/context.js';
import { VERSION } from '../core/version.js';
import { closest, parseArgs, renderCommandHelp } from './args.js';
import { COMMANDS } from './commands.js';

function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length));
  return [
    `tidemark ${VERSION}: learn real traffic from access logs, replay it at a multiple of the peak, judge it against SLAs.`,
    '',
    'Usage: tidemark <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}  ${c.spec.summary}`),
    '',
    'Run `tidemark <command> --help` for its options. Start with `tidemark demo`.',
    'Exit codes: 0 pass, 1 unexpected failure, 2 usage or invalid input, 99 thresholds failed, 130 interrupted.',
    '',
  ].join('\n');
}

/**
 * Runs one command line against a context and returns the exit code. Never throws: user
 * errors become a message and exit 2, anything else exit 1 (stack with --debug only).
 */
export async function runCli(argv: readonly string[], ctx: RunContext): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(globalHelp());
    return name === undefined ? ExitCode.INVALID : ExitCode.OK;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    ctx.stdout.write(`${VERSION}\n`);
    return ExitCode.OK;
  }
  const command = COMMANDS.find((c) => c.spec.name === name);
  const debug = ctx.debug || rest.includes('--debug');
  try {
    if (!command) {
      const suggestion = closest(name, COMMANDS.map((c) => c.spec.name));
      ctx.stderr.write(`tidemark: unknown command "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; see tidemark --help\n`);
      return ExitCode.INVALID;
    }
    const args = parseArgs(command.spec, rest);
    if (args.options.help) {
      ctx.stdout.write(renderCommandHelp(command.spec));
      return ExitCode.OK;
    }
    return await command.handler(args, { ...ctx, debug });
  } catch (err) {
    if (isTidemarkError(err)) {
      ctx.stderr.write(`tidemark: ${err.message}\n`);
      for (const problem of err.problems) ctx.stderr.write(`  - ${problem}\n`);
      if (err.hint) ctx.stderr.write(`  hint: ${err.hint}\n`);
      if (debug && err.stack) ctx.stderr.write(`${err.stack}\n`);
      return err.code === 'E_INTERNAL' ? ExitCode.UNEXPECTED : ExitCode.INVALID;
    }
    ctx.stderr.write(`tidemark: unexpected error: ${describeError(err)}\n`);
    if (debug && err instanceof Error && err.stack) ctx.stderr.write(`${err.stack}\n`);
    else ctx.stderr.write('  (run again with --debug for details, and please report it)\n');
    return ExitCode.UNEXPECTED;
  }
}

/** The process entry point: binds the context to the real process. */
export function main(): void {
  const controller = new AbortController();
  const urgent = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(`\ntidemark: ${signal}: stopping, draining in-flight requests and writing results (again to stop draining)\n`);
      controller.abort(new Error(`interrupted by ${signal}`));
    } else if (interrupts === 2) {
      process.stderr.write(`tidemark: ${signal}: cutting off what is in flight and writing results (again to exit at once)\n`);
      urgent.abort(new Error(`interrupted twice by ${signal}`));
      // Whatever happens, do not outlive the user's patience by more than a few seconds.
      setTimeout(() => process.exit(ExitCode.INTERRUPTED), 3_000).unref();
    } else {
      process.exit(ExitCode.INTERRUPTED);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const ctx: RunContext = {
    stdout: {
      write: (t) => void process.stdout.write(t),
      isTTY: process.stdout.isTTY === true,
      // Commands that print a lot (parse) wait for the pipe instead of queueing all of it in memory.
      whenDrained: () => (process.stdout.writableNeedDrain ? new Promise<void>((resolve) => process.stdout.once('drain', () => resolve())) : undefined),
    } as RunContext['stdout'],
    stderr: { write: (t) => void process.stderr.write(t), isTTY: process.stderr.isTTY === true },
    stdin: process.stdin,
    env: process.env,
    clock: systemClock,
    signal: controller.signal,
    urgent: urgent.signal,
    cwd: process.cwd(),
    debug: false,
  };
  // A reader that goes away (`tidemark parse … | head`) is not an error of ours.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(ExitCode.OK);
  });
  runCli(process.argv.slice(2), ctx).then(
    (code) => {
      process.exitCode = code;
      process.stdin.unref?.();
      // Exit once everything written has reached stdout and stderr (a pipe may still hold a
      // lot of output); exiting is explicit because undici's pools and timers may linger.
      process.stdout.write('', () => process.stderr.write('', () => setTimeout(() => process.exit(code), 20).unref()));
    },
    (err: unknown) => {
      process.stderr.write(`tidemark: unexpected error: ${describeError(err)}\n`);
      process.exit(ExitCode.UNEXPECTED);
    },
  );
}
