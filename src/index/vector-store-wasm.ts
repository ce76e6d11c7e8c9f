/**
 * `WasmVectorStore`: the vector store (vector-store.ts) resident in one WebAssembly memory, so the
 * SIMD kernels of distance-wasm.ts read stored vectors in place; and `createVectorStore`, which picks
 * it when it can.
 *
 * Layout (bytes): [QUERY: dim floats, padded to 16][batch slots: BATCH uint32][batch out: BATCH
 * float32][vectors: slot s at VECTORS + s * 4 * dim]. `chunks` are Float32Array views of that area cut
 * by the usual chunk rule, so the graph and serialization see the same layout as with JS chunks.
 *
 * Why one memory grown in place, and not one memory per chunk: a kernel reads only its own instance's
 * memory, so with a memory per chunk every neighbour list spanning chunks would need its distances
 * split by chunk and every query copied into every chunk. V8 on 64-bit reserves the address space of
 * a wasm memory up front, so `memory.grow` commits pages without copying: growth by whole chunks stays
 * cheap and never copies the vectors (measured: docs/decisions/wasm-memory-growth.md). The bound is
 * wasm32's 4 GiB (8.3M vectors at dim 128, 1.1M at dim 960), or `VectorStoreOptions.wasmMaxBytes`:
 * past it the graph moves its vectors once into a `JsVectorStore` (`canHold` tells it when).
 * If the engine refuses a new memory (no WebAssembly, no SIMD, or address space exhausted by many
 * live memories), `createVectorStore` returns a `JsVectorStore`: same results, JS kernel speed.
 *
 * Batch calls: `distances` computes a whole neighbour list in one JS->WASM call (the slots are copied
 * into the batch area, the results back), instead of one call per neighbour.
 */

import type { DistanceKernel } from "./distance.js";
import { cosineDistance, l2Squared, negativeDot } from "./distance.js";
import type { DistanceWasmExports, WasmMemory } from "./distance-wasm.js";
import { createWasmMemory, instantiateDistanceKernels, isWasmSimdSupported } from "./distance-wasm.js";
import { CHUNK_NODES, JsVectorStore, VectorStore, planGrowth } from "./vector-store.js";

const PAGE_BYTES = 65_536;
/** wasm32 addresses are 32 bits: a memory never exceeds 4 GiB (65,536 pages). */
export const WASM_MAX_BYTES = 65_536 * PAGE_BYTES;

/** How an index stores its vectors: chosen per index, never process-wide. */
export interface VectorStoreOptions {
  /** "auto" (default): WASM when possible; "js": always JS chunks (comparisons, tests of the fallback). */
  backend?: "auto" | "js";
  /**
   * The bound past which a WASM store's vectors move to JS chunks: WASM_MAX_BYTES (the default) or
   * lower, which only tests of that move need.
   */
  wasmMaxBytes?: number;
}
/** Slots per batch call; longer lists are split (layer-0 lists hold at most 2M). */
const BATCH = 256;

type WasmMetric = "l2" | "ip";

export class WasmVectorStore extends VectorStore {
  readonly #memory: WasmMemory;
  readonly #kernels: DistanceWasmExports;
  readonly #pair: (a: number, b: number, dim: number) => number;
  readonly #batch: DistanceWasmExports["l2Batch"];
  /** distance = bias + sign * raw kernel value: l2 (0, 1), cosine (1, -1), dot (0, -1). */
  readonly #bias: number;
  readonly #sign: number;
  readonly #slotsByte: number;
  readonly #outByte: number;
  readonly #vectorsByte: number;
  readonly #stride: number;
  readonly #maxBytes: number;
  #capacity = 0;
  #query!: Float32Array;
  #slots!: Uint32Array;
  #out!: Float32Array;

  constructor(
    dim: number,
    kernel: WasmMetric,
    bias: number,
    sign: number,
    initialCapacity: number,
    maxBytes = WASM_MAX_BYTES,
  ) {
    super(dim);
    this.#maxBytes = Math.min(WASM_MAX_BYTES, maxBytes);
    this.#stride = dim * 4;
    this.#slotsByte = (this.#stride + 15) & ~15;
    this.#outByte = this.#slotsByte + BATCH * 4;
    this.#vectorsByte = this.#outByte + BATCH * 4;
    this.#memory = createWasmMemory(1);
    this.#kernels = instantiateDistanceKernels(this.#memory);
    this.#pair = kernel === "l2" ? this.#kernels.l2 : this.#kernels.ip;
    this.#batch = kernel === "l2" ? this.#kernels.l2Batch : this.#kernels.ipBatch;
    this.#bias = bias;
    this.#sign = sign;
    this.#grow(Math.min(CHUNK_NODES, Math.max(1, initialCapacity)));
    this.ensureCapacity(initialCapacity);
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** The vectors' share of the memory (the scratch area in front is a few KiB). */
  get byteLength(): number {
    return this.#memory.buffer.byteLength;
  }

  /** True when `needed` slots fit under the memory bound (otherwise move to a JsVectorStore). */
  canHold(needed: number): boolean {
    return this.#vectorsByte + this.#planned(needed) * this.#stride <= this.#maxBytes;
  }

  ensureCapacity(needed: number): void {
    if (needed > this.#capacity) this.#grow(this.#planned(needed));
  }

  setQuery(q: Float32Array, qOff: number): void {
    const query = this.#query;
    for (let i = 0; i < this.dim; i++) query[i] = q[qOff + i];
  }

  distance(a: number, b: number): number {
    const base = this.#vectorsByte;
    const stride = this.#stride;
    const raw = this.#pair(a < 0 ? 0 : base + a * stride, b < 0 ? 0 : base + b * stride, this.dim);
    return this.#bias + this.#sign * raw;
  }

  distances(from: number, slots: Uint32Array, start: number, n: number, out: Float64Array): void {
    const base = this.#vectorsByte;
    const stride = this.#stride;
    const fromByte = from < 0 ? 0 : base + from * stride;
    const slotBuf = this.#slots;
    const outBuf = this.#out;
    const bias = this.#bias;
    const sign = this.#sign;
    for (let done = 0; done < n; done += BATCH) {
      const count = Math.min(BATCH, n - done);
      for (let i = 0; i < count; i++) slotBuf[i] = slots[start + done + i];
      this.#batch(fromByte, base, stride, this.#slotsByte, count, this.#outByte, this.dim);
      for (let i = 0; i < count; i++) out[done + i] = bias + sign * outBuf[i];
    }
  }

  /** The capacity the chunk rule gives for `needed` slots (chunk 0 doubles, then whole chunks). */
  #planned(needed: number): number {
    const chunkCount = this.chunks.length;
    const plan = planGrowth(Math.min(CHUNK_NODES, this.#capacity), chunkCount, needed);
    return plan.chunk0Slots + (chunkCount - 1 + plan.appendFull) * CHUNK_NODES;
  }

  /** Grows the memory to hold `capacity` slots and re-cuts every view (`grow` detaches the old ones). */
  #grow(capacity: number): void {
    const pages = Math.ceil((this.#vectorsByte + capacity * this.#stride) / PAGE_BYTES);
    const current = this.#memory.buffer.byteLength / PAGE_BYTES;
    if (pages > current) this.#memory.grow(pages - current);
    this.#capacity = capacity;
    const buffer = this.#memory.buffer;
    this.#query = new Float32Array(buffer, 0, this.dim);
    this.#slots = new Uint32Array(buffer, this.#slotsByte, BATCH);
    this.#out = new Float32Array(buffer, this.#outByte, BATCH);
    const chunks: Float32Array[] = [];
    for (let first = 0; first < capacity; first += CHUNK_NODES) {
      const slots = Math.min(CHUNK_NODES, capacity - first);
      chunks.push(new Float32Array(buffer, this.#vectorsByte + first * this.#stride, slots * this.dim));
    }
    this.chunks = chunks;
  }
}

/** Whether this runtime has WebAssembly SIMD: a fact of the process, probed once. */
let simd: boolean | undefined;

/**
 * A store for `kernel`: a WasmVectorStore when `options.backend` allows it, the kernel is one of
 * distance.ts's three (so the WASM kernel computes the same distance), WebAssembly SIMD is available
 * and a memory can be had; otherwise a JsVectorStore calling `kernel`.
 */
export function createVectorStore(
  dim: number,
  kernel: DistanceKernel,
  initialCapacity: number,
  options: VectorStoreOptions = {},
): VectorStore {
  simd ??= isWasmSimdSupported();
  if ((options.backend ?? "auto") === "auto" && simd) {
    const spec =
      kernel === l2Squared
        ? (["l2", 0, 1] as const)
        : kernel === cosineDistance
          ? (["ip", 1, -1] as const)
          : kernel === negativeDot
            ? (["ip", 0, -1] as const)
            : undefined;
    if (spec !== undefined) {
      try {
        return new WasmVectorStore(dim, spec[0], spec[1], spec[2], initialCapacity, options.wasmMaxBytes);
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
      }
    }
  }
  return new JsVectorStore(dim, initialCapacity, kernel);
}

/** A store holding copies of `chunks` (a snapshot's vectors), built like `createVectorStore`. */
export function vectorStoreFromChunks(
  dim: number,
  kernel: DistanceKernel,
  chunks: Float32Array[],
  options: VectorStoreOptions = {},
): VectorStore {
  const capacity = chunks.reduce((n, c) => n + c.length / dim, 0);
  const store = createVectorStore(dim, kernel, chunks[0].length / dim, options);
  if (!(store instanceof WasmVectorStore) || !store.canHold(capacity)) {
    return JsVectorStore.fromChunks(dim, chunks, kernel);
  }
  store.ensureCapacity(capacity);
  chunks.forEach((c, i) => store.chunks[i].set(c));
  return store;
}
