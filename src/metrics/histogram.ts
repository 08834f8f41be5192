import * as hdr from 'hdr-histogram-js';

/**
 * Latency histograms: HDR, microsecond values, 3 significant digits, auto-resizing, so a
 * percentile is within 0.1% of the true value however long the tail. Encoded as compressed
 * base64 (the HdrHistogram interchange format) so runs can be merged and compared exactly.
 */
export type Histogram = hdr.Histogram;

export function createHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/**
 * A smaller histogram for per-second buckets (2 significant digits, ~10 KB): a one-hour run
 * keeps 3,600 of them, so full precision there would cost hundreds of MB.
 */
export function createCoarseHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    numberOfSignificantValueDigits: 2,
    useWebAssembly: false,
  });
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32, false);
  // Re-home into our own configuration so that add() between decoded and live histograms works.
  const histogram = createHistogram();
  histogram.add(decoded);
  return histogram;
}

/** Records a duration in milliseconds (float) as whole microseconds (at least 1). */
export function recordMs(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
}

export interface LatencySummaryMs {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Quantile in ms of a µs histogram; 0 when empty. */
export function percentileMs(histogram: Histogram, percentile: number): number {
  if (histogram.totalCount === 0) return 0;
  return round2(histogram.getValueAtPercentile(percentile) / 1000);
}

/** The library's bucket walk, which its public API hides behind an iterator object per bucket. */
interface Buckets {
  countsArrayLength: number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
  highestEquivalentValue(value: number): number;
  medianEquivalentValue(value: number): number;
}

/**
 * The histogram's mean, as hdr-histogram-js computes it (each recorded bucket's median value
 * times its count, in bucket order) but in one plain pass over the counts: the library's `mean`
 * walks an iterator object per bucket, ~15 ms for one 3-digit histogram, and a run's report
 * asks for dozens.
 */
export function meanOf(histogram: Histogram): number {
  if (histogram.totalCount === 0) return 0;
  const h = histogram as unknown as Buckets;
  let total = 0;
  for (let i = 0; i < h.countsArrayLength; i++) {
    const count = h.getCountAtIndex(i);
    if (count !== 0) total += h.medianEquivalentValue(h.highestEquivalentValue(h.valueFromIndex(i))) * count;
  }
  return total / histogram.totalCount;
}

/** How many recorded values (µs) lie above `ms` milliseconds: whole buckets, so within HDR precision. */
export function countAboveMs(histogram: Histogram, ms: number): number {
  const h = histogram as unknown as Buckets;
  const limit = ms * 1000;
  let above = 0;
  for (let i = 0; i < h.countsArrayLength; i++) {
    const count = h.getCountAtIndex(i);
    if (count !== 0 && h.valueFromIndex(i) > limit) above += count;
  }
  return above;
}

export function summarizeMs(histogram: Histogram): LatencySummaryMs {
  if (histogram.totalCount === 0) {
    return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 };
  }
  return {
    count: histogram.totalCount,
    min: round2(histogram.minNonZeroValue / 1000),
    mean: round2(meanOf(histogram) / 1000),
    p50: percentileMs(histogram, 50),
    p90: percentileMs(histogram, 90),
    p95: percentileMs(histogram, 95),
    p99: percentileMs(histogram, 99),
    max: round2(histogram.maxValue / 1000),
  };
}
