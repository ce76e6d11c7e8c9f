/**
 * Helpers shared by the `VectorIndex` contract suite and the engine tests: seeded data, a reference
 * distance in reported units, and an assertion on `IndexError` codes.
 */

import { expect } from "vitest";
import { IndexError } from "../../src/index/errors.js";
import type { IndexErrorCode } from "../../src/index/errors.js";
import type { SeededRandom } from "../../src/index/random.js";
import { SeededRandom as Rng } from "../../src/index/random.js";
import type { Metric, VectorIndex } from "../../src/index/types.js";
import { checkVector } from "../../src/index/validation.js";

export type IndexFactory = (params: { dim: number; metric: Metric }) => VectorIndex;

export function randomVector(rng: SeededRandom, dim: number): number[] {
  return Array.from({ length: dim }, () => rng.nextGaussian());
}

/** Builds an index of `n` seeded Gaussian points named `p0..p{n-1}` and returns it with its vectors. */
export function filledIndex(
  factory: IndexFactory,
  metric: Metric,
  n: number,
  dim = 8,
  seed = 42,
): { index: VectorIndex; vectors: number[][]; rng: SeededRandom } {
  const rng = new Rng(seed);
  const index = factory({ dim, metric });
  const vectors: number[][] = [];
  for (let i = 0; i < n; i++) {
    vectors.push(randomVector(rng, dim));
    index.upsert(`p${i}`, vectors[i]);
  }
  return { index, vectors, rng };
}

/** The distance a search should report between `a` and `b`, computed independently in float64. */
export function expectedDistance(metric: Metric, a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = checkVector(a, a.length, metric);
  const y = checkVector(b, b.length, metric);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += metric === "l2" ? (x[i] - y[i]) ** 2 : x[i] * y[i];
  if (metric === "l2") return Math.sqrt(sum);
  return metric === "cosine" ? 1 - sum : -sum;
}

/** Asserts that `fn` throws an `IndexError` with `code`. */
export function expectIndexError(fn: () => unknown, code: IndexErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected IndexError ${code}`).toBeInstanceOf(IndexError);
  expect((thrown as IndexError).code).toBe(code);
}
