/**
 * Exact k-nearest neighbours by full scan: the ground truth for datasets that ship without one (the
 * synthetic set, or a real set cut down by `--quick`).
 *
 * Contract: `exactKnn` returns, for each query, the ids (row numbers) of its `k` nearest base rows,
 * nearest first, ties broken by the smaller id, so the result is deterministic. `cosine` ranks by
 * 1 - cosine similarity of the raw vectors (both sides normalised here). `exactKnnParallel` splits the
 * queries over worker threads and returns the same answer as the single-threaded scan.
 */

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

import { TopK, cosineDistance, l2Squared } from "../../src/index/index.js";

export type ExactMetric = "l2" | "cosine";

export interface ExactKnnInput {
  metric: ExactMetric;
  dim: number;
  base: Float32Array;
  queries: Float32Array;
  k: number;
}

/** Unit-length copies of the rows (zero rows stay zero, so they are far from everything). */
export function normalizeRows(data: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let off = 0; off < data.length; off += dim) {
    let norm = 0;
    for (let i = 0; i < dim; i++) norm += data[off + i] * data[off + i];
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < dim; i++) out[off + i] = data[off + i] * scale;
  }
  return out;
}

/** Top-k of one query through the engine's `TopK` (ties go to the smaller id, as documented above). */
function scanOne(
  input: ExactKnnInput,
  base: Float32Array,
  query: Float32Array,
  qOff: number,
  out: Int32Array,
  outOff: number,
): void {
  const { dim, k } = input;
  const kernel = input.metric === "l2" ? l2Squared : cosineDistance;
  const n = base.length / dim;
  const top = new TopK<number>(k);
  for (let id = 0; id < n; id++) {
    const d = kernel(base, id * dim, query, qOff, dim);
    if (d <= top.bound) top.offer(d, id);
  }
  out.fill(-1, outOff, outOff + k);
  top.sorted().forEach((entry, i) => (out[outOff + i] = entry.id));
}

/** Exact k-NN of queries `[from, to)`; row `q - from` of the result holds query `q`'s neighbours. */
export function exactKnn(input: ExactKnnInput, from = 0, to = input.queries.length / input.dim): Int32Array {
  const { dim, k, metric } = input;
  const base = metric === "cosine" ? normalizeRows(input.base, dim) : input.base;
  const queries = metric === "cosine" ? normalizeRows(input.queries, dim) : input.queries;
  const out = new Int32Array((to - from) * k);
  for (let q = from; q < to; q++) scanOne(input, base, queries, q * dim, out, (q - from) * k);
  return out;
}

/** Below this many (base row, query) pairs a single-threaded scan finishes before workers start. */
const PARALLEL_MIN_PAIRS = 20_000_000;

/** Copies a Float32Array into shared memory so workers read it without a per-worker copy. */
function shared(data: Float32Array): Float32Array {
  const out = new Float32Array(new SharedArrayBuffer(data.byteLength));
  out.set(data);
  return out;
}

/**
 * The same answer as `exactKnn`, computed on up to `threads` worker threads (default: the cores).
 * Workers are TypeScript modules, so each one first registers tsx's loader, the runner this repo uses.
 */
export async function exactKnnParallel(
  input: ExactKnnInput,
  threads = availableParallelism(),
): Promise<Int32Array> {
  const nq = input.queries.length / input.dim;
  const workers = Math.max(1, Math.min(threads, nq));
  // Starting a worker and its TypeScript loader costs about a second: not worth it for small scans.
  if (workers === 1 || (input.base.length / input.dim) * nq < PARALLEL_MIN_PAIRS) return exactKnn(input);
  const sharedInput: ExactKnnInput = { ...input, base: shared(input.base), queries: shared(input.queries) };
  const workerUrl = new URL("./exact-knn-worker.ts", import.meta.url).href;
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(workerUrl)}); });`;
  const per = Math.ceil(nq / workers);
  const parts = await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const from = Math.min(nq, w * per);
      const to = Math.min(nq, from + per);
      return new Promise<Int32Array>((resolve, reject) => {
        const worker = new Worker(boot, { eval: true, workerData: { input: sharedInput, from, to } });
        worker.once("message", (ids: Int32Array) => {
          resolve(ids);
          void worker.terminate();
        });
        worker.once("error", reject);
      });
    }),
  );
  const out = new Int32Array(nq * input.k);
  let off = 0;
  for (const part of parts) {
    out.set(part, off);
    off += part.length;
  }
  return out;
}
