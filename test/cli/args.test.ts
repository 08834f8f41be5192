import { describe, expect, it } from 'vitest';
import { closest, editDistance, parseArgs, renderCommandHelp, type CommandSpec } from '../../src/cli/args.js';

const spec: CommandSpec = {
  name: 'run',
  summary: 'x',
  usage: 'tidemark run <input>',
  positionals: [1, 1],
  options: [
    { name: 'scale', short: 's', type: 'number', description: 'multiplier' },
    { name: 'duration', type: 'duration', description: 'length' },
    { name: 'threshold', type: 'list', description: 'SLA' },
    { name: 'warm-start', type: 'boolean', description: 'warm' },
    { name: 'target', type: 'string', description: 'url' },
  ],
};

describe('parseArgs', () => {
  it('reads typed options, short forms, = forms, lists and --no-', () => {
    const args = parseArgs(spec, ['m.json', '-s', '3', '--duration=1m30s', '--threshold', 'p95 < 1s', '--threshold', 'error_rate < 1%', '--no-warm-start', '--target', 'http://x']);
    expect(args.positionals).toEqual(['m.json']);
    expect(args.options).toEqual({ scale: 3, duration: 90_000, threshold: ['p95 < 1s', 'error_rate < 1%'], 'warm-start': false, target: 'http://x' });
  });
  it('suggests the closest spelling for an unknown option', () => {
    expect(() => parseArgs(spec, ['m.json', '--scael', '3'])).toThrow(/unknown option --scael \(did you mean --scale\?\)/);
    expect(() => parseArgs(spec, ['m.json', '--zzzzzzzz'])).toThrow(/unknown option --zzzzzzzz$/);
  });
  it('rejects bad values and wrong argument counts', () => {
    expect(() => parseArgs(spec, ['m.json', '--scale', 'lots'])).toThrow(/--scale: "lots" is not a number/);
    expect(() => parseArgs(spec, ['m.json', '--duration', 'soon'])).toThrow(/not a duration/);
    expect(() => parseArgs(spec, ['m.json', '--scale'])).toThrow(/--scale needs a value/);
    expect(() => parseArgs(spec, [])).toThrow(/missing argument/);
    expect(() => parseArgs(spec, ['a', 'b'])).toThrow(/unexpected argument "b"/);
    expect(parseArgs(spec, ['--help']).options.help).toBe(true);
  });
  it('treats - as a positional (stdin)', () => {
    expect(parseArgs(spec, ['-']).positionals).toEqual(['-']);
  });
  it('renders help with every option', () => {
    const help = renderCommandHelp(spec);
    for (const name of ['--scale', '--duration', '--threshold', '--warm-start', '--target', '--help', '--debug']) expect(help).toContain(name);
  });
});

describe('closest', () => {
  it('finds near misses only', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(closest('imprt', ['import', 'inspect', 'run'])).toBe('import');
    expect(closest('rn', ['import', 'inspect', 'run'])).toBe('run');
    expect(closest('xyzzy', ['import', 'inspect', 'run'])).toBeUndefined();
  });
});
