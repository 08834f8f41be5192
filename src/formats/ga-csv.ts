import { pipeline, Readable } from 'node:stream';
import { parse as csvParse, type Info } from 'csv-parse';
import { describeError, InputError } from '../core/errors.js';
import type { AggregateSummary } from '../core/types.js';
import type { AggregateFormat, AggregateKind, AggregateReport, AggregateRow, AggregateSection } from './aggregate-types.js';

/*
 * Google Analytics CSV exports (Universal Analytics and GA4 report downloads): aggregated
 * tables, not requests. A file is a sequence of sections:
 *
 *   # ----------------------------------------      preamble: report name, account, date range
 *   # All Web Site Data
 *   # 20150101-20150131                             (UA) or `# Start date: 20230101` (GA4)
 *   # ----------------------------------------
 *                                                   blank line
 *   Page,Pageviews,Avg. Time on Page,Bounce Rate    header row: dimensions first, then metrics
 *   /,"2,533",00:01:19,"45,10%"                     rows; `(not set)` rows are kept, flagged
 *   ,"7,374",00:01:02,"50,00%"                      totals row: dimension cells empty
 *                                                   a blank line (and `#` lines) start the next section
 *
 * The numbers are written in the exporting user's locale, so one file may hold `2.546`
 * (2546 sessions, Dutch), `"99,88%"` (99.88 percent) and `"1,15"` (1.15 pages per session),
 * or, in English, `"2,533"` (2533) and `45.10%`. See `decideDecimal` for how each column's
 * decimal separator is chosen.
 */

// ---------------------------------------------------------------------------------------------
// Column names, in the languages GA exports most often come in (en, de, nl, fr, es).

type MetricField =
  | 'pageviews' | 'uniquePageviews' | 'sessions' | 'users' | 'newUsers' | 'entrances'
  | 'avgSessionDurationSec' | 'avgTimeOnPageSec' | 'pagesPerSession' | 'bounceRatePct' | 'exitRatePct';

const METRIC_FIELDS: [MetricField, RegExp][] = [
  ['uniquePageviews', /^(unique pageviews|eindeutige seitenaufrufe|unieke paginaweergaven|vues uniques|páginas vistas únicas)$/i],
  ['pageviews', /^(pageviews|page views|views|screen ?page ?views|seitenaufrufe|paginaweergaven|weergaven|aufrufe|pages vues|vues|páginas vistas|número de páginas vistas|visualizaciones)$/i],
  ['pagesPerSession', /(pages? ?\/ ?session|pages per session|views per session|seiten ?\/ ?sitzung|pagina's ?\/ ?sessie|pages ?\/ ?session|páginas ?\/ ?sesión)/i],
  ['avgSessionDurationSec', /((avg\.?|average) session duration|durchschn(\.|ittliche)? sitzungsdauer|gem(\.|iddelde)? sessieduur|durée moyenne des sessions|duración media de la sesión)/i],
  ['avgTimeOnPageSec', /((avg\.?|average) time on page|average engagement time|durchschn(\.|ittliche)? (verweildauer|zeit auf der seite)|gem(\.|iddelde)? tijd op pagina|temps moyen passé sur la page|tiempo medio en la página)/i],
  ['bounceRatePct', /(bounce ?rate|bouncepercentage|absprungrate|taux de rebond|porcentaje de rebote)/i],
  ['exitRatePct', /(% exit|exit rate|% ausstiege|% uitstappen|% sorties|% de salidas)/i],
  ['newUsers', /^(new users|neue nutzer|nieuwe gebruikers|nouveaux utilisateurs|usuarios nuevos)$/i],
  ['users', /^(users|total users|active users|nutzer|gebruikers|utilisateurs|usuarios)$/i],
  ['sessions', /^(sessions|sessies|sitzungen|séances|sesiones|sessioni|visits)$/i],
  ['entrances', /^(entrances|einstiege|instappen|entrées|entradas)$/i],
];

/** Metric headers that are counts (integers): an ambiguous `2.546` there is 2546. */
const COUNT_FIELDS = new Set<MetricField>(['pageviews', 'uniquePageviews', 'sessions', 'users', 'newUsers', 'entrances']);
const COUNT_HEADER = /(views|sessions|users|visits|entrances|exits|hits|events|event count|conversions|transactions|bounces|sessies|sitzungen|nutzer|gebruikers|aufrufe|weergaven|einstiege|ausstiege|utilisateurs|usuarios|sesiones)$/i;
const RATIO_HEADER = /(rate|avg|average|per |\/|%|duration|time|value|revenue|percentage|ratio|gem\.|durchschn|moyenne|media)/i;

const PAGE_DIMENSION = /^(page|page path|page path and screen class|page path \+ query string|page title|page title and screen class|page title and screen name|landing page|landing page \+ query string|screen name|screen class|page location|seite|seitenpfad|pagina|paginapad|landingpage|zielseite)$/i;
const HOUR_DIMENSION = /^(hour|hour of day|stunde|uur|heure|hora)$/i;
const DATE_HOUR_DIMENSION = /^(date ?\+ ?hour.*|date hour|datehour|nth hour)$/i;
const DATE_DIMENSION = /^(date|day|day index|nth day|datum|dag|tag|jour|fecha|tagesindex|dagindex)$/i;
const OTHER_DIMENSION = /(browser|version|operating system|device|source|medium|campaign|channel|country|region|city|language|hostname|user type|gender|age|segment|category|keyword|referral|event name|week|month|year)/i;

// ---------------------------------------------------------------------------------------------
// Numbers.

export type DecimalSeparator = '.' | ',';

/** What one value says about the decimal separator. */
type Evidence = DecimalSeparator | 'ambiguous' | 'none';

const DURATION_HMS = /^<?\s*(\d+):(\d{2}):(\d{2})$/;
const DURATION_UNITS = /^(?:(\d+)h\s*)?(?:(\d+)m\s*)?(?:(\d+(?:[.,]\d+)?)s)?$/;

/** The numeric core of a cell: no quotes, percent, currency, spaces; null if not a number. */
function numericCore(cell: string): string | null {
  let t = cell.trim().replace(/[\s\u00a0\u202f']/g, '');
  if (t.endsWith('%')) t = t.slice(0, -1);
  t = t.replace(/^(?:[A-Z]{0,3}[$€£¥₹]|[A-Z]{3})|(?:[$€£¥₹]|[A-Z]{3})$/g, '');
  if (t.startsWith('<')) t = t.slice(1);
  return /^[+-]?\d[\d.,]*$/.test(t) && !/[.,]$/.test(t) ? t : null;
}

/**
 * The decimal separator a value shows, if it shows one:
 *   both `.` and `,` (`1.234,56`)                  → the last one is the decimal separator
 *   one kind, twice or more (`1,234,567`)           → it groups thousands: the other is decimal
 *   one kind, once, not followed by 3 digits (`1,15`, `99.8`) → it is the decimal separator
 *   one kind, once, followed by 3 digits (`2,533`)  → ambiguous (2533 or 2.533)
 */
export function separatorEvidence(cell: string): Evidence {
  const core = numericCore(cell);
  if (core === null) return 'none';
  const dot = core.lastIndexOf('.');
  const comma = core.lastIndexOf(',');
  if (dot === -1 && comma === -1) return 'none';
  if (dot !== -1 && comma !== -1) return dot > comma ? '.' : ',';
  const sep = dot !== -1 ? '.' : ',';
  const at = dot !== -1 ? dot : comma;
  if (core.indexOf(sep) !== at) return sep === '.' ? ',' : '.';
  if (!/^[+-]?\d{1,3}$/.test(core.slice(0, at))) return sep; // `1234.5`: more than 3 digits before a group separator
  return core.length - at - 1 === 3 ? 'ambiguous' : sep;
}

/**
 * A cell → number, with `decimal` as the decimal separator: thousands separators dropped,
 * `99,88%` → 99.88 (percent units), `00:01:19` → 79 (seconds), `1m 19s` → 79, `US$ 0,00` → 0.
 * NaN when the cell is not a number.
 */
export function parseLocaleNumber(cell: string, decimal: DecimalSeparator): number {
  const trimmed = cell.trim();
  const hms = DURATION_HMS.exec(trimmed);
  if (hms) return Number(hms[1]) * 3600 + Number(hms[2]) * 60 + Number(hms[3]);
  if (/\d[hms]\b/.test(trimmed)) {
    const u = DURATION_UNITS.exec(trimmed.replace(/\s+/g, ' '));
    if (u && (u[1] ?? u[2] ?? u[3]) !== undefined) {
      return Number(u[1] ?? 0) * 3600 + Number(u[2] ?? 0) * 60 + Number((u[3] ?? '0').replace(',', '.'));
    }
  }
  const core = numericCore(trimmed);
  if (core === null) return NaN;
  const thousands = decimal === '.' ? ',' : '.';
  const plain = core.split(thousands).join('').replace(decimal, '.');
  return /^[+-]?\d+(\.\d+)?$/.test(plain) ? Number(plain) : NaN;
}

function isNumberCell(cell: string): boolean {
  const t = cell.trim();
  return DURATION_HMS.test(t) || numericCore(t) !== null || (/\d[hms]\b/.test(t) && DURATION_UNITS.test(t.replace(/\s+/g, ' ')));
}

/**
 * A column's decimal separator:
 *   1. what its own values show (most definite evidence wins);
 *   2. if they are all ambiguous (`2,533`, `2.546`): a count column (sessions, pageviews, users,
 *      ...) cannot hold fractions, so the separator groups thousands;
 *   3. otherwise the file's evidence (another column's `"99,88%"` says `,` is decimal);
 *   4. otherwise `.` (the English exports).
 */
export function decideDecimal(cells: string[], isCount: boolean, fileDecimal: DecimalSeparator | null): { decimal: DecimalSeparator; ambiguous: boolean; how: string } {
  let dot = 0;
  let comma = 0;
  let ambiguous = 0;
  let sample = '';
  for (const cell of cells) {
    const e = separatorEvidence(cell);
    if (e === '.') dot++;
    else if (e === ',') comma++;
    else if (e === 'ambiguous') {
      ambiguous++;
      if (sample === '') sample = cell;
    }
  }
  if (dot > 0 || comma > 0) return { decimal: comma > dot ? ',' : '.', ambiguous: false, how: 'its values' };
  if (ambiguous === 0) return { decimal: fileDecimal ?? '.', ambiguous: false, how: 'no separators' };
  const sep = sample.includes(',') ? ',' : '.';
  if (isCount) return { decimal: sep === ',' ? '.' : ',', ambiguous: true, how: `a count: "${sep}" taken as thousands separator` };
  if (fileDecimal !== null) return { decimal: fileDecimal, ambiguous: true, how: `the file's other columns use "${fileDecimal}" for decimals` };
  return { decimal: '.', ambiguous: true, how: 'no other evidence: "." taken as decimal separator' };
}

// ---------------------------------------------------------------------------------------------
// Dates and hours.

function isoDate(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function addDays(iso: string, days: number): string {
  const ms = Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

function compactDate(text: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(text.trim());
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/**
 * Reads date cells of one column: `20150101`, `2015-01-01`, `1/31/15` or `31/1/2015` (day first
 * when any first number is over 12, else month first as GA's English exports write),
 * `31.01.2015` (day first), or an English date such as `January 5, 2015`.
 */
function dateReader(cells: string[]): (cell: string) => string | undefined {
  let dayFirst = false;
  for (const c of cells) {
    const m = /^(\d{1,2})\/(\d{1,2})\/\d{2,4}$/.exec(c.trim());
    if (m && Number(m[1]) > 12) dayFirst = true;
  }
  return (cell) => {
    const t = cell.trim();
    let m = /^(\d{4})(\d{2})(\d{2})$/.exec(t) ?? /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
    if (m) return `${m[1]}-${m[2]}-${m[3]}`;
    m = /^(\d{1,2})\/(\d{1,2})\/(\d{2,4})$/.exec(t);
    if (m) {
      const a = Number(m[1]);
      const b = Number(m[2]);
      const y = m[3]!.length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
      return dayFirst ? isoDate(y, b, a) : isoDate(y, a, b);
    }
    m = /^(\d{1,2})[.-](\d{1,2})[.-](\d{4})$/.exec(t);
    if (m) return isoDate(Number(m[3]), Number(m[2]), Number(m[1]));
    if (/[A-Za-z]{3}/.test(t) && /\d{4}/.test(t)) {
      const ms = Date.parse(t);
      if (Number.isFinite(ms)) {
        const d = new Date(ms);
        return isoDate(d.getFullYear(), d.getMonth() + 1, d.getDate());
      }
    }
    return undefined;
  };
}

// ---------------------------------------------------------------------------------------------
// Sections.

interface RawSection {
  title: string[];
  dateRange?: { start: string; end: string };
  header: string[];
  line: number;
  rows: { cells: string[]; line: number }[];
}

const TOTAL_LABEL = /^(total|totals|grand total|gesamt|gesamtsumme|summe|totaal|totaux|totales)$/i;
const RULE = /^[-*=_\s]*$/;

/**
 * Reads a GA CSV export (text, or a byte/text stream) into its sections. Never throws on odd
 * rows (they are kept as text); throws an InputError only when the CSV itself cannot be read.
 */
export async function parseAnalyticsCsv(input: string | AsyncIterable<Buffer | string>, sourceName = 'input'): Promise<AggregateReport> {
  const raw = await readSections(input, sourceName);
  const notes: string[] = [];
  // File-wide decimal evidence, for columns that show none of their own.
  let dot = 0;
  let comma = 0;
  for (const s of raw) {
    for (const r of s.rows) {
      for (const cell of r.cells) {
        const e = separatorEvidence(cell);
        if (e === '.') dot++;
        else if (e === ',') comma++;
      }
    }
  }
  const fileDecimal: DecimalSeparator | null = dot === 0 && comma === 0 ? null : comma > dot ? ',' : '.';
  const sections = raw.map((s) => buildSection(s, fileDecimal, notes));
  const main =
    sections.find((s) => s.kind === 'pages') ??
    sections.find((s) => s.kind === 'hourly') ??
    sections.find((s) => s.kind === 'daily') ??
    sections[0];
  const report: AggregateReport = { kind: main?.kind ?? 'other', rows: main?.rows ?? [], sections, notes };
  if (main?.totals) report.totals = main.totals;
  return report;
}

async function readSections(input: string | AsyncIterable<Buffer | string>, sourceName: string): Promise<RawSection[]> {
  const parser = csvParse({ bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: false, info: true, raw: true });
  const out = pipeline(typeof input === 'string' ? Readable.from([input]) : Readable.from(input), parser, () => {
    // Errors surface through the iteration below.
  });
  const sections: RawSection[] = [];
  let title: string[] = [];
  let dateRange: { start: string; end: string } | undefined;
  let current: RawSection | null = null;
  // A `#` line after a table starts a new preamble; consecutive ones extend it.
  let inPreamble = false;
  let line = 0;
  try {
    for await (const item of out as AsyncIterable<{ record: string[]; info: Info; raw: string }>) {
      line = item.info.lines;
      const text = item.raw.replace(/\r?\n$/, '');
      const blank = item.record.every((c) => c.trim() === '');
      if (text.trimStart().startsWith('#')) {
        if (!inPreamble && sections.length > 0) {
          title = [];
          dateRange = undefined;
        }
        current = null;
        inPreamble = true;
        const t = text.trim().replace(/^#\s?/, '').trim();
        if (RULE.test(t)) continue;
        title.push(t);
        const range = /^(\d{8})\s*-\s*(\d{8})$/.exec(t);
        if (range) dateRange = { start: compactDate(range[1] as string) as string, end: compactDate(range[2] as string) as string };
        const start = /^start date:\s*(\d{8})$/i.exec(t);
        if (start) dateRange = { start: compactDate(start[1] as string) as string, end: dateRange?.end ?? '' };
        const end = /^end date:\s*(\d{8})$/i.exec(t);
        if (end) dateRange = { start: dateRange?.start ?? '', end: compactDate(end[1] as string) as string };
        continue;
      }
      if (blank) {
        // The next header may come without a new preamble: it keeps the current title.
        current = null;
        continue;
      }
      inPreamble = false;
      if (current === null) {
        current = { title: [...title], header: item.record.map((h) => h.trim()), line, rows: [] };
        if (dateRange) current.dateRange = { ...dateRange };
        sections.push(current);
        continue;
      }
      current.rows.push({ cells: item.record, line });
    }
  } catch (err) {
    throw new InputError(`unreadable CSV after line ${line}: ${describeError(err)}`, { location: sourceName, cause: err });
  } finally {
    out.destroy();
  }
  return sections;
}

function metricFieldOf(header: string): MetricField | undefined {
  for (const [field, re] of METRIC_FIELDS) if (re.test(header)) return field;
  return undefined;
}

function buildSection(raw: RawSection, fileDecimal: DecimalSeparator | null, notes: string[]): AggregateSection {
  const { header } = raw;
  const columnCells = header.map((_, c) => raw.rows.map((r) => r.cells[c] ?? '').filter((v) => v.trim() !== '' && v.trim() !== '(not set)'));
  // Dimensions come first in GA tables: a column is a dimension until the first metric.
  const isDimension: boolean[] = [];
  let metricsStarted = false;
  header.forEach((h, c) => {
    let dim: boolean;
    if (metricsStarted) dim = false;
    else if (metricFieldOf(h) !== undefined || (COUNT_HEADER.test(h) && !OTHER_DIMENSION.test(h))) dim = false;
    else if (PAGE_DIMENSION.test(h) || HOUR_DIMENSION.test(h) || DATE_HOUR_DIMENSION.test(h) || DATE_DIMENSION.test(h) || OTHER_DIMENSION.test(h)) dim = true;
    else dim = !(columnCells[c] as string[]).every(isNumberCell) || (columnCells[c] as string[]).length === 0;
    if (!dim) metricsStarted = true;
    isDimension.push(dim);
  });
  const dimensions = header.filter((_, c) => isDimension[c]);

  const pageCol = header.findIndex((h, c) => isDimension[c] && PAGE_DIMENSION.test(h));
  const dateHourCol = header.findIndex((h, c) => isDimension[c] && DATE_HOUR_DIMENSION.test(h));
  const hourCol = header.findIndex((h, c) => isDimension[c] && HOUR_DIMENSION.test(h));
  const dateCol = header.findIndex((h, c) => isDimension[c] && DATE_DIMENSION.test(h));
  const kind: AggregateKind = pageCol !== -1 ? 'pages' : dateHourCol !== -1 || hourCol !== -1 ? 'hourly' : dateCol !== -1 ? 'daily' : 'other';

  // Per metric column: how to read its numbers.
  const readers = header.map((h, c) => {
    if (isDimension[c]) return null;
    const field = metricFieldOf(h);
    const isCount = field !== undefined ? COUNT_FIELDS.has(field) : COUNT_HEADER.test(h) && !RATIO_HEADER.test(h);
    const cells = columnCells[c] as string[];
    const numeric = cells.length > 0 && cells.every(isNumberCell);
    const decision = decideDecimal(cells, isCount, fileDecimal);
    if (numeric && decision.ambiguous) {
      const sample = cells.find((v) => separatorEvidence(v) === 'ambiguous') as string;
      notes.push(`"${h}": "${sample}" read as ${parseLocaleNumber(sample, decision.decimal)} (${decision.how})`);
    }
    return { field, numeric, decimal: decision.decimal };
  });

  const readDate = dateCol === -1 ? null : dateReader(columnCells[dateCol] as string[]);
  const firstDimension = isDimension.indexOf(true);
  const section: AggregateSection = { kind, title: raw.title, columns: header, dimensions, rows: [], line: raw.line };
  if (raw.dateRange) section.dateRange = raw.dateRange;

  for (const r of raw.rows) {
    const row: AggregateRow = { values: {}, line: r.line };
    let dimsEmpty = true;
    let total = false;
    let notSet = false;
    header.forEach((h, c) => {
      const cell = (r.cells[c] ?? '').trim();
      const reader = readers[c];
      if (reader === null || reader === undefined) {
        row.values[h] = cell;
        if (cell !== '') dimsEmpty = false;
        if (cell === '(not set)') notSet = true;
        if (c === firstDimension && TOTAL_LABEL.test(cell)) total = true;
        return;
      }
      if (cell === '') return;
      const n = reader.numeric ? parseLocaleNumber(cell, reader.decimal) : NaN;
      row.values[h] = Number.isNaN(n) ? cell : n;
      if (reader.field !== undefined && !Number.isNaN(n) && row[reader.field] === undefined) row[reader.field] = n;
    });
    if (notSet) row.notSet = true;
    if (pageCol !== -1) row.page = String(row.values[header[pageCol] as string] ?? '');
    const startDate = raw.dateRange?.start;
    if (dateHourCol !== -1) {
      const cell = String(row.values[header[dateHourCol] as string] ?? '');
      const m = /^(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(cell);
      if (m) {
        row.date = `${m[1]}-${m[2]}-${m[3]}`;
        row.hour = Number(m[4]);
      } else if (/^\d+$/.test(cell) && startDate) {
        const n = Number(cell); // "Nth hour" from the start date
        row.date = addDays(startDate, Math.floor(n / 24));
        row.hour = n % 24;
      }
    }
    if (hourCol !== -1) {
      const cell = String(row.values[header[hourCol] as string] ?? '');
      if (/^\d{10}$/.test(cell)) {
        row.date = `${cell.slice(0, 4)}-${cell.slice(4, 6)}-${cell.slice(6, 8)}`;
        row.hour = Number(cell.slice(8));
      } else if (/^\d{1,2}$/.test(cell) && Number(cell) < 24) row.hour = Number(cell);
    }
    if (dateCol !== -1 && readDate !== null) {
      const h = header[dateCol] as string;
      const cell = String(row.values[h] ?? '');
      if (/^nth day$/i.test(h) && /^\d+$/.test(cell) && startDate) row.date = addDays(startDate, Number(cell));
      else {
        const d = readDate(cell);
        if (d !== undefined) row.date = d;
      }
    }
    if ((dimsEmpty && dimensions.length > 0) || total) section.totals = row;
    else section.rows.push(row);
  }
  return section;
}

// ---------------------------------------------------------------------------------------------

/** How much the start of an input looks like a GA CSV export. */
export function detectAnalyticsCsv(head: string): number {
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  const lines = text.split(/\r?\n/).slice(0, 40);
  const first = lines.find((l) => l.trim() !== '');
  if (first === undefined || !first.trim().startsWith('#')) return 0;
  const hasRule = lines.some((l) => /^#\s*-{10,}\s*$/.test(l));
  const header = lines.find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const knownHeader = header !== undefined && header.split(',').some((h) => metricFieldOf(h.trim().replace(/^"|"$/g, '')) !== undefined);
  if (hasRule && knownHeader) return 1;
  if (hasRule) return 0.8;
  return knownHeader ? 0.6 : 0;
}

export const gaCsvFormat: AggregateFormat = {
  name: 'ga-csv',
  description: 'Google Analytics (Universal or GA4) report exported as CSV: aggregated page, hourly or daily tables',
  detect: detectAnalyticsCsv,
  parse: (input, sourceName) => parseAnalyticsCsv(input, sourceName),
};

// ---------------------------------------------------------------------------------------------

export type { AggregateSummary } from '../core/types.js';

/**
 * Collects what the model can use from every section of a report. Averages come from a totals
 * row when there is one, else from the section's rows weighted by sessions (or pageviews).
 */
export function summarizeAggregate(report: AggregateReport): AggregateSummary {
  const summary: AggregateSummary = {};
  for (const section of report.sections) {
    const rows = section.rows;
    if (section.dateRange !== undefined && summary.dateRange === undefined) summary.dateRange = { ...section.dateRange };
    if (section.kind === 'pages' && summary.pageMix === undefined) {
      const mix = new Map<string, number>();
      for (const r of rows) {
        if (r.notSet || r.page === undefined || r.pageviews === undefined) continue;
        mix.set(r.page, (mix.get(r.page) ?? 0) + r.pageviews);
      }
      if (mix.size > 0) summary.pageMix = [...mix].map(([page, pageviews]) => ({ page, pageviews })).sort((a, b) => b.pageviews - a.pageviews);
    }
    if (section.kind === 'hourly' && summary.sessionsByHour === undefined) {
      const byHour = new Array<number>(24).fill(0);
      let any = false;
      for (const r of rows) {
        if (r.hour === undefined || r.sessions === undefined) continue;
        byHour[r.hour] = (byHour[r.hour] as number) + r.sessions;
        any = true;
      }
      if (any) summary.sessionsByHour = byHour;
    }
    if ((section.kind === 'daily' || section.kind === 'hourly') && summary.sessionsByDate === undefined) {
      const byDate: Record<string, number> = {};
      let any = false;
      for (const r of rows) {
        if (r.date === undefined || r.sessions === undefined) continue;
        byDate[r.date] = (byDate[r.date] ?? 0) + r.sessions;
        any = true;
      }
      if (any) summary.sessionsByDate = byDate;
    }
    const totals = section.totals;
    if (summary.totalSessions === undefined) {
      if (totals?.sessions !== undefined) summary.totalSessions = totals.sessions;
      else if (section.kind === 'other') {
        let sessions = 0;
        for (const r of rows) sessions += r.sessions ?? 0;
        if (sessions > 0) summary.totalSessions = sessions;
      }
    }
    if (summary.pagesPerSession === undefined) {
      const v = totals?.pagesPerSession ?? weighted(rows, 'pagesPerSession');
      if (v !== undefined) summary.pagesPerSession = v;
      else if (totals?.pageviews !== undefined && totals.sessions) summary.pagesPerSession = totals.pageviews / totals.sessions;
    }
    if (summary.avgSessionDurationSec === undefined) {
      const v = totals?.avgSessionDurationSec ?? weighted(rows, 'avgSessionDurationSec');
      if (v !== undefined) summary.avgSessionDurationSec = v;
    }
  }
  return summary;
}

function weighted(rows: AggregateRow[], field: 'pagesPerSession' | 'avgSessionDurationSec'): number | undefined {
  let sum = 0;
  let weight = 0;
  for (const r of rows) {
    const v = r[field];
    const w = r.sessions ?? r.pageviews;
    if (v === undefined || w === undefined) continue;
    sum += v * w;
    weight += w;
  }
  return weight > 0 ? sum / weight : undefined;
}
