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

/**
 * Two distances from one query, `out[k] = d(a, b)` and `out[k + 1] = d(a, c)`: the query is loaded once
 * for both, and the two independent sums keep more of the CPU busy. Each sum runs in exactly the order
 * of the single kernel, so results are bit-identical to it. Measured: docs/decisions/pair-kernels.md.
 */
export type PairKernel = (
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  c: Float32Array,
  cOff: number,
  dim: number,
  out: Float64Array,
  k: number,
) => void;

export function l2SquaredPair(
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  c: Float32Array,
  cOff: number,
  dim: number,
  out: Float64Array,
  k: number,
): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t0 = 0;
  let t1 = 0;
  let t2 = 0;
  let t3 = 0;
  let i = 0;
  const end4 = dim - (dim & 3);
  for (; i < end4; i += 4) {
    const a0 = a[aOff + i];
    const a1 = a[aOff + i + 1];
    const a2 = a[aOff + i + 2];
    const a3 = a[aOff + i + 3];
    const d0 = a0 - b[bOff + i];
    const d1 = a1 - b[bOff + i + 1];
    const d2 = a2 - b[bOff + i + 2];
    const d3 = a3 - b[bOff + i + 3];
    const e0 = a0 - c[cOff + i];
    const e1 = a1 - c[cOff + i + 1];
    const e2 = a2 - c[cOff + i + 2];
    const e3 = a3 - c[cOff + i + 3];
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
    t0 += e0 * e0;
    t1 += e1 * e1;
    t2 += e2 * e2;
    t3 += e3 * e3;
  }
  for (; i < dim; i++) {
    const d = a[aOff + i] - b[bOff + i];
    const e = a[aOff + i] - c[cOff + i];
    s0 += d * d;
    t0 += e * e;
  }
  out[k] = s0 + s1 + s2 + s3;
  out[k + 1] = t0 + t1 + t2 + t3;
}

/** Two inner products from one query (same summation order as `innerProduct`). */
export function innerProductPair(
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  c: Float32Array,
  cOff: number,
  dim: number,
  out: Float64Array,
  k: number,
): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t0 = 0;
  let t1 = 0;
  let t2 = 0;
  let t3 = 0;
  let i = 0;
  const end4 = dim - (dim & 3);
  for (; i < end4; i += 4) {
    const a0 = a[aOff + i];
    const a1 = a[aOff + i + 1];
    const a2 = a[aOff + i + 2];
    const a3 = a[aOff + i + 3];
    s0 += a0 * b[bOff + i];
    s1 += a1 * b[bOff + i + 1];
    s2 += a2 * b[bOff + i + 2];
    s3 += a3 * b[bOff + i + 3];
    t0 += a0 * c[cOff + i];
    t1 += a1 * c[cOff + i + 1];
    t2 += a2 * c[cOff + i + 2];
    t3 += a3 * c[cOff + i + 3];
  }
  for (; i < dim; i++) {
    s0 += a[aOff + i] * b[bOff + i];
    t0 += a[aOff + i] * c[cOff + i];
  }
  out[k] = s0 + s1 + s2 + s3;
  out[k + 1] = t0 + t1 + t2 + t3;
}

function cosineDistancePair(
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  c: Float32Array,
  cOff: number,
  dim: number,
  out: Float64Array,
  k: number,
): void {
  innerProductPair(a, aOff, b, bOff, c, cOff, dim, out, k);
  out[k] = 1 - out[k];
  out[k + 1] = 1 - out[k + 1];
}

function negativeDotPair(
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  c: Float32Array,
  cOff: number,
  dim: number,
  out: Float64Array,
  k: number,
): void {
  innerProductPair(a, aOff, b, bOff, c, cOff, dim, out, k);
  out[k] = -out[k];
  out[k + 1] = -out[k + 1];
}

/**
 * The pair kernel matching `kernel`. For a kernel this module does not know (a measurement adaptor, a
 * WebAssembly kernel), a pair is two calls of it, so every distance still goes through that kernel.
 */
export function pairKernelFor(kernel: DistanceKernel): PairKernel {
  if (kernel === l2Squared) return l2SquaredPair;
  if (kernel === cosineDistance) return cosineDistancePair;
  if (kernel === negativeDot) return negativeDotPair;
  return (a, aOff, b, bOff, c, cOff, dim, out, k) => {
    out[k] = kernel(a, aOff, b, bOff, dim);
    out[k + 1] = kernel(a, aOff, c, cOff, dim);
  };
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

/**
 * True when ranking by the metric's own kernel orders stored points exactly as `kernel` does, for any
 * fixed query: the kernel itself, or `l2Squared` under `cosine` (stored vectors are unit length, so
 * |q - v|^2 = |q|^2 + 1 - 2 q.v grows with 1 - q.v). An exact scan may then rank with the metric's
 * faster batch kernels and rescore only its survivors with `kernel`.
 */
export function ranksLike(kernel: DistanceKernel, metric: Metric): boolean {
  return kernel === kernelFor(metric) || (kernel === l2Squared && metric === "cosine");
}
