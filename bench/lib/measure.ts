/**
 * Timing and recall, the two figures every benchmark here reports.
 *
 * Contract: `recallAtK` is the mean over queries of |returned top-k ∩ true top-k| / k (ann-benchmarks'
 * recall without its distance-tie tolerance). `runQueryPasses` warms up with one full pass (whose
 * results give the recall), then repeats full sequential passes, one query at a time, until at least
 * `minSeconds` have elapsed on `process.hrtime.bigint()`, and reports queries per second over them.
 * Rates are also given per CPU second of this process (`process.cpuUsage`): on a shared, loaded box the
 * wall clock counts time the scheduler gave to others, CPU time mostly does not (it does include V8's
 * helper threads, e.g. concurrent GC, which is a real cost of the engine that produced the garbage).
 */

import type { BenchEngine, PreparedQuery } from "./engines.js";

/** Mean recall@k of `results` against ground-truth rows of width `gtK` (nearest first). */
export function recallAtK(
  results: ArrayLike<number>[],
  gt: ArrayLike<number>,
  gtK: number,
  k: number,
): number {
  if (gtK < k) throw new Error(`ground truth has ${gtK} neighbours per query, recall@${k} needs ${k}`);
  let hits = 0;
  results.forEach((row, q) => {
    const truth = new Set<number>();
    for (let j = 0; j < k; j++) truth.add(gt[q * gtK + j]);
    for (let j = 0; j < Math.min(k, row.length); j++) if (truth.has(row[j])) hits++;
  });
  return results.length === 0 ? 0 : hits / (results.length * k);
}

/** CPU seconds (user + system) this process has used since `start`. */
export function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export interface QueryPassResult {
  /** Results of the warm-up pass, one row of labels per query. */
  results: number[][];
  qps: number;
  /** Queries per CPU second of this process. */
  qpsCpu: number;
  /** Timed passes and their total duration. */
  passes: number;
  seconds: number;
}

export function runQueryPasses(
  engine: BenchEngine,
  queries: PreparedQuery[],
  k: number,
  ef: number,
  minSeconds: number,
): QueryPassResult {
  const results = queries.map((q) => engine.search(q, k, ef));
  let passes = 0;
  let sink = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  let seconds: number;
  do {
    for (const q of queries) sink += engine.search(q, k, ef).length;
    passes++;
    seconds = secondsSince(start);
  } while (seconds < minSeconds);
  // `sink` keeps the optimiser from discarding the searches; it is always passes * nq * k at most.
  if (sink < 0) throw new Error("unreachable");
  const cpuSeconds = cpuSecondsSince(cpuStart);
  return {
    results,
    qps: (passes * queries.length) / seconds,
    qpsCpu: (passes * queries.length) / cpuSeconds,
    passes,
    seconds,
  };
}

/** Inserts rows `[0, n)` of `base` under labels `0..n-1`; returns inserts per wall and per CPU second. */
export function buildIndex(
  engine: BenchEngine,
  base: Float32Array,
  dim: number,
  n: number,
  onProgress?: (done: number) => void,
): { perSecond: number; perCpuSecond: number } {
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    engine.upsert(i, base.subarray(i * dim, (i + 1) * dim));
    if (onProgress !== undefined && (i + 1) % 10_000 === 0) onProgress(i + 1);
  }
  return { perSecond: n / secondsSince(start), perCpuSecond: n / cpuSecondsSince(cpuStart) };
}

/** Runs a full GC when node was started with `--expose-gc` (the bench scripts are); returns whether it did. */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return false;
  gc();
  return true;
}
