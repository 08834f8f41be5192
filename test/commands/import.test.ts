import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { importModel } from '../../src/commands/import.js';
import { readRecords } from '../../src/commands/read-records.js';
import { ModelBuilder } from '../../src/model/builder.js';
import { testContext } from '../helpers/context.js';

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function line(timeMs: number, path: string, client = '203.0.113.7'): string {
  const d = new Date(timeMs);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
  return `${client} - - [${stamp}] "GET ${path} HTTP/1.1" 200 100 "-" "test"`;
}

describe('tidemark import', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tidemark-import-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const write = (name: string, lines: string[]): string => {
    writeFileSync(join(tmp, name), `${lines.join('\n')}\n`);
    return name;
  };
  /** 100 lines of which `bad` (a divisor of 100) are junk, evenly spread: lines 2, 2 + 100/bad, ... */
  const withJunk = (name: string, bad: number): string =>
    write(name, Array.from({ length: 100 }, (_, i) => (i % (100 / bad) === 1 ? `junk ${i}` : line(T0 + i * 1000, `/p/${i % 5}`))));

  it('builds one model from three interleaved files (one per node) without losing any record', async () => {
    const files = ['alb-a.log', 'alb-b.log', 'alb-c.log'].map((name, n) => {
      const lines: string[] = [];
      for (let t = n * 1000; t < 900_000; t += 3000) lines.push(line(T0 + t, `/api/items/${(t / 1000) % 30}`, `198.51.100.${n + 1}`));
      return write(name, lines);
    });
    const { model } = await importModel(files, {}, testContext({ cwd: tmp }));
    expect(model.totals).toEqual({ requests: 900, rejected: 0, lines: 900 });
    expect(model.provenance.rejected).toEqual({});
    expect(model.sessions.count).toBe(3);
    // Read one after another, the files are 15 minutes apart at each boundary: beyond the
    // builder's 120 s reorder window, so most of the second and third are lost.
    const sequential = await readRecords(files, { order: 'input' }, { cwd: tmp, stdin: testContext().stdin });
    const builder = new ModelBuilder({ tidemarkVersion: 'test' });
    for await (const batch of sequential.batches) for (const record of batch) builder.add(record);
    const lost = builder.finish().provenance.rejected['out of order']?.count ?? 0;
    expect(lost).toBeGreaterThan(500);
  });

  it('fails with exit 2, the counts by reason and examples, and writes nothing, when more than --max-rejects is rejected', async () => {
    const file = withJunk('junk-20.log', 20);
    const ctx = testContext({ cwd: tmp });
    const code = await runCli(['import', file, '-o', 'm20.json'], ctx);
    expect(code).toBe(2);
    expect(existsSync(join(tmp, 'm20.json'))).toBe(false);
    expect(ctx.err()).toContain('junk-20.log: combined:');
    expect(ctx.err()).toContain('tidemark: 20 of 100 lines were rejected (20%), more than --max-rejects allows (10%); nothing was written');
    expect(ctx.err()).toContain('  - 20 × does not match format (e.g. junk-20.log:2, junk-20.log:7, junk-20.log:12, junk-20.log:17, junk-20.log:22)');
    expect(ctx.err()).toMatch(/hint: .*tidemark parse.*--max-rejects/);

    const allowed = testContext({ cwd: tmp });
    expect(await runCli(['import', file, '-o', 'm20.json', '--max-rejects', '0.25'], allowed)).toBe(0);
    expect(JSON.parse(readFileSync(join(tmp, 'm20.json'), 'utf8')).totals).toEqual({ requests: 80, rejected: 20, lines: 100 });
    expect(allowed.err()).toContain('rejected 20 × does not match format');
  });

  it('accepts up to the default 10%, and --max-rejects 0 forbids any', async () => {
    const one = withJunk('junk-1.log', 1);
    expect(await runCli(['import', one, '-o', 'm1.json'], testContext({ cwd: tmp }))).toBe(0);
    const strict = testContext({ cwd: tmp });
    expect(await runCli(['import', one, '-o', 'm0.json', '--max-rejects', '0'], strict)).toBe(2);
    expect(strict.err()).toContain('1 of 100 lines were rejected (1%), more than --max-rejects allows (0%)');
    expect(existsSync(join(tmp, 'm0.json'))).toBe(false);
  });

  it('checks --max-rejects up front', async () => {
    const ctx = testContext({ cwd: tmp });
    expect(await runCli(['import', 'does-not-matter.log', '--max-rejects', '5'], ctx)).toBe(2);
    expect(ctx.err()).toContain('--max-rejects 5: expected a share between 0 and 1');
    expect(ctx.err()).toContain('for 5% write --max-rejects 0.05');
  });

  it('lists --max-rejects and --s3-endpoint in its help', async () => {
    const ctx = testContext();
    expect(await runCli(['import', '--help'], ctx)).toBe(0);
    expect(ctx.out()).toMatch(/--max-rejects SHARE .*\(default: 0\.1\)/);
    expect(ctx.out()).toMatch(/--s3-endpoint URL .*AWS_ENDPOINT_URL_S3/);
  });
});
