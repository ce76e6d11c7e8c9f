/**
 * Alternative JS distance kernels, measured against the production ones in `src/index/distance.ts`.
 *
 * Contract: same results as the production kernels up to float rounding (the fround variants sum in
 * float32). They live in the benchmark, not the engine, until a measurement says one of them is
 * worth adopting.
 */

/** Squared L2 unrolled by eight: more independent accumulators than `l2Squared`'s four. */
export function l2Unroll8(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  const end8 = dim - (dim & 7);
  for (; i < end8; i += 8) {
    const d0 = a[aOff + i] - b[bOff + i];
    const d1 = a[aOff + i + 1] - b[bOff + i + 1];
    const d2 = a[aOff + i + 2] - b[bOff + i + 2];
    const d3 = a[aOff + i + 3] - b[bOff + i + 3];
    const d4 = a[aOff + i + 4] - b[bOff + i + 4];
    const d5 = a[aOff + i + 5] - b[bOff + i + 5];
    const d6 = a[aOff + i + 6] - b[bOff + i + 6];
    const d7 = a[aOff + i + 7] - b[bOff + i + 7];
    s0 += d0 * d0 + d4 * d4;
    s1 += d1 * d1 + d5 * d5;
    s2 += d2 * d2 + d6 * d6;
    s3 += d3 * d3 + d7 * d7;
  }
  for (; i < dim; i++) {
    const d = a[aOff + i] - b[bOff + i];
    s0 += d * d;
  }
  return s0 + s1 + s2 + s3;
}

/** Inner product unrolled by eight. */
export function ipUnroll8(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  const end8 = dim - (dim & 7);
  for (; i < end8; i += 8) {
    s0 += a[aOff + i] * b[bOff + i] + a[aOff + i + 4] * b[bOff + i + 4];
    s1 += a[aOff + i + 1] * b[bOff + i + 1] + a[aOff + i + 5] * b[bOff + i + 5];
    s2 += a[aOff + i + 2] * b[bOff + i + 2] + a[aOff + i + 6] * b[bOff + i + 6];
    s3 += a[aOff + i + 3] * b[bOff + i + 3] + a[aOff + i + 7] * b[bOff + i + 7];
  }
  for (; i < dim; i++) s0 += a[aOff + i] * b[bOff + i];
  return s0 + s1 + s2 + s3;
}

/**
 * Squared L2 unrolled by four with every operation wrapped in `Math.fround`, which lets TurboFan keep
 * the arithmetic in float32 (no float32 -> float64 widening of the loaded values).
 */
export function l2Fround(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  const f = Math.fround;
  let s0 = f(0);
  let s1 = f(0);
  let s2 = f(0);
  let s3 = f(0);
  let i = 0;
  const end4 = dim - (dim & 3);
  for (; i < end4; i += 4) {
    const d0 = f(a[aOff + i] - b[bOff + i]);
    const d1 = f(a[aOff + i + 1] - b[bOff + i + 1]);
    const d2 = f(a[aOff + i + 2] - b[bOff + i + 2]);
    const d3 = f(a[aOff + i + 3] - b[bOff + i + 3]);
    s0 = f(s0 + f(d0 * d0));
    s1 = f(s1 + f(d1 * d1));
    s2 = f(s2 + f(d2 * d2));
    s3 = f(s3 + f(d3 * d3));
  }
  for (; i < dim; i++) {
    const d = f(a[aOff + i] - b[bOff + i]);
    s0 = f(s0 + f(d * d));
  }
  return f(f(s0 + s1) + f(s2 + s3));
}

/** Inner product with float32 arithmetic via `Math.fround`. */
export function ipFround(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  const f = Math.fround;
  let s0 = f(0);
  let s1 = f(0);
  let s2 = f(0);
  let s3 = f(0);
  let i = 0;
  const end4 = dim - (dim & 3);
  for (; i < end4; i += 4) {
    s0 = f(s0 + f(a[aOff + i] * b[bOff + i]));
    s1 = f(s1 + f(a[aOff + i + 1] * b[bOff + i + 1]));
    s2 = f(s2 + f(a[aOff + i + 2] * b[bOff + i + 2]));
    s3 = f(s3 + f(a[aOff + i + 3] * b[bOff + i + 3]));
  }
  for (; i < dim; i++) s0 = f(s0 + f(a[aOff + i] * b[bOff + i]));
  return f(f(s0 + s1) + f(s2 + s3));
}

/** Squared L2 over two whole arrays (per-slot `subarray` views): no offset arithmetic in the loop. */
export function l2Views(a: Float32Array, b: Float32Array, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  const end4 = dim - (dim & 3);
  for (; i < end4; i += 4) {
    const d0 = a[i] - b[i];
    const d1 = a[i + 1] - b[i + 1];
    const d2 = a[i + 2] - b[i + 2];
    const d3 = a[i + 3] - b[i + 3];
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < dim; i++) {
    const d = a[i] - b[i];
    s0 += d * d;
  }
  return s0 + s1 + s2 + s3;
}

/** Inner product over two whole arrays. */
export function ipViews(a: Float32Array, b: Float32Array, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  const end4 = dim - (dim & 3);
  for (; i < end4; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < dim; i++) s0 += a[i] * b[i];
  return s0 + s1 + s2 + s3;
}
