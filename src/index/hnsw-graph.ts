/**
 * Storage of the HNSW graph: vectors, neighbour lists, levels, node states and id maps, all flat.
 *
 * Contract: this module owns memory layout and slot allocation only; the algorithms live in the other
 * `hnsw-*` modules. Layout (also the contract of `internals()` / `fromInternals()` for serialization):
 *
 * - Slots are internal node numbers `0 .. nodeCount-1`; external ids are strings. `slotIds[s]` is the id
 *   of a live or tombstoned slot (undefined for a free slot); `idToSlot` maps live ids only.
 * - `flags[s]`: LIVE (0), TOMBSTONE (1: deleted, still linked, walked through but never returned) or
 *   FREE (2: unlinked, on `freeSlots`, reusable). `levels[s]` is the node's top layer (0 when free).
 * - Vectors: `VectorStore` chunks, stride `dim` (see vector-store.ts for the chunk rule), resident in
 *   WebAssembly memory when possible (vector-store-wasm.ts); all distances go through `vectors`.
 * - Layer-0 lists: `links0[s >>> CHUNK_SHIFT]` at `(s & CHUNK_MASK) * stride0`, where
 *   `stride0 = 1 + maxLinks0`: `[count, id_1 .. id_count, unused...]`. Chunk 0 may be partial; every
 *   later chunk holds exactly CHUNK_NODES slots, for vectors and links alike.
 * - Upper layers only for nodes that have them: `upper[s]` is a Uint32Array of `levels[s] * strideUp`
 *   words (`strideUp = 1 + M`); layer `l >= 1` starts at `(l - 1) * strideUp` with the same
 *   `[count, ids...]` record. `upper[s]` is undefined when `levels[s] === 0`.
 * - `entryPoint` is a live slot at layer `maxLevel` (or -1 with maxLevel -1 when no node is live).
 * - `levels`, `flags`, `slotIds` and `upper` are per-slot arrays sized to `capacity`; they double, which
 *   costs little next to the vector and link chunks.
 */

import type { DistanceKernel } from "./distance.js";
import type { VectorStore } from "./vector-store.js";
import { CHUNK_MASK, CHUNK_NODES, CHUNK_SHIFT, JsVectorStore, planGrowth } from "./vector-store.js";
import { WasmVectorStore, createVectorStore } from "./vector-store-wasm.js";

export const LIVE = 0;
export const TOMBSTONE = 1;
export const FREE = 2;

/** Everything a snapshot must hold to restore the graph exactly (see the layout above). */
export interface HnswInternals {
  nodeCount: number;
  capacity: number;
  chunkShift: number;
  vectorChunks: Float32Array[];
  links0Chunks: Uint32Array[];
  upperLinks: (Uint32Array | undefined)[];
  levels: Uint8Array;
  flags: Uint8Array;
  slotIds: (string | undefined)[];
  freeSlots: number[];
  entryPoint: number;
  maxLevel: number;
  /** State of the level generator, so a restored index draws the same levels as the original would. */
  rngState: number;
  liveCount: number;
  tombstoneCount: number;
  /**
   * The delete-consolidation pass in progress (hnsw-consolidation.ts), if any: the tombstone slots it
   * will free and the next slot it repairs. Optional: a snapshot without it restores a valid index
   * that simply starts a fresh pass when one is due; with it, the restored index continues exactly.
   */
  consolidation?: { doomed: Uint32Array; cursor: number } | null;
}

export class HnswGraph {
  readonly dim: number;
  readonly M: number;
  readonly maxLinks0: number;
  readonly stride0: number;
  readonly strideUp: number;
  /** The metric's kernel; `vectors` computes every distance with it or its WASM equivalent. */
  readonly distance: DistanceKernel;
  vectors: VectorStore;
  links0: Uint32Array[];
  upper: (Uint32Array | undefined)[];
  levels: Uint8Array;
  flags: Uint8Array;
  slotIds: (string | undefined)[];
  readonly idToSlot = new Map<string, number>();
  freeSlots: number[] = [];
  nodeCount = 0;
  entryPoint = -1;
  maxLevel = -1;
  liveCount = 0;
  tombstoneCount = 0;
  /** Distances of one neighbour list during greedy descent (which calls nothing that could reuse it). */
  readonly descentDists: Float64Array;
  /** Words held by `upper` arrays, kept current so `byteLength` is O(1). */
  upperWords = 0;

  constructor(dim: number, M: number, distance: DistanceKernel, initialCapacity: number) {
    this.dim = dim;
    this.M = M;
    this.maxLinks0 = 2 * M;
    this.stride0 = 1 + this.maxLinks0;
    this.strideUp = 1 + M;
    this.distance = distance;
    this.vectors = createVectorStore(dim, distance, initialCapacity);
    this.descentDists = new Float64Array(this.maxLinks0);
    const capacity = this.vectors.capacity;
    const first = this.vectors.chunks[0].length / dim;
    this.links0 = this.vectors.chunks.map(
      (_, i) => new Uint32Array((i === 0 ? first : CHUNK_NODES) * this.stride0),
    );
    this.upper = new Array<Uint32Array | undefined>(capacity).fill(undefined);
    this.levels = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity).fill(FREE);
    this.slotIds = new Array<string | undefined>(capacity).fill(undefined);
  }

  get capacity(): number {
    return this.vectors.capacity;
  }

  /** Largest neighbour list on `layer` (the paper's Mmax0 on layer 0, Mmax = M above). */
  maxLinks(layer: number): number {
    return layer === 0 ? this.maxLinks0 : this.M;
  }

  /** The array holding `slot`'s list on `layer`; read `[linksBase]` for the count, then the ids. */
  linksArray(slot: number, layer: number): Uint32Array {
    return layer === 0 ? this.links0[slot >>> CHUNK_SHIFT] : (this.upper[slot] as Uint32Array);
  }

  linksBase(slot: number, layer: number): number {
    return layer === 0 ? (slot & CHUNK_MASK) * this.stride0 : (layer - 1) * this.strideUp;
  }

  /** Takes a free slot (reused first, so churn does not grow memory) for a new live node. */
  allocate(id: string, level: number, vector: Float32Array): number {
    let slot: number;
    if (this.freeSlots.length > 0) {
      slot = this.freeSlots.pop() as number;
    } else {
      slot = this.nodeCount;
      this.#ensureCapacity(slot + 1);
      this.nodeCount++;
    }
    this.vectors.write(slot, vector);
    this.links0[slot >>> CHUNK_SHIFT][(slot & CHUNK_MASK) * this.stride0] = 0;
    this.upper[slot] = level > 0 ? new Uint32Array(level * this.strideUp) : undefined;
    this.upperWords += level * this.strideUp;
    this.levels[slot] = level;
    this.flags[slot] = LIVE;
    this.slotIds[slot] = id;
    this.idToSlot.set(id, slot);
    this.liveCount++;
    return slot;
  }

  /** Marks a live node deleted: its id leaves the maps at once, its links stay until consolidation. */
  markTombstone(slot: number): void {
    this.idToSlot.delete(this.slotIds[slot] as string);
    this.flags[slot] = TOMBSTONE;
    this.liveCount--;
    this.tombstoneCount++;
  }

  /** Returns a tombstoned, already unlinked slot to the free list. */
  release(slot: number): void {
    this.links0[slot >>> CHUNK_SHIFT][(slot & CHUNK_MASK) * this.stride0] = 0;
    this.upperWords -= this.levels[slot] * this.strideUp;
    this.upper[slot] = undefined;
    this.levels[slot] = 0;
    this.flags[slot] = FREE;
    this.slotIds[slot] = undefined;
    this.freeSlots.push(slot);
    this.tombstoneCount--;
  }

  get byteLength(): number {
    let bytes = this.vectors.byteLength + this.levels.byteLength + this.flags.byteLength;
    for (const c of this.links0) bytes += c.byteLength;
    bytes += this.upperWords * 4;
    // Map entry plus a string per id: a rough figure, as documented in IndexStats.memoryBytes.
    bytes += this.idToSlot.size * 80 + this.capacity * 16;
    return bytes;
  }

  #ensureCapacity(needed: number): void {
    const old = this.capacity;
    if (needed <= old) return;
    const store = this.vectors;
    if (store instanceof WasmVectorStore && !store.canHold(needed)) {
      // Past wasm32's 4 GiB: one move into JS chunks, after which growth appends chunks again.
      this.vectors = JsVectorStore.fromChunks(
        this.dim,
        store.chunks.map((c) => c.slice()),
        this.distance,
      );
    }
    const first = this.vectors.chunks[0].length / this.dim;
    const plan = planGrowth(first, this.vectors.chunks.length, needed);
    this.vectors.ensureCapacity(needed);
    if (plan.chunk0Slots !== first) {
      const grown = new Uint32Array(plan.chunk0Slots * this.stride0);
      grown.set(this.links0[0]);
      this.links0[0] = grown;
    }
    while (this.links0.length < this.vectors.chunks.length) {
      this.links0.push(new Uint32Array(CHUNK_NODES * this.stride0));
    }
    const capacity = this.capacity;
    if (capacity > this.levels.length) {
      const size = Math.max(capacity, 2 * this.levels.length);
      const levels = new Uint8Array(size);
      levels.set(this.levels);
      this.levels = levels;
      const flags = new Uint8Array(size).fill(FREE);
      flags.set(this.flags);
      this.flags = flags;
    }
    for (let s = this.upper.length; s < capacity; s++) {
      this.upper.push(undefined);
      this.slotIds.push(undefined);
    }
  }

  /** Live views of the storage for serialization (see the module comment); do not mutate. */
  internals(rngState: number): HnswInternals {
    return {
      nodeCount: this.nodeCount,
      capacity: this.capacity,
      chunkShift: CHUNK_SHIFT,
      vectorChunks: this.vectors.chunks,
      links0Chunks: this.links0,
      upperLinks: this.upper,
      levels: this.levels,
      flags: this.flags,
      slotIds: this.slotIds,
      freeSlots: this.freeSlots,
      entryPoint: this.entryPoint,
      maxLevel: this.maxLevel,
      rngState,
      liveCount: this.liveCount,
      tombstoneCount: this.tombstoneCount,
    };
  }
}
