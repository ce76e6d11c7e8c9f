/**
 * Pure helpers of the layout comparison: the exact top-k merge that fans a query out over partition
 * graphs, the ground truth of the points left after a revoke, and the choice of ef at a target recall.
 *
 * Contract:
 * - `mergeTopK` returns the `k` hits of smallest distance over all lists, nearest first (ties keep
 *   the earlier list's hit first), which is the exact top-k of the union whenever each list holds its
 *   own partition's top-k: partitions are disjoint, so nothing is counted twice.
 * - `groundTruthWithout` keeps, per query, the first `k` true neighbours whose partition is not
 *   `revoked`; a query with fewer than `k` such neighbours in its `gtK` throws (recall would be
 *   scored against a short list).
 * - `smallestEfReaching` is the smallest swept ef whose recall is at least `target`, else null.
 */

import type { SearchHit } from "../../src/index/index.js";

export function mergeTopK(lists: readonly (readonly SearchHit[])[], k: number): SearchHit[] {
  const all: SearchHit[] = [];
  for (const list of lists) for (const hit of list) all.push(hit);
  // Array.prototype.sort is stable, so equal distances keep list order.
  all.sort((a, b) => a.distance - b.distance);
  return all.length > k ? all.slice(0, k) : all;
}

export function groundTruthWithout(
  gt: ArrayLike<number>,
  gtK: number,
  partitionOf: ArrayLike<number>,
  revoked: number,
  k: number,
): Int32Array {
  const nq = gt.length / gtK;
  const out = new Int32Array(nq * k);
  for (let q = 0; q < nq; q++) {
    let kept = 0;
    for (let j = 0; j < gtK && kept < k; j++) {
      const row = gt[q * gtK + j];
      if (partitionOf[row] !== revoked) out[q * k + kept++] = row;
    }
    if (kept < k) {
      throw new Error(
        `query ${q}: only ${kept} of its ${gtK} true neighbours lie outside partition ${revoked}; recall@${k} needs ${k}`,
      );
    }
  }
  return out;
}

export interface SweepPoint {
  ef: number;
  recall: number;
}

export function smallestEfReaching(sweep: readonly SweepPoint[], target: number): number | null {
  let best: number | null = null;
  for (const { ef, recall } of sweep) if (recall >= target && (best === null || ef < best)) best = ef;
  return best;
}
