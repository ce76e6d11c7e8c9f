/**
 * Storage of the HNSW graph: vectors, neighbour lists, levels, node states and id maps, all flat in
 * private fields, reached only through the accessors below: nothing outside this module computes an
 * offset into them. The layout is documented in hnsw-graph-view.ts, beside the read-only view.
 *
 * Contract: this module owns memory layout and slot allocation only; the algorithms live in the other
 * `hnsw-*` modules, and readers that must not change the graph (the checker, serialization) get it as
 * an `HnswGraphView`. A hot loop reads a list as `linkCount(s, l)` ids of `linksArray(s, l)` from index
 * `linksStart(s, l)` on: three calls small enough for V8 to inline, which allocate nothing.
 */

import type { DistanceKernel } from "./distance.js";
import type { GraphImage, HnswGraphView, SlotState } from "./hnsw-graph-view.js";
import { FREE, LIVE, TOMBSTONE, layer0RecordWords } from "./hnsw-graph-view.js";
import type { VectorStore } from "./vector-store.js";
import {
  CHUNK_MASK,
  CHUNK_NODES,
  CHUNK_SHIFT,
  JsVectorStore,
  planGrowth,
  recordBlocks,
} from "./vector-store.js";
import { WasmVectorStore } from "./vector-store-wasm.js";

export class HnswGraph implements HnswGraphView {
  readonly dim: number;
  readonly M: number;
  /** The paper's Mmax0, 2M. */
  readonly maxLinks0: number;
  /** The metric's kernel; `vectors` computes every distance with it or its WASM equivalent. */
  readonly distance: DistanceKernel;
  readonly #stride0: number;
  readonly #strideUp: number;
  #vectors: VectorStore;
  #links0: Uint32Array[];
  #upper: (Uint32Array | undefined)[];
  #levels: Uint8Array;
  #flags: Uint8Array;
  #slotIds: (string | undefined)[];
  readonly #idToSlot = new Map<string, number>();
  #freeSlots: number[] = [];
  #nodeCount = 0;
  #entryPoint = -1;
  #maxLevel = -1;
  #liveCount = 0;
  #tombstoneCount = 0;
  /** Words held by upper-layer arrays, kept current so `byteLength` is O(1). */
  #upperWords = 0;

  /**
   * An empty graph over `vectors`, or, given `image`, one that adopts the image's arrays without
   * copying (hnsw-image.ts checks the image first; `vectors` then holds its vectors).
   */
  constructor(dim: number, M: number, distance: DistanceKernel, vectors: VectorStore, image?: GraphImage) {
    this.dim = dim;
    this.M = M;
    this.maxLinks0 = 2 * M;
    this.#stride0 = layer0RecordWords(M);
    this.#strideUp = 1 + M;
    this.distance = distance;
    this.#vectors = vectors;
    if (image !== undefined) {
      this.#links0 = image.links0Chunks;
      this.#upper = image.upperLinks;
      this.#levels = image.levels;
      this.#flags = image.flags;
      this.#slotIds = image.slotIds;
      this.#adoptCounts(image);
      return;
    }
    const capacity = vectors.capacity;
    const first = vectors.chunks[0].length / dim;
    this.#links0 = vectors.chunks.map(
      (_, i) => new Uint32Array((i === 0 ? first : CHUNK_NODES) * this.#stride0),
    );
    this.#upper = new Array<Uint32Array | undefined>(capacity).fill(undefined);
    this.#levels = new Uint8Array(capacity);
    this.#flags = new Uint8Array(capacity).fill(FREE);
    this.#slotIds = new Array<string | undefined>(capacity).fill(undefined);
  }

  #adoptCounts(image: GraphImage): void {
    this.#nodeCount = image.nodeCount;
    this.#freeSlots = image.freeSlots;
    this.#entryPoint = image.entryPoint;
    this.#maxLevel = image.maxLevel;
    this.#liveCount = image.liveCount;
    this.#tombstoneCount = image.tombstoneCount;
    for (let s = 0; s < image.nodeCount; s++) {
      this.#upperWords += image.upperLinks[s]?.length ?? 0;
      const id = image.slotIds[s];
      if (image.flags[s] === LIVE && id !== undefined) this.#idToSlot.set(id, s);
    }
  }

  get vectors(): VectorStore {
    return this.#vectors;
  }

  get capacity(): number {
    return this.#vectors.capacity;
  }

  get nodeCount(): number {
    return this.#nodeCount;
  }

  get entryPoint(): number {
    return this.#entryPoint;
  }

  get maxLevel(): number {
    return this.#maxLevel;
  }

  get liveCount(): number {
    return this.#liveCount;
  }

  get tombstoneCount(): number {
    return this.#tombstoneCount;
  }

  get freeSlots(): readonly number[] {
    return this.#freeSlots;
  }

  state(slot: number): SlotState {
    return this.#flags[slot] as SlotState;
  }

  isLive(slot: number): boolean {
    return this.#flags[slot] === LIVE;
  }

  level(slot: number): number {
    return this.#levels[slot];
  }

  idAt(slot: number): string | undefined {
    return this.#slotIds[slot];
  }

  slotOf(id: string): number | undefined {
    return this.#idToSlot.get(id);
  }

  /** Live ids, in no particular order (a Map's key iterator: it tolerates mutation between steps). */
  ids(): IterableIterator<string> {
    return this.#idToSlot.keys();
  }

  /** Largest neighbour list on `layer` (the paper's Mmax0 on layer 0, Mmax = M above). */
  maxLinks(layer: number): number {
    return layer === 0 ? this.maxLinks0 : this.M;
  }

  /** The array holding `slot`'s list on `layer`. */
  linksArray(slot: number, layer: number): Uint32Array {
    return layer === 0 ? this.#links0[slot >>> CHUNK_SHIFT] : (this.#upper[slot] as Uint32Array);
  }

  /** Index in `linksArray(slot, layer)` of the list's first id. */
  linksStart(slot: number, layer: number): number {
    return (layer === 0 ? (slot & CHUNK_MASK) * this.#stride0 : (layer - 1) * this.#strideUp) + 1;
  }

  linkCount(slot: number, layer: number): number {
    return this.linksArray(slot, layer)[this.linksStart(slot, layer) - 1];
  }

  neighbors(slot: number, layer: number): number[] {
    const start = this.linksStart(slot, layer);
    return Array.from(this.linksArray(slot, layer).subarray(start, start + this.linkCount(slot, layer)));
  }

  vector(slot: number): Float32Array {
    return this.#vectors.view(slot);
  }

  /** Replaces `slot`'s list on `layer` by `ids[0..n)` (n at most `maxLinks(layer)`). */
  setLinks(slot: number, layer: number, ids: Uint32Array, n: number): void {
    const links = this.linksArray(slot, layer);
    const start = this.linksStart(slot, layer);
    for (let j = 0; j < n; j++) links[start + j] = ids[j];
    links[start - 1] = n;
  }

  /** Appends `id` to `slot`'s list on `layer` if it has room; returns whether it did. */
  appendLink(slot: number, layer: number, id: number): boolean {
    const links = this.linksArray(slot, layer);
    const start = this.linksStart(slot, layer);
    const count = links[start - 1];
    if (count >= this.maxLinks(layer)) return false;
    links[start + count] = id;
    links[start - 1] = count + 1;
    return true;
  }

  /** Sets the `j`-th link (0-based, below the count) of `slot`'s list on `layer` to `id`. */
  replaceLink(slot: number, layer: number, j: number, id: number): void {
    this.linksArray(slot, layer)[this.linksStart(slot, layer) + j] = id;
  }

  /** Drops from `slot`'s list on `layer` every link to a slot `s` with `marked[s] !== 0`. */
  removeLinksTo(slot: number, layer: number, marked: Uint8Array): void {
    const links = this.linksArray(slot, layer);
    const start = this.linksStart(slot, layer);
    let kept = 0;
    for (let j = 0; j < links[start - 1]; j++) {
      const n = links[start + j];
      if (marked[n] === 0) links[start + kept++] = n;
    }
    links[start - 1] = kept;
  }

  setEntryPoint(slot: number, level: number): void {
    this.#entryPoint = slot;
    this.#maxLevel = level;
  }

  /** Takes a free slot (reused first, so churn does not grow memory) for a new live node. */
  allocate(id: string, level: number, vector: Float32Array): number {
    let slot: number;
    if (this.#freeSlots.length > 0) {
      slot = this.#freeSlots.pop() as number;
    } else {
      slot = this.#nodeCount;
      this.#ensureCapacity(slot + 1);
      this.#nodeCount++;
    }
    this.#vectors.write(slot, vector);
    this.#links0[slot >>> CHUNK_SHIFT][(slot & CHUNK_MASK) * this.#stride0] = 0;
    this.#upper[slot] = level > 0 ? new Uint32Array(level * this.#strideUp) : undefined;
    this.#upperWords += level * this.#strideUp;
    this.#levels[slot] = level;
    this.#flags[slot] = LIVE;
    this.#slotIds[slot] = id;
    this.#idToSlot.set(id, slot);
    this.#liveCount++;
    return slot;
  }

  /** Marks a live node deleted: its id leaves the maps at once, its links stay until consolidation. */
  markTombstone(slot: number): void {
    this.#idToSlot.delete(this.#slotIds[slot] as string);
    this.#flags[slot] = TOMBSTONE;
    this.#liveCount--;
    this.#tombstoneCount++;
  }

  /** Returns a tombstoned, already unlinked slot to the free list. */
  release(slot: number): void {
    this.#links0[slot >>> CHUNK_SHIFT][(slot & CHUNK_MASK) * this.#stride0] = 0;
    this.#upperWords -= this.#levels[slot] * this.#strideUp;
    this.#upper[slot] = undefined;
    this.#levels[slot] = 0;
    this.#flags[slot] = FREE;
    this.#slotIds[slot] = undefined;
    this.#freeSlots.push(slot);
    this.#tombstoneCount--;
  }

  get byteLength(): number {
    let bytes = this.#vectors.byteLength + this.#levels.byteLength + this.#flags.byteLength;
    for (const c of this.#links0) bytes += c.byteLength;
    bytes += this.#upperWords * 4;
    // Map entry plus a string per id: a rough figure, as documented in IndexStats.memoryBytes.
    bytes += this.#idToSlot.size * 80 + this.capacity * 16;
    return bytes;
  }

  levelBytes(n: number): Uint8Array {
    return this.#levels.subarray(0, n);
  }

  stateBytes(n: number): Uint8Array {
    return this.#flags.subarray(0, n);
  }

  vectorRecords(n: number): Float32Array[] {
    return recordBlocks(this.#vectors.chunks, n, this.dim);
  }

  layer0Records(n: number): Uint32Array[] {
    return recordBlocks(this.#links0, n, this.#stride0);
  }

  upperRecord(slot: number): Uint32Array | undefined {
    return this.#upper[slot];
  }

  #ensureCapacity(needed: number): void {
    if (needed <= this.capacity) return;
    const store = this.#vectors;
    if (store instanceof WasmVectorStore && !store.canHold(needed)) {
      // Past the WASM store's bound: one move into JS chunks, after which growth appends chunks again.
      const chunks = store.chunks.map((c) => c.slice());
      this.#vectors = JsVectorStore.fromChunks(this.dim, chunks, this.distance);
    }
    const first = this.#vectors.chunks[0].length / this.dim;
    const plan = planGrowth(first, this.#vectors.chunks.length, needed);
    this.#vectors.ensureCapacity(needed);
    if (plan.chunk0Slots !== first) {
      const grown = new Uint32Array(plan.chunk0Slots * this.#stride0);
      grown.set(this.#links0[0]);
      this.#links0[0] = grown;
    }
    while (this.#links0.length < this.#vectors.chunks.length) {
      this.#links0.push(new Uint32Array(CHUNK_NODES * this.#stride0));
    }
    this.#growSlotTables(this.capacity);
  }

  #growSlotTables(capacity: number): void {
    if (capacity > this.#levels.length) {
      const size = Math.max(capacity, 2 * this.#levels.length);
      const levels = new Uint8Array(size);
      levels.set(this.#levels);
      this.#levels = levels;
      const flags = new Uint8Array(size).fill(FREE);
      flags.set(this.#flags);
      this.#flags = flags;
    }
    for (let s = this.#upper.length; s < capacity; s++) {
      this.#upper.push(undefined);
      this.#slotIds.push(undefined);
    }
  }
}
