/**
 * Intrinsic dimensionality of a collection, by the maximum-likelihood estimator of Levina and Bickel
 * (NIPS 2004, "Maximum likelihood estimation of intrinsic dimension").
 *
 * Contract: for each sampled live point x, with T_1 <= ... <= T_k the Euclidean distances to its k
 * nearest other live points (exact, from a cooperative scan),
 *
 *     m_k(x) = [ 1/(k-1) * sum_{j=1}^{k-1} ln(T_k / T_j) ]^-1
 *
 * and the collection's estimate aggregates the inverses, as MacKay and Ghahramani's comment on the
 * paper recommends: m_k = [ mean_x m_k(x)^-1 ]^-1. Averaging the inverses is the maximum-likelihood
 * combination (the per-point estimates are inverses of means of logs, so their plain mean is biased
 * upwards by the points with tiny log-ratio sums).
 *
 * Distances are Euclidean whatever the collection's metric: under `cosine` the stored vectors are
 * unit-normalised, so this is the chord distance sqrt(2 - 2 cos), a monotone function of the metric;
 * under `dot` it is the plain Euclidean geometry of the stored vectors. Neighbours at distance 0
 * (duplicates of the point) carry no scale information and would make ln(T_k/T_j) infinite, so they
 * are dropped; a point whose remaining neighbourhood has fewer than 2 distances, or whose distances
 * are all equal, is skipped. The estimate is of the data's dimension near the sampled points: the
 * quantity Elliott and Clark found recall to depend on.
 */

import { l2Squared } from "../index/index.js";
import type { SeededRandom, VectorIndex } from "../index/index.js";
import type { ScanBudget, ScanQuery } from "./exact-scan.js";
import { exactKnnScan } from "./exact-scan.js";
import { sampleLivePoints } from "./sampling.js";

export interface LidOptions {
  /** Neighbourhood size k (Levina and Bickel use 10 to 20; at least 2). */
  k: number;
  /** Live points to sample. */
  sampleSize: number;
  random: SeededRandom;
  budget?: ScanBudget;
}

export interface LidEstimate {
  /** Aggregated intrinsic dimension estimate. */
  lid: number;
  /** Sampled points that contributed a finite per-point estimate. */
  points: number;
  k: number;
  /** Live vectors the exact scan read. */
  scanned: number;
}

/**
 * Levina-Bickel estimate for one point from its sorted neighbour distances (Euclidean, nearest first,
 * zeros allowed). Returns the inverse m_k(x)^-1 (the mean log ratio), or undefined if degenerate.
 */
export function inverseLocalDimension(distances: readonly number[]): number | undefined {
  const positive = distances.filter((d) => d > 0);
  if (positive.length < 2) return undefined;
  const tk = positive[positive.length - 1];
  let sum = 0;
  for (let j = 0; j < positive.length - 1; j++) sum += Math.log(tk / positive[j]);
  const inverse = sum / (positive.length - 1);
  return inverse > 0 && Number.isFinite(inverse) ? inverse : undefined;
}

/** MacKay-Ghahramani aggregate of neighbourhoods: the inverse of the mean inverse. */
export function aggregateLid(
  neighbourhoods: readonly (readonly number[])[],
): { lid: number; points: number } | undefined {
  let sum = 0;
  let points = 0;
  for (const distances of neighbourhoods) {
    const inverse = inverseLocalDimension(distances);
    if (inverse === undefined) continue;
    sum += inverse;
    points++;
  }
  return points === 0 ? undefined : { lid: points / sum, points };
}

/** Estimates the collection's intrinsic dimension; undefined when too few points are live. */
export async function estimateLid(index: VectorIndex, options: LidOptions): Promise<LidEstimate | undefined> {
  const { k, sampleSize, random, budget } = options;
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`LID k must be an integer >= 2, got ${k}`);
  if (index.size <= 2) return undefined;
  const queries: ScanQuery[] = [];
  for (const id of await sampleLivePoints(index, sampleSize, random, budget)) {
    const vector = index.getVector(id);
    if (vector !== undefined) queries.push({ vector: Float32Array.from(vector), excludeId: id });
  }
  if (queries.length === 0) return undefined;
  const scan = await exactKnnScan(index, queries, k, l2Squared, budget);
  const result = aggregateLid(scan.neighbors.map((hood) => hood.map((n) => Math.sqrt(n.distance))));
  return result === undefined
    ? undefined
    : { lid: result.lid, points: result.points, k, scanned: scan.scanned };
}
