import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../src/core/errors.js';
import { combined } from '../../src/formats/clf.js';
import { detectFormat, formatFromLogFormat, formats, getFormat } from '../../src/formats/index.js';
import type { LineFormat } from '../../src/formats/types.js';

const lines = (path: string): string[] =>
  readFileSync(new URL(`../fixtures/formats/${path}`, import.meta.url), 'utf8').split('\n').filter((l) => l !== '');

describe('format registry and detection', () => {
  it('is a plain array of uniquely named formats', () => {
    expect(Array.isArray(formats)).toBe(true);
    const names = formats.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.slice(0, 6)).toEqual(['common', 'combined', 'vhost_combined', 'nginx_main', 'nginx_ingress', 'ssl_request']);
  });

  it('finds formats by name, any case, and lists the names when unknown', () => {
    expect(getFormat('COMBINED')).toBe(combined);
    expect(() => getFormat('apache2')).toThrow(UsageError);
    expect(() => getFormat('apache2')).toThrow(expect.objectContaining({ hint: expect.stringContaining('combined, vhost_combined') }));
  });

  it.each([
    ['filebeat-2019/nginx-access/access.log', 'combined: 12/12 sample lines matched'],
    ['filebeat-2019/nginx-access/test.log', 'combined: 7/7 sample lines matched'],
    ['filebeat-2019/apache-access/test.log', 'combined: 6/6 sample lines matched'],
    ['filebeat-2019/apache-access/darwin-2.4.23.log', 'common: 6/6 sample lines matched'],
    ['filebeat-2019/apache-access/ssl-request.log', 'ssl_request: 1/1 sample lines matched'],
    ['filebeat-2019/traefik-access/test.log', 'combined: 7/7 sample lines matched, as many as common but with more fields'],
    ['elastic-beats/nginx-access/test-with-host.log', 'vhost_combined: 10/10 sample lines matched, as many as combined but with more fields'],
    ['elastic-beats/nginx-ingress_controller/test.log', 'nginx_ingress: 29/29 sample lines matched, as many as combined but with more fields'],
    ['goaccess/ci-vcombined.log', 'vhost_combined: 4/4 sample lines matched, as many as combined but with more fields'],
    ['lnav/logfile_bad_access_log.0', 'combined: 2/3 sample lines matched'],
    ['lnav/access_log.samples.log', 'combined: 7/9 sample lines matched'],
    // vhost:port ip session-id user [...] "..." ... µs: the session id sits where the ident is.
    ['lnav/logfile_regexp_access_log.0', 'vhost_combined: 2/2 sample lines matched, as many as combined but with more fields'],
  ])('detects %s', (path, reason) => {
    expect(detectFormat(lines(path)).reason).toBe(reason);
  });

  it('prefers nginx_main when the forwarded address is logged', () => {
    const sample = ['172.24.0.3 - - [31/Dec/2024:17:32:06 +0000] "GET / HTTP/1.1" 200 615 "-" "curl/8.11.1" "1.2.3.4, 10.10.1.1"'];
    expect(detectFormat(sample).format.name).toBe('nginx_main');
  });

  it('looks at the first 50 non-empty lines only', () => {
    const good = lines('filebeat-2019/nginx-access/access.log');
    const sample = ['', ...Array.from({ length: 60 }, (_, i) => good[i % good.length] as string), ...Array.from({ length: 100 }, () => 'garbage')];
    expect(detectFormat(sample).reason).toBe('combined: 50/50 sample lines matched');
  });

  it('fails with every score listed when nothing matches', () => {
    const error = (() => {
      try {
        // Apache error log lines, not access lines.
        detectFormat(lines('logstash/httpd.messages.tsv').slice(4, 6).map((row) => row.split('\t')[1] as string));
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    expect(e.message).toBe('the log format was not recognized from the first 2 lines (no format read at least 50% of them)');
    expect(e.problems).toContain('combined: score 0');
    expect(e.problems).toHaveLength(formats.length);
    expect(e.hint).toMatch(/--log-format/);
    expect(() => detectFormat(['', '  '])).toThrow(/no non-empty lines/);
  });

  it('a format whose detector throws does not stop detection', () => {
    const broken: LineFormat = {
      name: 'broken',
      description: 'throws',
      detect: () => {
        throw new Error('boom');
      },
      create: () => ({ parse: () => null }),
    };
    expect(detectFormat(lines('filebeat-2019/nginx-access/access.log'), { formats: [broken, combined] }).format).toBe(combined);
  });

  it('turns a --log-format string into a format, or names a known one', () => {
    expect(formatFromLogFormat('combined')).toBe(combined);
    const nginx = formatFromLogFormat('$remote_addr [$time_local] "$request" $status');
    expect(nginx.name).toBe('nginx');
    expect(nginx.create({}).parse('1.2.3.4 [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200', 'x')).toMatchObject({ status: 200 });
    expect(formatFromLogFormat('%h %t "%r" %>s').name).toBe('apache');
    expect(() => formatFromLogFormat('%h "%r"')).toThrow(UsageError);
  });
});
