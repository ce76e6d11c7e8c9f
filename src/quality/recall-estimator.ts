/**
 * Live recall estimate: how often the approximate index returns the true nearest neighbours.
 *
 * Contract: `estimateRecall(index, queries, options)` answers every query twice, once through
 * `index.search(q, k, { ef })` (the collection's own ef, so the estimate is of the recall users get)
 * and once exactly by a cooperative scan of every live point (`exactKnnScan`). For each query,
 * recall@k is the fraction of the exact k nearest the index returned; the estimate is the mean over
 * the queries, reported with its standard error and a 95% normal interval across queries (per-query
 * recalls are bounded and roughly independent, so the central limit theorem applies for a few dozen
 * queries; with one query the interval is [0, 1]).
 *
 * Ties: an index hit counts as correct when its distance is no larger than the exact k-th distance,
 * not only when its id matches. Otherwise duplicated vectors would make a perfect index look imperfect,
 * since which of several equidistant ids comes first is arbitrary.
 *
 * Live-point queries (with `excludeId`) ask the index for k + 1 and drop the point itself, and the
 * exact scan skips it too, so a point is never counted as its own neighbour on either side.
 *
 * The index answers first, for all queries (yielding between queries once a slice's time is spent);
 * the exact scan then runs in slices.
 * Writes applied during the scan shift the truth slightly (see exact-scan.ts); this module does no
 * I/O and schedules nothing itself beyond the scan's yields.
 */

import { IndexError, kernelFor } from "../index/index.js";
import type { DistanceKernel, VectorIndex } from "../index/index.js";
import type { ScanBudget, ScanNeighbor, ScanQuery } from "./exact-scan.js";
import { DEFAULT_SLICE_MS, ScanAbortedError, exactKnnScan, yieldWithSetImmediate } from "./exact-scan.js";

export interface RecallOptions {
  /** The k of recall@k. */
  k: number;
  /** The beam width the index is asked to use (the collection's default ef). */
  ef: number;
  budget?: ScanBudget;
}

export interface RecallEstimate {
  /** Mean recall@k over the queries, in [0, 1]. */
  recall: number;
  /** Queries that contributed (those with at least one live neighbour). */
  queries: number;
  k: number;
  /** Standard error of the mean across queries (NaN with a single query). */
  standardError: number;
  /** 95% normal interval of the mean, clipped to [0, 1]. */
  interval: [number, number];
  /** Live vectors the exact scan read. */
  scanned: number;
  /** Slices the exact scan was cut into. */
  slices: number;
}

/** A small relative slack so that the same distance computed twice never counts as "farther". */
const TIE_SLACK = 1e-6;

/** Measures recall@k of `index` on `queries`; undefined when there is nothing to measure. */
export async function estimateRecall(
  index: VectorIndex,
  queries: readonly ScanQuery[],
  options: RecallOptions,
): Promise<RecallEstimate | undefined> {
  const { k } = options;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`recall k must be a positive integer, got ${k}`);
  if (index.size === 0 || queries.length === 0) return undefined;
  const kernel = kernelFor(index.metric);
  const answered = await answerByIndex(index, queries, options, kernel);
  if (answered.length === 0) return undefined;
  const exact = await exactKnnScan(
    index,
    answered.map((a) => a.query),
    k,
    kernel,
    options.budget,
  );
  const perQuery: number[] = [];
  exact.neighbors.forEach((truth, q) => {
    if (truth.length > 0) perQuery.push(queryRecall(answered[q].approximate, truth));
  });
  if (perQuery.length === 0) return undefined;
  return { ...summarise(perQuery), k, scanned: exact.scanned, slices: exact.slices };
}

/**
 * The index's answers, one query after another, yielding to the event loop whenever a slice's time is
 * spent: an HNSW search takes well under a slice, but an exact engine (or a huge ef) may not. A query
 * the engine rejects (`IndexError`: a recorded vector that no longer fits, say) is left out rather than
 * failing the whole probe; any other error propagates.
 */
async function answerByIndex(
  index: VectorIndex,
  queries: readonly ScanQuery[],
  options: RecallOptions,
  kernel: DistanceKernel,
): Promise<{ query: ScanQuery; approximate: ScanNeighbor[] }[]> {
  const sliceMs = options.budget?.sliceMs ?? DEFAULT_SLICE_MS;
  const yieldToLoop = options.budget?.yieldToLoop ?? yieldWithSetImmediate;
  const answers: { query: ScanQuery; approximate: ScanNeighbor[] }[] = [];
  let sliceStart = performance.now();
  for (const query of queries) {
    if (performance.now() - sliceStart >= sliceMs) {
      if (options.budget?.isAborted?.()) throw new ScanAbortedError();
      await yieldToLoop();
      sliceStart = performance.now();
    }
    try {
      answers.push({ query, approximate: approximateNeighbors(index, query, options.k, options.ef, kernel) });
    } catch (error) {
      if (!(error instanceof IndexError)) throw error;
    }
  }
  return answers;
}

/**
 * The index's answer to one query, with distances recomputed by the same kernel as the exact scan
 * (the index reports e.g. Euclidean rather than squared distances, and the two must compare exactly).
 */
function approximateNeighbors(
  index: VectorIndex,
  query: ScanQuery,
  k: number,
  ef: number,
  kernel: DistanceKernel,
): ScanNeighbor[] {
  const ask = query.excludeId === undefined ? k : k + 1;
  const hits = index.search(query.vector, ask, { ef: Math.max(ef, ask) });
  const result: ScanNeighbor[] = [];
  for (const hit of hits) {
    if (hit.id === query.excludeId || result.length === k) continue;
    const vector = index.getVector(hit.id);
    if (vector === undefined) continue;
    result.push({ id: hit.id, distance: kernel(query.vector, 0, vector, 0, index.dim) });
  }
  return result;
}

/** Fraction of the exact neighbours matched: hits within the exact k-th distance, at most |truth|. */
export function queryRecall(approximate: readonly ScanNeighbor[], truth: readonly ScanNeighbor[]): number {
  if (truth.length === 0) return 1;
  const kth = truth[truth.length - 1].distance;
  const bound = kth + TIE_SLACK * Math.max(1, Math.abs(kth));
  let correct = 0;
  for (const hit of approximate) if (hit.distance <= bound) correct++;
  return Math.min(correct, truth.length) / truth.length;
}

function summarise(
  values: readonly number[],
): Pick<RecallEstimate, "recall" | "queries" | "standardError" | "interval"> {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n < 2) return { recall: mean, queries: n, standardError: Number.NaN, interval: [0, 1] };
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  const standardError = Math.sqrt(variance / n);
  const half = 1.96 * standardError;
  return {
    recall: mean,
    queries: n,
    standardError,
    interval: [Math.max(0, mean - half), Math.min(1, mean + half)],
  };
}
