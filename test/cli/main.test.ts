import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { VERSION } from '../../src/core/version.js';
import { testContext } from '../helpers/context.js';

describe('tidemark CLI', () => {
  it('prints help and version', async () => {
    const ctx = testContext();
    expect(await runCli(['--help'], ctx)).toBe(0);
    for (const command of ['import', 'inspect', 'run', 'demo', 'serve-demo']) expect(ctx.out()).toContain(command);
    const v = testContext();
    expect(await runCli(['--version'], v)).toBe(0);
    expect(v.out().trim()).toBe(VERSION);
  });

  it('every command has its own --help', async () => {
    for (const command of ['import', 'inspect', 'run', 'demo', 'serve-demo']) {
      const ctx = testContext();
      expect(await runCli([command, '--help'], ctx)).toBe(0);
      expect(ctx.out()).toMatch(new RegExp(`^Usage: tidemark ${command}`));
    }
  });

  it('an unknown command exits 2 with one line and the closest spelling', async () => {
    const ctx = testContext();
    expect(await runCli(['imprt', 'x.log'], ctx)).toBe(2);
    expect(ctx.err()).toBe('tidemark: unknown command "imprt" (did you mean "import"?); see tidemark --help\n');
  });

  it('an unknown option exits 2 with the closest spelling and no stack trace', async () => {
    const ctx = testContext();
    expect(await runCli(['run', 'm.json', '--targt', 'http://x'], ctx)).toBe(2);
    expect(ctx.err()).toMatch(/unknown option --targt \(did you mean --target\?\)/);
    expect(ctx.err()).not.toMatch(/\n\s+at /);
  });

  it('a missing input exits 2 naming the file; --debug adds the stack', async () => {
    const ctx = testContext();
    expect(await runCli(['import', 'no-such-file.log', '-o', '/tmp/x.json'], ctx)).toBe(2);
    expect(ctx.err()).toMatch(/no-such-file\.log/);
    expect(ctx.err()).not.toMatch(/\n\s+at /);
    const debug = testContext();
    expect(await runCli(['import', 'no-such-file.log', '--debug'], debug)).toBe(2);
    expect(debug.err()).toMatch(/\n\s+at /);
  });

  it('an invalid profile lists every problem at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-cli-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ model: 'm.json', stages: [{ duration: 'soon', target: 'lots' }], thresholds: ['p95 < fast', 'error_rate < 1%'], colour: 'red' }));
    const ctx = testContext({ cwd: dir });
    expect(await runCli(['run', file, '--target', 'http://127.0.0.1:9'], ctx)).toBe(2);
    const err = ctx.err();
    expect(err).toMatch(/4 problems in the profile/);
    expect(err).toMatch(/\$\.colour: unknown field/);
    expect(err).toMatch(/\$\.stages\[0\]\.duration: "soon" is not a duration/);
    expect(err).toMatch(/\$\.stages\[0\]\.target: expected "Nx"/);
    expect(err).toMatch(/\$\.thresholds\[0\]: threshold "p95 < fast": "fast" is not a number .* at position 7/);
  });
});
