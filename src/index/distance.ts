/**
 * Distance kernels over vectors stored back to back in one Float32Array (a slab with a fixed stride).
 *
 * Contract: every kernel reads `dim` floats at `a[aOff..]` and `b[bOff..]`, allocates nothing and
 * returns a number where smaller means nearer. Internally `l2` is the squared Euclidean distance (the
 * square root is monotone, so rankings agree and it is taken only for reported results); `cosine` runs
 * on vectors normalised at insert, so it is 1 - dot; `dot` is the negated inner product.
 */

import type { Metric } from "./types.js";

/** Signature shared by all kernels, so the index picks one function once and calls it monomorphically. */
export type DistanceKernel = (
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  dim: number,
) => number;

/** Squared Euclidean distance, unrolled by four (V8 keeps four independent accumulators in registers). */
export function l2Squared(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  const end4 = dim - (dim & 3);
  for (; i < end4; i += 4) {
    const d0 = a[aOff + i] - b[bOff + i];
    const d1 = a[aOff + i + 1] - b[bOff + i + 1];
    const d2 = a[aOff + i + 2] - b[bOff + i + 2];
    const d3 = a[aOff + i + 3] - b[bOff + i + 3];
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < dim; i++) {
    const d = a[aOff + i] - b[bOff + i];
    s0 += d * d;
  }
  return s0 + s1 + s2 + s3;
}

/** Inner product, unrolled by four. */
export function innerProduct(
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  dim: number,
): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  const end4 = dim - (dim & 3);
  for (; i < end4; i += 4) {
    s0 += a[aOff + i] * b[bOff + i];
    s1 += a[aOff + i + 1] * b[bOff + i + 1];
    s2 += a[aOff + i + 2] * b[bOff + i + 2];
    s3 += a[aOff + i + 3] * b[bOff + i + 3];
  }
  for (; i < dim; i++) s0 += a[aOff + i] * b[bOff + i];
  return s0 + s1 + s2 + s3;
}

/** 1 - cosine similarity for unit vectors. */
export function cosineDistance(
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  dim: number,
): number {
  return 1 - innerProduct(a, aOff, b, bOff, dim);
}

/** Negated inner product, so that the largest inner product is the nearest. */
export function negativeDot(
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  dim: number,
): number {
  return -innerProduct(a, aOff, b, bOff, dim);
}

export function kernelFor(metric: Metric): DistanceKernel {
  switch (metric) {
    case "l2":
      return l2Squared;
    case "cosine":
      return cosineDistance;
    case "dot":
      return negativeDot;
  }
}

/** Converts an internal distance to the unit reported to callers (see `SearchHit.distance`). */
export function reportedDistance(metric: Metric, internal: number): number {
  return metric === "l2" ? Math.sqrt(Math.max(0, internal)) : internal;
}
