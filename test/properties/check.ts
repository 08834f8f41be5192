import fc from 'fast-check';

/** Long strings in a counterexample, cut for the report (a 300 KB field helps nobody). */
function shorten(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' && v.length > 240 ? `${v.slice(0, 200)}…(${v.length} chars)…${v.slice(-40)}` : v)) ?? String(value);
}

/**
 * fc.assert with a fixed seed and a bounded number of runs, failing with a short message: the
 * seed and path to replay the case, the (shortened) counterexample and the error it raised.
 */
export function checkProperty<Ts>(property: fc.IProperty<Ts>, seed: number, numRuns: number): void {
  const details = fc.check(property, { seed, numRuns });
  if (!details.failed) return;
  const error = details.errorInstance;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  throw new Error(
    `property failed after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s)\n` +
      `  replay: { seed: ${details.seed}, path: ${JSON.stringify(details.counterexamplePath)} }\n` +
      `  counterexample: ${shorten(details.counterexample)}\n` +
      `  error: ${message.length > 2000 ? `${message.slice(0, 2000)}…` : message}`,
    { cause: error },
  );
}
