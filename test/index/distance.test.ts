/**
 * The JS distance kernels against a naive float64 loop: every dimension 1..17 (each tail length of the
 * unrolled loops), SIFT/GloVe sizes, and vectors at arbitrary offsets inside shared slabs.
 */

import { describe, expect, it } from "vitest";

import {
  cosineDistance,
  innerProduct,
  kernelFor,
  l2Squared,
  negativeDot,
  reportedDistance,
} from "../../src/index/distance.js";
import { SeededRandom } from "../../src/index/random.js";

const DIMS = [...Array.from({ length: 17 }, (_, i) => i + 1), 25, 128, 768];

function naiveL2(
  a: ArrayLike<number>,
  aOff: number,
  b: ArrayLike<number>,
  bOff: number,
  dim: number,
): number {
  let sum = 0;
  for (let i = 0; i < dim; i++) sum += (a[aOff + i] - b[bOff + i]) ** 2;
  return sum;
}

function naiveDot(
  a: ArrayLike<number>,
  aOff: number,
  b: ArrayLike<number>,
  bOff: number,
  dim: number,
): number {
  let sum = 0;
  for (let i = 0; i < dim; i++) sum += a[aOff + i] * b[bOff + i];
  return sum;
}

function randomSlab(rng: SeededRandom, length: number): Float32Array {
  const slab = new Float32Array(length);
  for (let i = 0; i < length; i++) slab[i] = rng.nextGaussian();
  return slab;
}

/** Three vectors of `dim` floats at offsets that are not multiples of 4, with junk around them. */
function fixture(dim: number, seed: number) {
  const rng = new SeededRandom(seed);
  const a = randomSlab(rng, 3 * dim + 7);
  const b = randomSlab(rng, 2 * dim + 5);
  return { a, b, aOff: dim + 3, bOff: 5 };
}

const closeTo = (actual: number, expected: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
};

describe("JS distance kernels", () => {
  it.each(DIMS)("l2Squared equals a naive loop at dim %i, at any offsets", (dim) => {
    const { a, b, aOff, bOff } = fixture(dim, dim);
    closeTo(l2Squared(a, aOff, b, bOff, dim), naiveL2(a, aOff, b, bOff, dim));
    closeTo(l2Squared(a, 0, a, aOff, dim), naiveL2(a, 0, a, aOff, dim));
  });

  it.each(DIMS)("innerProduct equals a naive loop at dim %i, at any offsets", (dim) => {
    const { a, b, aOff, bOff } = fixture(dim, 1000 + dim);
    closeTo(innerProduct(a, aOff, b, bOff, dim), naiveDot(a, aOff, b, bOff, dim));
  });

  it.each(DIMS)("cosineDistance is 1 - dot and negativeDot is -dot at dim %i", (dim) => {
    const { a, b, aOff, bOff } = fixture(dim, 2000 + dim);
    const dot = naiveDot(a, aOff, b, bOff, dim);
    closeTo(cosineDistance(a, aOff, b, bOff, dim), 1 - dot);
    closeTo(negativeDot(a, aOff, b, bOff, dim), -dot);
  });

  it("reads only the dim floats at each offset", () => {
    const a = new Float32Array([99, 1, 2, 3, 99]);
    const b = new Float32Array([99, 99, 4, 6, 8, 99]);
    expect(l2Squared(a, 1, b, 2, 3)).toBe(9 + 16 + 25);
    expect(innerProduct(a, 1, b, 2, 3)).toBe(4 + 12 + 24);
  });

  it("gives zero distance from a vector to itself under l2", () => {
    const { a } = fixture(33, 7);
    expect(l2Squared(a, 4, a, 4, 33)).toBe(0);
  });

  it("ranks the larger inner product as nearer under dot", () => {
    const q = new Float32Array([1, 0]);
    const near = new Float32Array([3, 0]);
    const far = new Float32Array([1, 0]);
    expect(negativeDot(q, 0, near, 0, 2)).toBeLessThan(negativeDot(q, 0, far, 0, 2));
  });

  it("picks the kernel of each metric", () => {
    expect(kernelFor("l2")).toBe(l2Squared);
    expect(kernelFor("cosine")).toBe(cosineDistance);
    expect(kernelFor("dot")).toBe(negativeDot);
  });

  it("reports the square root of the internal l2 distance and other metrics as they are", () => {
    expect(reportedDistance("l2", 25)).toBe(5);
    expect(reportedDistance("l2", -1e-12)).toBe(0);
    expect(reportedDistance("cosine", 0.25)).toBe(0.25);
    expect(reportedDistance("dot", -3)).toBe(-3);
  });
});
