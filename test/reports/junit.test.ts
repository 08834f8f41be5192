import { describe, expect, it } from 'vitest';
import { Recorder } from '../../src/metrics/recorder.js';
import { renderJunit, xmlEscape } from '../../src/reports/junit.js';
import { buildResults, type RunResults } from '../../src/reports/results.js';
import type { ThresholdResult } from '../../src/thresholds/evaluate.js';

/** A tiny, strict XML reader: elements, attributes, text; throws on anything malformed. */
interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    const value = ENTITIES[name];
    if (value === undefined) throw new Error(`unknown entity ${whole}`);
    return value;
  });
}

function parseXml(xml: string): XmlElement {
  let i = 0;
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/.exec(xml);
  if (!decl) throw new Error('missing XML declaration');
  i = decl[0].length;
  const name = /[A-Za-z_][\w.-]*/y;
  const skipSpace = (): void => {
    while (i < xml.length && /\s/.test(xml[i] as string)) i++;
  };
  function element(): XmlElement {
    if (xml[i] !== '<') throw new Error(`expected < at ${i}`);
    i++;
    name.lastIndex = i;
    const m = name.exec(xml);
    if (!m) throw new Error(`expected a tag name at ${i}`);
    i = name.lastIndex;
    const node: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
    for (;;) {
      skipSpace();
      if (xml.startsWith('/>', i)) {
        i += 2;
        return node;
      }
      if (xml[i] === '>') {
        i++;
        break;
      }
      name.lastIndex = i;
      const attr = name.exec(xml);
      if (!attr) throw new Error(`expected an attribute at ${i}: ${xml.slice(i, i + 20)}`);
      i = name.lastIndex;
      if (xml[i] !== '=' || xml[i + 1] !== '"') throw new Error(`expected ="…" at ${i}`);
      const end = xml.indexOf('"', i + 2);
      const raw = xml.slice(i + 2, end);
      if (/[<&](?![\w#]+;)/.test(raw) || raw.includes('<')) throw new Error(`unescaped character in attribute ${attr[0]}`);
      if (attr[0] in node.attrs) throw new Error(`duplicate attribute ${attr[0]}`);
      node.attrs[attr[0]] = decode(raw);
      i = end + 1;
    }
    for (;;) {
      const lt = xml.indexOf('<', i);
      if (lt < 0) throw new Error(`unclosed <${node.name}>`);
      const text = xml.slice(i, lt);
      if (/&(?![\w#]+;)/.test(text) || text.includes('>')) throw new Error(`unescaped character in <${node.name}> text`);
      node.text += decode(text);
      i = lt;
      if (xml.startsWith('</', i)) {
        const close = `</${node.name}>`;
        if (!xml.startsWith(close, i)) throw new Error(`expected ${close} at ${i}, found ${xml.slice(i, i + 20)}`);
        i += close.length;
        return node;
      }
      node.children.push(element());
    }
  }
  const root = element();
  if (xml.slice(i).trim() !== '') throw new Error('content after the root element');
  return root;
}

/** The common JUnit XML schema shape (Ant's JUnit.xsd, as Jenkins and GitLab read it). */
function validateJunit(root: XmlElement): string[] {
  const problems: string[] = [];
  const need = (el: XmlElement, attrs: string[]): void => {
    for (const a of attrs) if (!(a in el.attrs)) problems.push(`<${el.name}> lacks ${a}`);
  };
  const int = (el: XmlElement, a: string): number => {
    const v = el.attrs[a] ?? '';
    if (!/^\d+$/.test(v)) problems.push(`<${el.name} ${a}="${v}"> is not a count`);
    return Number(v);
  };
  if (root.name !== 'testsuites') problems.push(`root is <${root.name}>, not <testsuites>`);
  const suites = root.children.filter((c) => c.name === 'testsuite');
  if (suites.length !== root.children.length) problems.push('<testsuites> holds something other than <testsuite>');
  for (const suite of suites) {
    need(suite, ['name', 'tests', 'failures', 'errors', 'time', 'timestamp', 'hostname']);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(suite.attrs.timestamp ?? '')) problems.push('timestamp is not an xs:dateTime without zone');
    if (!/^\d+(\.\d+)?$/.test(suite.attrs.time ?? '')) problems.push('time is not a number of seconds');
    const order = suite.children.map((c) => c.name);
    const known = ['properties', 'testcase', 'system-out', 'system-err'];
    for (const n of order) if (!known.includes(n)) problems.push(`unexpected <${n}> in <testsuite>`);
    if (order[0] !== 'properties' || order.at(-2) !== 'system-out' || order.at(-1) !== 'system-err') problems.push('<testsuite> children out of schema order');
    for (const p of suite.children.find((c) => c.name === 'properties')?.children ?? []) {
      if (p.name !== 'property') problems.push(`<${p.name}> in <properties>`);
      need(p, ['name', 'value']);
    }
    const cases = suite.children.filter((c) => c.name === 'testcase');
    let failures = 0;
    for (const c of cases) {
      need(c, ['name', 'classname', 'time']);
      for (const f of c.children) {
        if (!['failure', 'error', 'skipped'].includes(f.name)) problems.push(`<${f.name}> in <testcase>`);
        if (f.name === 'failure') {
          failures++;
          need(f, ['message', 'type']);
        }
      }
    }
    if (int(suite, 'tests') !== cases.length) problems.push('tests does not count the test cases');
    if (int(suite, 'failures') !== failures) problems.push('failures does not count the failures');
    int(suite, 'errors');
  }
  return problems;
}

function results(thresholds: ThresholdResult[], partial = false): RunResults {
  const recorder = new Recorder(0);
  for (let i = 0; i < 10; i++) recorder.record({ endpointKey: 'GET /', stage: 'main', intendedMs: i * 100, sentMs: i * 100, endMs: i * 100 + 20, status: 200, failure: null, bytes: 10 });
  return buildResults({
    tidemarkVersion: '0.1.0',
    recorder,
    thresholds,
    target: 'http://127.0.0.1:8080',
    source: 'profiles/demo.json',
    knobs: { mode: 'model', scale: 3, speed: 1, window: 'peak', durationMs: 1000, seed: 1, warmStart: true, maxInFlight: 100, connections: null, description: 'peak' },
    stages: [{ name: 'main', startMs: 0, endMs: 1000 }],
    startedAtWallMs: Date.UTC(2026, 10, 27, 20, 0, 0, 123),
    endedAtWallMs: Date.UTC(2026, 10, 27, 20, 0, 31, 623),
    durationMs: 1000,
    targetSessionsPerSec: 1,
    meanSessionLength: 5,
    partial,
    partialReason: partial ? 'interrupted by SIGINT' : null,
    eventLoopDelayMs: { p50: 1, p99: 1, max: 1 },
  });
}

const THRESHOLDS: ThresholdResult[] = [
  { expression: 'p95 < 500ms', ok: true, actual: 212.4, actualText: '212.4ms', abortOnFail: false },
  { expression: 'error_rate < 1% in every 10s window', ok: false, actual: 0.034, actualText: '3.40% (worst window at 12s)', abortOnFail: true, worstWindowStartSec: 12 },
  { expression: 'success_rate > 99% for "POST /api/checkout"', ok: false, actual: 0.95, actualText: '95.00%', abortOnFail: false },
  { expression: "p99 < 2s in stage 'spike & <burst>'", ok: true, actual: 1200, actualText: '1.20s', abortOnFail: false },
];

describe('renderJunit', () => {
  const xml = renderJunit(results(THRESHOLDS));
  const root = parseXml(xml);
  const suite = root.children[0] as XmlElement;

  it('is well-formed XML of the common JUnit schema shape', () => {
    expect(validateJunit(root)).toEqual([]);
    expect(root.children).toHaveLength(1);
    expect(suite.attrs).toMatchObject({ name: 'tidemark thresholds', tests: '4', failures: '2', errors: '0', skipped: '0', timestamp: '2026-11-27T20:00:00', hostname: '127.0.0.1:8080' });
    expect(suite.attrs.time).toBe('31.500');
    expect(root.attrs).toMatchObject({ tests: '4', failures: '2', errors: '0', time: '31.500' });
  });

  it('has one test case per threshold, named by its expression, with a failure for each failed one', () => {
    const cases = suite.children.filter((c) => c.name === 'testcase');
    expect(cases.map((c) => [c.attrs.classname, c.attrs.name, c.children.length])).toEqual([
      ['tidemark.thresholds', 'p95 < 500ms', 0],
      ['tidemark.thresholds', 'error_rate < 1% in every 10s window', 1],
      ['tidemark.thresholds', 'success_rate > 99% for "POST /api/checkout"', 1],
      ['tidemark.thresholds', "p99 < 2s in stage 'spike & <burst>'", 0],
    ]);
    const [windowed, checkout] = [cases[1]?.children[0], cases[2]?.children[0]] as XmlElement[];
    expect(windowed?.attrs).toEqual({ message: 'actual 3.40% (worst window at 12s), threshold error_rate < 1% in every 10s window', type: 'ThresholdFailed' });
    expect(windowed?.text).toContain('worst window starts at 12s of the run');
    expect(windowed?.text).toContain('this threshold aborts the run when it fails');
    expect(checkout?.attrs.message).toBe('actual 95.00%, threshold success_rate > 99% for "POST /api/checkout"');
    expect(checkout?.text).toContain('threshold: success_rate > 99% for "POST /api/checkout"');
  });

  it('escapes the expressions in the raw text', () => {
    expect(xml).toContain('name="success_rate &gt; 99% for &quot;POST /api/checkout&quot;"');
    expect(xml).toContain('name="p99 &lt; 2s in stage &apos;spike &amp; &lt;burst&gt;&apos;"');
  });

  it('carries the run as properties, and a partial run in system-err', () => {
    const props = Object.fromEntries((suite.children[0] as XmlElement).children.map((p) => [p.attrs.name, p.attrs.value]));
    expect(props).toMatchObject({ target: 'http://127.0.0.1:8080', verdict: 'fail', scale: '3', window: 'peak', requests: '10', partial: 'no' });
    const partial = parseXml(renderJunit(results(THRESHOLDS, true))).children[0] as XmlElement;
    expect(partial.children.find((c) => c.name === 'system-err')?.text).toBe('partial run: interrupted by SIGINT');
  });

  it('writes an empty, valid suite when the run had no thresholds', () => {
    const empty = parseXml(renderJunit(results([])));
    expect(validateJunit(empty)).toEqual([]);
    expect(empty.children[0]?.attrs).toMatchObject({ tests: '0', failures: '0' });
  });

  it('the checker catches what a broken report would get wrong', () => {
    expect(() => parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a><b></a>')).toThrow(/expected <\/b>/);
    expect(() => parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a x="1 < 2"/>')).toThrow(/unescaped/);
    const wrongCount = parseXml(xml.replace('tests="4" failures="2" errors="0" skipped', 'tests="3" failures="2" errors="0" skipped'));
    expect(validateJunit(wrongCount)).toContain('tests does not count the test cases');
  });
});

describe('xmlEscape', () => {
  it.each([
    ['a & b', 'a &amp; b'],
    ['<x y="1">', '&lt;x y=&quot;1&quot;&gt;'],
    ["it's", 'it&apos;s'],
    ['bell\u0007 and nul\u0000 dropped; tab\tand\nnewline kept', 'bell and nul dropped; tab\tand\nnewline kept'],
  ])('%j → %j', (input, output) => {
    expect(xmlEscape(input)).toBe(output);
  });
});
