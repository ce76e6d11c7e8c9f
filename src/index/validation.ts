/**
 * Input checks at the engine's boundary. Adapters validate too (to answer 400 or dead-letter with
 * context), but the engine never trusts its caller: a NaN inside the graph would poison every distance.
 *
 * Contract: each check throws an `IndexError` with a stable code naming what to fix, or returns the
 * value in the form the engine stores.
 */

import { IndexError } from "./errors.js";
import type { Metric } from "./types.js";

/** Largest `k` or `ef` a single query may ask for; beyond this a query is a scan, not a k-NN lookup. */
export const MAX_K = 10_000;
export const MAX_EF = 100_000;
/** Ids are UTF-16 strings; this bound keeps id maps and snapshots from being abused as blob stores. */
export const MAX_ID_LENGTH = 1024;

/**
 * Copies `vector` into `out` (a fresh Float32Array when omitted), checking its dimension and values, and
 * normalises it under `cosine`. Returns the array written.
 */
export function checkVector(
  vector: ArrayLike<number>,
  dim: number,
  metric: Metric,
  what: "vector" | "query" = "vector",
  out: Float32Array = new Float32Array(dim),
): Float32Array {
  if (vector === null || typeof vector !== "object" || typeof vector.length !== "number") {
    throw new IndexError("DIMENSION_MISMATCH", `${what} must be an array of ${dim} numbers`, {
      expected: dim,
    });
  }
  if (vector.length !== dim) {
    throw new IndexError(
      "DIMENSION_MISMATCH",
      `${what} has ${vector.length} dimensions, the index has ${dim}`,
      { expected: dim, received: vector.length },
    );
  }
  let norm = 0;
  for (let i = 0; i < dim; i++) {
    const x = vector[i];
    if (typeof x !== "number" || !Number.isFinite(x) || !Number.isFinite(Math.fround(x))) {
      throw new IndexError(
        "NON_FINITE_VALUE",
        `${what}[${i}] is ${String(x)}; every value must be a finite float32`,
        {
          index: i,
        },
      );
    }
    out[i] = x;
    norm += out[i] * out[i];
  }
  if (metric === "cosine") {
    if (!(norm > 0) || !Number.isFinite(norm)) {
      throw new IndexError("ZERO_VECTOR", `${what} has zero length; cosine distance is undefined for it`, {});
    }
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < dim; i++) out[i] *= inv;
  }
  return out;
}

export function checkK(k: unknown): number {
  if (typeof k !== "number" || !Number.isInteger(k) || k < 1 || k > MAX_K) {
    throw new IndexError("INVALID_K", `k must be an integer from 1 to ${MAX_K}, got ${String(k)}`, { k });
  }
  return k;
}

export function checkEf(ef: unknown): number {
  if (typeof ef !== "number" || !Number.isInteger(ef) || ef < 1 || ef > MAX_EF) {
    throw new IndexError("INVALID_EF", `ef must be an integer from 1 to ${MAX_EF}, got ${String(ef)}`, {
      ef,
    });
  }
  return ef;
}

export function checkId(id: unknown): string {
  if (typeof id !== "string" || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw new IndexError(
      "INVALID_ID",
      `id must be a non-empty string of at most ${MAX_ID_LENGTH} characters`,
      { length: typeof id === "string" ? id.length : undefined },
    );
  }
  return id;
}
