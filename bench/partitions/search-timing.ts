/**
 * Search cost of the two layouts at equal recall: an ef sweep per layout, then timed query passes at
 * the smallest ef reaching each target recall, the two layouts interleaved (A, B, A, B, ...) so that a
 * change in the machine's load hits both alike.
 *
 * Contract:
 * - `sweepRecall` scores recall@k of one untimed pass per ef, in increasing ef, and stops after the
 *   first ef that reaches `stopAt` (larger ones cannot be the smallest for any target).
 * - `timePasses` runs whole sequential passes over the queries, one at a time on this thread, until
 *   `minSeconds` have elapsed, after one untimed warm-up pass; it records each query's latency.
 * - `compareAtRecall` returns, per target and layout, the chosen ef, its recall, QPS (wall and per CPU
 *   second of the process) pooled over all rounds and for each round, and p50/p99 latency over every
 *   timed query of every round. A layout that never reaches a target gets null figures.
 */

import { cpuSecondsSince, recallAtK, secondsSince } from "../lib/measure.js";
import { summarize } from "../stream/stream-stats.js";
import type { Layout } from "./layouts.js";
import { hitRows } from "./layouts.js";
import type { SweepPoint } from "./merge.js";
import { smallestEfReaching } from "./merge.js";

export interface QuerySet extends Truth {
  queries: Float32Array[];
  k: number;
}

export function queryRows(queries: Float32Array, dim: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let off = 0; off < queries.length; off += dim) out.push(queries.subarray(off, off + dim));
  return out;
}

/** Ground truth rows of width `gtK`, nearest first. */
export interface Truth {
  gt: ArrayLike<number>;
  gtK: number;
}

/** Recall@k of one untimed pass at `ef`, against the set's own ground truth unless `truth` is given. */
export function recallAt(layout: Layout, set: QuerySet, ef: number, truth: Truth = set): number {
  const results = set.queries.map((q) => hitRows(layout.search(q, set.k, ef)));
  return recallAtK(results, truth.gt, truth.gtK, set.k);
}

export function sweepRecall(
  layout: Layout,
  set: QuerySet,
  efs: readonly number[],
  stopAt: number,
): SweepPoint[] {
  const sweep: SweepPoint[] = [];
  for (const ef of [...efs].sort((a, b) => a - b)) {
    sweep.push({ ef, recall: recallAt(layout, set, ef) });
    if (sweep[sweep.length - 1].recall >= stopAt) break;
  }
  return sweep;
}

export interface TimedPasses {
  queries: number;
  seconds: number;
  cpuSeconds: number;
  latenciesMs: number[];
}

export function timePasses(layout: Layout, set: QuerySet, ef: number, minSeconds: number): TimedPasses {
  for (const q of set.queries) layout.search(q, set.k, ef);
  const latenciesMs: number[] = [];
  const cpuStart = process.cpuUsage();
  const started = process.hrtime.bigint();
  let seconds: number;
  do {
    for (const q of set.queries) {
      const t0 = performance.now();
      layout.search(q, set.k, ef);
      latenciesMs.push(performance.now() - t0);
    }
    seconds = secondsSince(started);
  } while (seconds < minSeconds);
  return { queries: latenciesMs.length, seconds, cpuSeconds: cpuSecondsSince(cpuStart), latenciesMs };
}

export interface AtRecall {
  target: number;
  ef: number | null;
  recall_at_10: number | null;
  qps: number | null;
  qps_cpu: number | null;
  qps_per_round: number[];
  qps_cpu_per_round: number[];
  p50_ms: number | null;
  p99_ms: number | null;
}

function pooled(target: number, ef: number | null, sweep: SweepPoint[], runs: TimedPasses[]): AtRecall {
  if (ef === null || runs.length === 0) {
    const none = { qps: null, qps_cpu: null, p50_ms: null, p99_ms: null };
    return { target, ef: null, recall_at_10: null, qps_per_round: [], qps_cpu_per_round: [], ...none };
  }
  const queries = runs.reduce((s, r) => s + r.queries, 0);
  const latency = summarize(runs.flatMap((r) => r.latenciesMs));
  return {
    target,
    ef,
    recall_at_10: sweep.find((p) => p.ef === ef)?.recall ?? null,
    qps: queries / runs.reduce((s, r) => s + r.seconds, 0),
    qps_cpu: queries / runs.reduce((s, r) => s + r.cpuSeconds, 0),
    qps_per_round: runs.map((r) => r.queries / r.seconds),
    qps_cpu_per_round: runs.map((r) => r.queries / r.cpuSeconds),
    p50_ms: latency.p50,
    p99_ms: latency.p99,
  };
}

export interface TimingOptions {
  targets: readonly number[];
  rounds: number;
  minSeconds: number;
  log: (line: string) => void;
}

/** Timed comparison of two layouts at each target; `sweeps[i]` is `layouts[i]`'s ef sweep. */
export function compareAtRecall(
  layouts: readonly Layout[],
  sweeps: readonly SweepPoint[][],
  set: QuerySet,
  options: TimingOptions,
): AtRecall[][] {
  const out: AtRecall[][] = layouts.map(() => []);
  for (const target of options.targets) {
    const efs = sweeps.map((sweep) => smallestEfReaching(sweep, target));
    const runs: TimedPasses[][] = layouts.map(() => []);
    for (let round = 0; round < options.rounds; round++) {
      layouts.forEach((layout, i) => {
        const ef = efs[i];
        if (ef === null) return;
        const run = timePasses(layout, set, ef, options.minSeconds);
        runs[i].push(run);
        const qps = run.queries / run.seconds;
        options.log(`    round ${round + 1} ${layout.name} @${target} ef=${ef}: ${qps.toFixed(0)} QPS`);
      });
    }
    layouts.forEach((_, i) => out[i].push(pooled(target, efs[i], sweeps[i], runs[i])));
  }
  return out;
}
