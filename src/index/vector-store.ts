/**
 * Vector storage and the distances between stored vectors: every node's vector in chunks with stride
 * `dim`, behind one API with two implementations (`JsVectorStore` here, `WasmVectorStore` in
 * vector-store-wasm.ts, chosen by `createVectorStore` there).
 *
 * Contract: slot `s` lives in `chunks[s >>> CHUNK_SHIFT]` at float offset `(s & CHUNK_MASK) * dim`;
 * callers use `chunk(s)`/`offset(s)`/`view(s)` to read it and `distance`/`distances` to compare it.
 * Distances take vector handles: a slot number, or `QUERY` for the vector last given to `setQuery`
 * (a copy, so the caller's array may change afterwards). Every function that uses `QUERY` sets it
 * first, so a query never leaks from one search into another. Distances follow distance.ts: smaller
 * is nearer; the WASM store sums in float32 lanes (relative difference ~1e-6 from the JS kernels).
 *
 * Growth (see `planGrowth`): chunk 0 doubles until it holds CHUNK_NODES slots, so small indexes stay
 * small; beyond that whole chunks are appended, so tens of millions of vectors never need one giant
 * reallocation or copy; the chunk lookup is one array load per visited node, at no measurable cost
 * (docs/decisions/vector-chunks.md).
 */

import type { DistanceKernel, PairKernel } from "./distance.js";
import { l2Squared, pairKernelFor } from "./distance.js";

/** log2 of the number of slots per full chunk (64K nodes: 32 MiB of vectors at dim 128). */
export const CHUNK_SHIFT = 16;
export const CHUNK_NODES = 1 << CHUNK_SHIFT;
export const CHUNK_MASK = CHUNK_NODES - 1;

/** The handle of the vector last passed to `setQuery` (slots are never negative). */
export const QUERY = -1;

/**
 * The slot counts of the chunks needed to hold `needed` slots, given the current chunk sizes. Returns
 * the new size of chunk 0 (when it must be reallocated) and the number of full chunks to append.
 */
export function planGrowth(
  chunk0Slots: number,
  chunkCount: number,
  needed: number,
): { chunk0Slots: number; appendFull: number } {
  let first = chunk0Slots;
  if (chunkCount <= 1 && first < CHUNK_NODES && needed > first) {
    while (first < needed && first < CHUNK_NODES) first = Math.min(CHUNK_NODES, Math.max(1, first * 2));
  }
  const capacity = first + Math.max(0, chunkCount - 1) * CHUNK_NODES;
  const appendFull = needed > capacity ? Math.ceil((needed - capacity) / CHUNK_NODES) : 0;
  return { chunk0Slots: first, appendFull };
}

/** The chunk sizes, in slots, that hold `capacity` slots under the chunk rule (a snapshot's layout). */
export function chunkSlotsFor(capacity: number): number[] {
  const first = Math.max(1, Math.min(capacity, CHUNK_NODES));
  const full = Math.ceil((capacity - first) / CHUNK_NODES);
  return [first, ...new Array<number>(full).fill(CHUNK_NODES)];
}

/**
 * Views of the first `n` records (`stride` elements each) of per-slot data held in `chunks` under the
 * chunk rule, in slot order: how such data is written to, and read from, a snapshot without copying.
 */
export function recordBlocks<T extends Float32Array | Uint32Array>(
  chunks: readonly T[],
  n: number,
  stride: number,
): T[] {
  const blocks: T[] = [];
  for (let c = 0, start = 0; start < n; c++) {
    const slots = Math.min(n - start, chunks[c].length / stride);
    blocks.push(chunks[c].subarray(0, slots * stride) as T);
    start += slots;
  }
  return blocks;
}

/** The storage API shared by both implementations; the slot accessors work on `chunks` alike. */
export abstract class VectorStore {
  readonly dim: number;
  /** Views of the vectors by chunk (see the module doc); replaced whenever the store grows. */
  chunks: Float32Array[] = [];

  constructor(dim: number) {
    this.dim = dim;
  }

  abstract get capacity(): number;
  abstract get byteLength(): number;
  /** Makes room for slots `[0, needed)`; existing vectors keep their slots, `chunks` is re-read. */
  abstract ensureCapacity(needed: number): void;
  /** Copies `dim` floats of `q` from `qOff` as the `QUERY` vector. */
  abstract setQuery(q: Float32Array, qOff: number): void;
  /** Distance between two handles (slots or `QUERY`). */
  abstract distance(a: number, b: number): number;
  /** `out[i] = distance(from, slots[start + i])` for `i < n`. */
  abstract distances(from: number, slots: Uint32Array, start: number, n: number, out: Float64Array): void;

  chunk(slot: number): Float32Array {
    return this.chunks[slot >>> CHUNK_SHIFT];
  }

  offset(slot: number): number {
    return (slot & CHUNK_MASK) * this.dim;
  }

  write(slot: number, vector: Float32Array): void {
    this.chunks[slot >>> CHUNK_SHIFT].set(vector, (slot & CHUNK_MASK) * this.dim);
  }

  /** True when the stored vector equals `vector` bit for bit (used to make upserts idempotent). */
  equals(slot: number, vector: Float32Array): boolean {
    const c = this.chunks[slot >>> CHUNK_SHIFT];
    const off = (slot & CHUNK_MASK) * this.dim;
    for (let i = 0; i < this.dim; i++) if (c[off + i] !== vector[i]) return false;
    return true;
  }

  /** A view of the stored vector (no copy); valid until the slot is reused or the store grows. */
  view(slot: number): Float32Array {
    const off = (slot & CHUNK_MASK) * this.dim;
    return this.chunks[slot >>> CHUNK_SHIFT].subarray(off, off + this.dim);
  }
}

/**
 * Vectors in ordinary Float32Array chunks, compared with the JS kernels of distance.ts (or any kernel
 * given, e.g. a measurement adaptor). The fallback where WebAssembly SIMD is unavailable, and the store
 * beyond the WASM store's 4 GiB bound.
 */
export class JsVectorStore extends VectorStore {
  readonly kernel: DistanceKernel;
  readonly #pair: PairKernel;
  readonly #query: Float32Array;
  #capacity: number;

  constructor(dim: number, initialCapacity: number, kernel: DistanceKernel = l2Squared) {
    super(dim);
    this.kernel = kernel;
    this.#pair = pairKernelFor(kernel);
    this.#query = new Float32Array(dim);
    const first = Math.min(CHUNK_NODES, Math.max(1, initialCapacity));
    this.chunks = [new Float32Array(first * dim)];
    this.#capacity = first;
    this.ensureCapacity(initialCapacity);
  }

  /** Adopts existing chunks (from a snapshot); chunk 0 may be partial, every later chunk must be full. */
  static fromChunks(dim: number, chunks: Float32Array[], kernel: DistanceKernel = l2Squared): JsVectorStore {
    const store = new JsVectorStore(dim, 1, kernel);
    store.chunks = chunks;
    store.#capacity = chunks.reduce((n, c) => n + c.length / dim, 0);
    return store;
  }

  get capacity(): number {
    return this.#capacity;
  }

  get byteLength(): number {
    let bytes = 0;
    for (const c of this.chunks) bytes += c.byteLength;
    return bytes;
  }

  ensureCapacity(needed: number): void {
    if (needed <= this.#capacity) return;
    const dim = this.dim;
    const plan = planGrowth(this.chunks[0].length / dim, this.chunks.length, needed);
    if (plan.chunk0Slots * dim !== this.chunks[0].length) {
      const grown = new Float32Array(plan.chunk0Slots * dim);
      grown.set(this.chunks[0]);
      this.chunks[0] = grown;
    }
    for (let i = 0; i < plan.appendFull; i++) this.chunks.push(new Float32Array(CHUNK_NODES * dim));
    this.#capacity = plan.chunk0Slots + (this.chunks.length - 1) * CHUNK_NODES;
  }

  setQuery(q: Float32Array, qOff: number): void {
    const query = this.#query;
    for (let i = 0; i < this.dim; i++) query[i] = q[qOff + i];
  }

  distance(a: number, b: number): number {
    const dim = this.dim;
    const chunks = this.chunks;
    const aVec = a < 0 ? this.#query : chunks[a >>> CHUNK_SHIFT];
    const bVec = b < 0 ? this.#query : chunks[b >>> CHUNK_SHIFT];
    return this.kernel(
      aVec,
      a < 0 ? 0 : (a & CHUNK_MASK) * dim,
      bVec,
      b < 0 ? 0 : (b & CHUNK_MASK) * dim,
      dim,
    );
  }

  /** Two at a time with the pair kernel (the `from` vector is loaded once for both). */
  distances(from: number, slots: Uint32Array, start: number, n: number, out: Float64Array): void {
    const dim = this.dim;
    const chunks = this.chunks;
    const vVec = from < 0 ? this.#query : chunks[from >>> CHUNK_SHIFT];
    const vOff = from < 0 ? 0 : (from & CHUNK_MASK) * dim;
    const pair = this.#pair;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const a = slots[start + i];
      const b = slots[start + i + 1];
      const aVec = chunks[a >>> CHUNK_SHIFT];
      const bVec = chunks[b >>> CHUNK_SHIFT];
      pair(vVec, vOff, aVec, (a & CHUNK_MASK) * dim, bVec, (b & CHUNK_MASK) * dim, dim, out, i);
    }
    if (i < n) {
      const a = slots[start + i];
      out[i] = this.kernel(vVec, vOff, chunks[a >>> CHUNK_SHIFT], (a & CHUNK_MASK) * dim, dim);
    }
  }
}
