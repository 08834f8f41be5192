import { parseDurationMs } from '../core/duration.js';
import { UsageError } from '../core/errors.js';

export type OptionType = 'string' | 'number' | 'boolean' | 'duration' | 'list';

export interface OptionSpec {
  name: string;
  short?: string;
  type: OptionType;
  description: string;
  /** Shown in help, e.g. "K" for --scale K. */
  arg?: string;
  default?: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  /** Longer help text: what it does, examples. */
  details?: string;
  options: OptionSpec[];
  /** How many positional arguments: [min, max] (max Infinity for lists). */
  positionals: [number, number];
}

export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | number | boolean | string[] | undefined>;
}

/** Damerau-free Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

export const COMMON_OPTIONS: OptionSpec[] = [
  { name: 'help', short: 'h', type: 'boolean', description: 'show this help' },
  { name: 'debug', type: 'boolean', description: 'show stack traces of errors' },
];

/** Parses argv for one command. Unknown options are usage errors naming the closest spelling. */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const all = [...spec.options, ...COMMON_OPTIONS];
  const byName = new Map(all.map((o) => [o.name, o]));
  const byShort = new Map(all.filter((o) => o.short).map((o) => [o.short as string, o]));
  const result: ParsedArgs = { positionals: [], options: {} };
  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (onlyPositionals || arg === '-' || !arg.startsWith('-')) {
      result.positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    let name: string;
    let inline: string | undefined;
    let option: OptionSpec | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      option = byName.get(name);
      if (!option && name.startsWith('no-') && byName.get(name.slice(3))?.type === 'boolean') {
        result.options[name.slice(3)] = false;
        continue;
      }
    } else {
      name = arg.slice(1);
      option = byShort.get(name);
    }
    if (!option) {
      const suggestion = closest(name, all.map((o) => o.name));
      throw new UsageError(`tidemark ${spec.name}: unknown option ${arg}${suggestion ? ` (did you mean --${suggestion}?)` : ''}`, {
        hint: `see tidemark ${spec.name} --help`,
      });
    }
    if (option.type === 'boolean') {
      if (inline !== undefined) {
        if (!['true', 'false'].includes(inline)) throw new UsageError(`--${option.name} takes no value (or =true/=false)`);
        result.options[option.name] = inline === 'true';
      } else result.options[option.name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${option.name} needs a value${option.arg ? ` (${option.arg})` : ''}`, { hint: `see tidemark ${spec.name} --help` });
    switch (option.type) {
      case 'number': {
        const n = Number(value);
        if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${option.name}: "${value}" is not a number`);
        result.options[option.name] = n;
        break;
      }
      case 'duration':
        try {
          result.options[option.name] = parseDurationMs(value, `--${option.name}`);
        } catch (err) {
          throw new UsageError((err as Error).message, { hint: 'use e.g. 30s, 2m, 1m30s or 500ms' });
        }
        break;
      case 'list': {
        const list = (result.options[option.name] as string[] | undefined) ?? [];
        list.push(value);
        result.options[option.name] = list;
        break;
      }
      default:
        result.options[option.name] = value;
    }
  }
  if (!result.options.help) {
    const [min, max] = spec.positionals;
    if (result.positionals.length < min) throw new UsageError(`tidemark ${spec.name}: missing argument`, { hint: `usage: ${spec.usage}` });
    if (result.positionals.length > max) {
      throw new UsageError(`tidemark ${spec.name}: unexpected argument "${result.positionals[max]}"`, { hint: `usage: ${spec.usage}` });
    }
  }
  return result;
}

export function renderCommandHelp(spec: CommandSpec): string {
  const lines = [`Usage: ${spec.usage}`, '', spec.summary];
  if (spec.details) lines.push('', spec.details);
  const options = [...spec.options, ...COMMON_OPTIONS];
  const left = options.map((o) => `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.arg ? ` ${o.arg}` : ''}`);
  const width = Math.max(...left.map((l) => l.length));
  lines.push('', 'Options:');
  options.forEach((o, i) => lines.push(`  ${(left[i] as string).padEnd(width)}  ${o.description}${o.default ? ` (default: ${o.default})` : ''}`));
  return `${lines.join('\n')}\n`;
}

/** `--map time=ts --map path=req.url` → { time: 'ts', path: 'req.url' }; every malformed entry listed. */
export function parseMapOption(values: string[] | undefined): Record<string, string> | undefined {
  if (!values || values.length === 0) return undefined;
  const map: Record<string, string> = {};
  const bad = values.filter((v) => !/^[A-Za-z]+=.+$/.test(v));
  if (bad.length > 0) throw new UsageError(`--map: ${bad.map((b) => `"${b}"`).join(', ')} not of the form field=json.path`, { hint: 'e.g. --map time=ts --map path=request.uri --map status=status' });
  for (const v of values) {
    const at = v.indexOf('=');
    map[v.slice(0, at)] = v.slice(at + 1);
  }
  return map;
}
