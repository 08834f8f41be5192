import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { repeatPath } from '../../src/commands/repeat.js';
import { testContext } from '../helpers/context.js';
import { smallModel } from '../helpers/models.js';
import { delayed, startTestServer, type TestServer } from '../helpers/servers.js';

let target: TestServer | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

describe('--repeat', () => {
  it('runs N times, writes each run and the median run, and judges the median', async () => {
    target = await startTestServer(delayed(3));
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-repeat-'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify(smallModel()));
    const ctx = testContext({ cwd: dir });
    const code = await runCli(['run', 'model.json', '--target', target.url, '--rate', '40', '--duration', '1s', '--repeat', '3', '--threshold', 'p95 < 1s', '--out', 'r.json'], ctx);
    expect(code).toBe(0);
    for (const i of [1, 2, 3]) expect(existsSync(join(dir, `r-${i}.json`))).toBe(true);
    const median = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    const runs = [1, 2, 3].map((i) => JSON.parse(readFileSync(join(dir, `r-${i}.json`), 'utf8')));
    const p95s = runs.map((r) => r.overall.latencyMs.p95).sort((a, b) => a - b);
    expect(median.overall.latencyMs.p95).toBe(p95s[1]);
    expect(ctx.out()).toMatch(/median/);
    expect(repeatPath('results.json', 2)).toBe('results-2.json');
    expect(repeatPath('out/res', 3)).toBe('out/res-3');
  }, 30_000);
});
