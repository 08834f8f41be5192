import { InputError, UsageError } from '../core/errors.js';
import { awsAndW3cFormats } from './aws-registry.js';
import { clfFormats } from './clf.js';
import { jsonFormats } from './json-registry.js';
import { compileLogFormat, detectSyntax, LOG_FORMAT_SESSION_KEYS, normalizeFormatString } from './log-format.js';
import { LogFormatParser } from './log-format-parser.js';
import { zoneResolver } from './time.js';
import { isRecord, type FormatOptions, type LineFormat } from './types.js';

/**
 * Every format tidemark reads, in detection-priority order (on a tie the earlier one wins).
 * A plain array: add a format by importing it and appending it here.
 */
export const formats: LineFormat[] = [...clfFormats, ...awsAndW3cFormats, ...jsonFormats];

/** Lines of an input that detection looks at. */
export const DETECT_SAMPLE_LINES = 50;
/** Below this share of matched sample lines, no format is chosen. */
export const DETECT_THRESHOLD = 0.5;

export function getFormat(name: string, registry: LineFormat[] = formats): LineFormat {
  const wanted = name.toLowerCase();
  const found = registry.find((f) => f.name.toLowerCase() === wanted);
  if (!found) {
    throw new UsageError(`unknown format "${name}"`, {
      hint: `known formats: ${registry.map((f) => f.name).join(', ')}; or give --log-format with an nginx log_format or Apache LogFormat string`,
    });
  }
  return found;
}

/**
 * A format for a user's `--log-format` string: the nginx or Apache syntax is recognized from
 * its variables (unless `syntax` says), and the name of a known format is accepted as well.
 */
export function formatFromLogFormat(logFormat: string, syntax?: 'nginx' | 'apache'): LineFormat {
  const known = formats.find((f) => f.name === logFormat.trim());
  if (known) return known;
  const compiled = compileLogFormat(logFormat, syntax);
  const name = syntax ?? compiled.syntax;
  return {
    name,
    description: `${name} format ${normalizeFormatString(logFormat)}`,
    detect: () => 0,
    create: (options: FormatOptions) => new LogFormatParser(compiled, zoneResolver(options.timeZone), false, options.sessionKey, name),
    sessionKeys: LOG_FORMAT_SESSION_KEYS,
  };
}

export interface DetectOptions extends FormatOptions {
  /** Formats to try (default: the registry). */
  formats?: LineFormat[];
}

export interface Detection {
  format: LineFormat;
  /** Why, for people: "combined: 48/50 sample lines matched". */
  reason: string;
}

/**
 * Picks the format of an input from its first non-empty lines: every format scores the sample
 * (0..1, the share of lines it reads); the best wins, ties going to the earlier format. Throws
 * an InputError listing every score when none reaches DETECT_THRESHOLD.
 */
export function detectFormat(sampleLines: string[], options: DetectOptions = {}): Detection {
  const registry = options.formats ?? formats;
  const sample: string[] = [];
  for (const line of sampleLines) {
    if (line.trim() === '') continue;
    sample.push(line);
    if (sample.length === DETECT_SAMPLE_LINES) break;
  }
  if (sample.length === 0) {
    throw new InputError('no non-empty lines to recognize the format from', { hint: 'check the input, or pass --format' });
  }
  const scored = registry.map((format) => ({ format, score: safeScore(format, sample) }));
  let best = scored[0];
  for (const s of scored) if (best === undefined || s.score > best.score) best = s;
  if (best === undefined || best.score < DETECT_THRESHOLD) {
    const tried = [...scored]
      .sort((a, b) => b.score - a.score)
      .map((s) => {
        if (s.score === 0) return `${s.format.name}: score 0`;
        const { matched, considered } = matchedCount(s.format, sample, options);
        return `${s.format.name}: score ${s.score.toFixed(2)} (${matched}/${considered} lines)`;
      });
    const first = sample.length === 1 ? 'first line' : `first ${sample.length} lines`;
    throw new InputError(`the log format was not recognized from the ${first} (no format read at least ${DETECT_THRESHOLD * 100}% of them)`, {
      problems: tried,
      hint: `pass --format NAME (${registry.map((f) => f.name).join(', ')}) or --log-format with your nginx log_format or Apache LogFormat string; if this is not an access log, leave it out (a glob such as 'logs/access*.log*' helps)`,
    });
  }
  const { matched, considered } = matchedCount(best.format, sample, options);
  let reason = `${best.format.name}: ${matched}/${considered} sample lines matched`;
  const runnerUp = scored.filter((s) => s !== best && s.score > 0).sort((a, b) => b.score - a.score)[0];
  if (runnerUp && runnerUp.score < best.score && best.score - runnerUp.score < 0.001) {
    reason += `, as many as ${runnerUp.format.name} but with more fields`;
  }
  return { format: best.format, reason };
}

function safeScore(format: LineFormat, sample: string[]): number {
  try {
    const score = format.detect(sample);
    return Number.isFinite(score) ? Math.max(0, Math.min(1, score)) : 0;
  } catch {
    return 0; // a format that cannot judge this input does not stop detection
  }
}

function matchedCount(format: LineFormat, sample: string[], options: FormatOptions): { matched: number; considered: number } {
  let matched = 0;
  let considered = 0;
  try {
    const parser = format.create(options);
    for (const line of sample) {
      const result = parser.parse(line, '');
      if (result === null) continue;
      considered++;
      if (isRecord(result)) matched++;
    }
  } catch {
    return { matched: 0, considered: sample.length };
  }
  return { matched, considered };
}

export { detectSyntax };
