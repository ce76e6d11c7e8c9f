/**
 * Statistics for the streaming benchmark: exact percentiles of recorded samples, and quantiles of a
 * Prometheus histogram read from the service's `/metrics` text.
 *
 * Contract: pure functions, no I/O. `summarize` sorts a copy and returns nearest-rank percentiles
 * (NaN for no samples). `parseHistogram` collects the cumulative `_bucket` lines of one metric whose
 * labels include the given ones, and `histogramQuantile` estimates a quantile from them the way
 * PromQL's `histogram_quantile` does (linear inside the bucket, the lowest bucket starting at 0, and
 * the upper bound of the last finite bucket when the rank falls in `+Inf`), so the figure matches what
 * a Grafana panel over the same histogram shows.
 */

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array: the smallest sample with at least q of them at or below. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.length === 0 ? NaN : sorted[sorted.length - 1],
  };
}

/** One cumulative bucket: `count` observations were at most `le`. */
export interface HistogramBucket {
  le: number;
  count: number;
}

function parseLabels(text: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const match of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels.set(match[1], match[2]);
  return labels;
}

/**
 * The buckets of histogram `name` (without `_bucket`) on the series whose labels include `where`,
 * ascending by bound. Exposition lines look like `name_bucket{collection="bench",le="0.5"} 42`.
 */
export function parseHistogram(
  metricsText: string,
  name: string,
  where: Readonly<Record<string, string>> = {},
): HistogramBucket[] {
  const buckets: HistogramBucket[] = [];
  const prefix = `${name}_bucket{`;
  for (const line of metricsText.split("\n")) {
    if (!line.startsWith(prefix)) continue;
    const close = line.lastIndexOf("}");
    const labels = parseLabels(line.slice(prefix.length, close));
    if (!Object.entries(where).every(([k, v]) => labels.get(k) === v)) continue;
    const le = labels.get("le");
    if (le === undefined) continue;
    buckets.push({ le: le === "+Inf" ? Infinity : Number(le), count: Number(line.slice(close + 1).trim()) });
  }
  return buckets.sort((a, b) => a.le - b.le);
}

/** The q-quantile estimated from cumulative buckets; NaN when there are no observations. */
export function histogramQuantile(buckets: readonly HistogramBucket[], q: number): number {
  const total = buckets.length === 0 ? 0 : buckets[buckets.length - 1].count;
  if (total === 0) return NaN;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return lowerBound;
      const inBucket = bucket.count - lowerCount;
      const fraction = inBucket === 0 ? 1 : (rank - lowerCount) / inBucket;
      return lowerBound + (bucket.le - lowerBound) * fraction;
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}

/** Observations counted by a histogram (its `+Inf` bucket). */
export function histogramCount(buckets: readonly HistogramBucket[]): number {
  return buckets.length === 0 ? 0 : buckets[buckets.length - 1].count;
}

/** The value of the first sample of `name` (exact metric name) whose labels include `where`; NaN if none. */
export function sampleValue(
  metricsText: string,
  name: string,
  where: Readonly<Record<string, string>> = {},
): number {
  for (const line of metricsText.split("\n")) {
    if (!line.startsWith(name) || !/^[{ ]/.test(line.slice(name.length))) continue;
    const open = line.indexOf("{");
    const close = line.lastIndexOf("}");
    const labels = open < 0 ? new Map<string, string>() : parseLabels(line.slice(open + 1, close));
    if (!Object.entries(where).every(([k, v]) => labels.get(k) === v)) continue;
    return Number(line.slice(close < 0 ? name.length : close + 1).trim());
  }
  return NaN;
}
