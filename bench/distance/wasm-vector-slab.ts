/**
 * `WasmVectorSlab`: a stand-alone vector slab in WebAssembly memory, used by the distance benchmark
 * (`bench/distance/`) to measure the WASM kernels in isolation. The engine does not use it: its own
 * store is `WasmVectorStore` (`src/index/vector-store-wasm.ts`), which grows by chunks and falls back to
 * JS beyond 4 GiB. Kept here, outside the engine, so the engine has one WASM vector store.
 */

import {
  createWasmMemory,
  instantiateDistanceKernels,
  MAX_MEMORY_BYTES,
  WASM_BATCH_MAX,
  WASM_PAGE_BYTES,
} from "../../src/index/distance-wasm.js";
import type { DistanceWasmExports, WasmMemory } from "../../src/index/distance-wasm.js";
import { IndexError } from "../../src/index/errors.js";
import type { Metric } from "../../src/index/types.js";

const align16 = (bytes: number): number => (bytes + 15) & ~15;

/**
 * Vectors of one dimension stored back to back (slot s at float `s * dim` of `vectors()`) in a
 * `WebAssembly.Memory`, with a scratch area for the query and for batch calls in front of them.
 *
 * Layout (bytes): [query: dim floats, padded to 16][batch slots: 64 uint32][batch out: 64 float32]
 * [vectors: capacity * dim floats]. Slots are not bounds-checked in the distance calls (the engine
 * owns slot numbers); WASM still traps on any read past the end of the memory.
 */
export class WasmVectorSlab {
  readonly dim: number;
  readonly metric: Metric;
  readonly #memory: WasmMemory;
  readonly #kernels: DistanceWasmExports;
  readonly #pair: (a: number, b: number, dim: number) => number;
  readonly #batch: DistanceWasmExports["l2Batch"];
  /** distance = bias + sign * raw kernel value: l2 (0, 1), cosine (1, -1), dot (0, -1). */
  readonly #bias: number;
  readonly #sign: number;
  readonly #slotsByte: number;
  readonly #outByte: number;
  readonly #baseByte: number;
  readonly #strideBytes: number;
  #capacity = 0;
  #vectors!: Float32Array;
  #query!: Float32Array;
  #slots!: Uint32Array;
  #out!: Float32Array;

  constructor(dim: number, metric: Metric, capacity = 0) {
    if (!Number.isInteger(dim) || dim < 1) {
      throw new IndexError("INVALID_PARAMETER", "dim must be a positive integer", { dim });
    }
    this.dim = dim;
    this.metric = metric;
    this.#strideBytes = dim * 4;
    this.#slotsByte = align16(this.#strideBytes);
    this.#outByte = this.#slotsByte + WASM_BATCH_MAX * 4;
    this.#baseByte = this.#outByte + WASM_BATCH_MAX * 4;
    this.#memory = createWasmMemory(this.#pagesFor(0));
    this.#kernels = instantiateDistanceKernels(this.#memory);
    const l2 = metric === "l2";
    this.#pair = l2 ? this.#kernels.l2 : this.#kernels.ip;
    this.#batch = l2 ? this.#kernels.l2Batch : this.#kernels.ipBatch;
    this.#bias = metric === "cosine" ? 1 : 0;
    this.#sign = l2 ? 1 : -1;
    this.#fitToMemory();
    this.grow(capacity);
  }

  /** Number of slots the memory holds now. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Bytes of linear memory held (scratch area included). */
  get memoryBytes(): number {
    return this.#memory.buffer.byteLength;
  }

  /**
   * Makes room for at least `capacity` slots (never shrinks; existing vectors keep their slots). Any
   * view from `vectors()` taken before a growing call is detached afterwards: fetch it again.
   */
  grow(capacity: number): void {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new IndexError("INVALID_PARAMETER", "capacity must be a non-negative integer", { capacity });
    }
    if (capacity <= this.#capacity) return;
    const pages = this.#pagesFor(capacity);
    const current = this.#memory.buffer.byteLength / WASM_PAGE_BYTES;
    if (pages > current) this.#memory.grow(pages - current);
    this.#fitToMemory();
  }

  /** The vector area as one Float32Array (slot s at `s * dim`); usable by the JS kernels too. */
  vectors(): Float32Array {
    return this.#vectors;
  }

  /** Stores `vector` (already validated and, under cosine, normalised) in `slot`. */
  setVector(slot: number, vector: ArrayLike<number>): void {
    this.#checkSlot(slot);
    if (vector.length !== this.dim) {
      throw new IndexError("DIMENSION_MISMATCH", `vector must have ${this.dim} numbers`, {
        expected: this.dim,
        received: vector.length,
      });
    }
    this.#vectors.set(vector, slot * this.dim);
  }

  /** Copies the query of the current search into the scratch area read by the `query*` calls. */
  setQuery(query: ArrayLike<number>): void {
    if (query.length !== this.dim) {
      throw new IndexError("DIMENSION_MISMATCH", `query must have ${this.dim} numbers`, {
        expected: this.dim,
        received: query.length,
      });
    }
    this.#query.set(query);
  }

  /** Distance from the current query to the vector in `slot` (one JS->WASM call). */
  queryDistance(slot: number): number {
    return this.#bias + this.#sign * this.#pair(0, this.#baseByte + slot * this.#strideBytes, this.dim);
  }

  /**
   * Distance from the current query to the vector at float `offset` of `vectors()`, for hot loops that
   * already compute offsets (`slot * dim`) rather than slots.
   */
  queryDistanceAt(offset: number): number {
    return this.#bias + this.#sign * this.#pair(0, this.#baseByte + offset * 4, this.dim);
  }

  /** Distance between two stored vectors (neighbour selection compares candidates with each other). */
  distanceBetween(slotA: number, slotB: number): number {
    const base = this.#baseByte;
    const stride = this.#strideBytes;
    return this.#bias + this.#sign * this.#pair(base + slotA * stride, base + slotB * stride, this.dim);
  }

  /**
   * out[i] = distance from the current query to slot `slots[i]`, for i < n: one JS->WASM call per 64
   * candidates instead of one per candidate.
   */
  queryDistances(slots: ArrayLike<number>, n: number, out: { [i: number]: number }): void {
    const slotBuf = this.#slots;
    const outBuf = this.#out;
    for (let start = 0; start < n; start += WASM_BATCH_MAX) {
      const count = Math.min(WASM_BATCH_MAX, n - start);
      for (let i = 0; i < count; i++) slotBuf[i] = slots[start + i];
      this.#batch(0, this.#baseByte, this.#strideBytes, this.#slotsByte, count, this.#outByte, this.dim);
      for (let i = 0; i < count; i++) out[start + i] = this.#bias + this.#sign * outBuf[i];
    }
  }

  #pagesFor(capacity: number): number {
    const bytes = this.#baseByte + capacity * this.#strideBytes;
    if (bytes > MAX_MEMORY_BYTES) {
      throw new IndexError("INVALID_PARAMETER", "a WASM vector slab holds at most 4 GiB", {
        capacity,
        dim: this.dim,
      });
    }
    return Math.max(1, Math.ceil(bytes / WASM_PAGE_BYTES));
  }

  #checkSlot(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.#capacity) {
      throw new IndexError("INVALID_PARAMETER", "slot is outside the slab", {
        slot,
        capacity: this.#capacity,
      });
    }
  }

  /**
   * Sets the capacity to every whole slot the memory holds (pages are 64 KiB, so usually more than
   * asked) and re-fetches the views: `memory.grow` detaches the previous ArrayBuffer and its views.
   */
  #fitToMemory(): void {
    const buffer = this.#memory.buffer;
    this.#capacity = Math.floor((buffer.byteLength - this.#baseByte) / this.#strideBytes);
    this.#query = new Float32Array(buffer, 0, this.dim);
    this.#slots = new Uint32Array(buffer, this.#slotsByte, WASM_BATCH_MAX);
    this.#out = new Float32Array(buffer, this.#outByte, WASM_BATCH_MAX);
    this.#vectors = new Float32Array(buffer, this.#baseByte, this.#capacity * this.dim);
  }
}
