import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expandBraces, expandGlob, segmentToRegExp } from '../../src/sources/glob.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/sources/', import.meta.url));

describe('glob', () => {
  it.each([
    ['a{b,c}d', ['abd', 'acd']],
    ['{x,y}/{1,2}.log', ['x/1.log', 'x/2.log', 'y/1.log', 'y/2.log']],
    ['a{b,c{d,e}}f', ['abf', 'acdf', 'acef']],
    ['{single}', ['{single}']],
    ['plain', ['plain']],
  ])('expands braces in %s', (pattern, expected) => {
    expect(expandBraces(pattern)).toEqual(expected);
  });

  it.each([
    ['*.log', 'access.log', true],
    ['*.log', 'access.log.gz', false],
    ['access.log.?', 'access.log.1', true],
    ['access.log.[0-9]', 'access.log.7', true],
    ['access.log.[!0-9]', 'access.log.7', false],
    ['a+b(c).log', 'a+b(c).log', true],
    ['\\*.log', '*.log', true],
    ['\\*.log', 'x.log', false],
  ])('segment %s matches %s: %s', (segment, name, expected) => {
    expect(segmentToRegExp(segment).test(name)).toBe(expected);
  });

  it('walks directories with ** and keeps the pattern spelling', async () => {
    expect((await expandGlob('tree/*.log*', FIXTURES)).files).toEqual(['tree/a.log', 'tree/b.log.gz']);
    expect((await expandGlob('tree/**/*.log', FIXTURES)).files).toEqual(['tree/a.log', 'tree/sub/c.log']);
    expect((await expandGlob('tree/**', FIXTURES)).files).toEqual(['tree/a.log', 'tree/b.log.gz', 'tree/notes.txt', 'tree/sub/c.log']);
    expect((await expandGlob('tree/.*.log', FIXTURES)).files).toEqual(['tree/.hidden.log']);
    expect((await expandGlob('tree/{a,sub/c}.log', FIXTURES)).files).toEqual(['tree/a.log', 'tree/sub/c.log']);
    expect((await expandGlob(`${FIXTURES}tree/*.log`, '/')).files).toEqual([`${FIXTURES}tree/a.log`]);
  });

  it('counts matched directories so that an error can say so', async () => {
    expect(await expandGlob('tre?', FIXTURES)).toEqual({ files: [], directories: 1 });
    expect(await expandGlob('nothing/*.log', FIXTURES)).toEqual({ files: [], directories: 0 });
  });
});
