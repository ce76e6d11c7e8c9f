/**
 * The vocabulary of HNSW graph storage shared by the graph (hnsw-graph.ts) and those who may only read
 * it or rebuild it from a snapshot: slot states, record sizes, the snapshot image `HnswInternals`, and
 * `HnswGraphView`, the graph's read-only face.
 *
 * Contract: nothing here touches storage; `HnswGraph` implements `HnswGraphView`, and the graph checker
 * and serialization see a graph only through it, so layout offsets are computed in hnsw-graph.ts alone.
 *
 * Layout (of the graph, and of `HnswInternals`):
 *
 * - Slots are internal node numbers `0 .. nodeCount-1`; external ids are strings. A live or tombstoned
 *   slot has an id (`idAt`); `slotOf` maps live ids only.
 * - A slot's state is LIVE (0), TOMBSTONE (1: deleted, still linked, walked through but never
 *   returned) or FREE (2: unlinked, on the free list, reusable); `level` is its top layer (0 when free).
 * - Vectors: `VectorStore` chunks, stride `dim` (see vector-store.ts for the chunk rule), resident in
 *   WebAssembly memory when possible (vector-store-wasm.ts); all distances go through the store.
 * - Layer-0 lists: one record of `1 + 2M` words per slot, `[count, id_1 .. id_count, unused...]`, in
 *   chunks cut like the vectors' (chunk 0 may be partial; every later chunk is full).
 * - Upper layers only for nodes that have them: one array of `level * (1 + M)` words per such slot,
 *   the same record for layer `l >= 1` at record `l - 1`.
 * - `entryPoint` is a live slot at layer `maxLevel` (or -1 with maxLevel -1 when no node is live).
 * - The per-slot tables are sized to `capacity`; they double, which costs little next to the chunks.
 */

export const LIVE = 0;
export const TOMBSTONE = 1;
export const FREE = 2;
export type SlotState = typeof LIVE | typeof TOMBSTONE | typeof FREE;

/** Words of one layer-0 record for links-per-node `M`. */
export function layer0RecordWords(M: number): number {
  return 1 + 2 * M;
}

/** Words of the upper-layer array of a node whose top layer is `level`. */
export function upperRecordWords(M: number, level: number): number {
  return level * (1 + M);
}

/** Everything a snapshot must hold to restore the graph exactly (the layout above, as plain arrays). */
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

/** The graph's arrays and counts an image supplies (`HnswInternals` minus index-level state). */
export type GraphImage = Omit<HnswInternals, "rngState" | "consolidation" | "chunkShift" | "vectorChunks">;

/** The read-only face of the graph: what the checker, serialization and tests may see. */
export interface HnswGraphView {
  readonly dim: number;
  readonly M: number;
  readonly nodeCount: number;
  readonly capacity: number;
  readonly entryPoint: number;
  readonly maxLevel: number;
  readonly liveCount: number;
  readonly tombstoneCount: number;
  /** The free-slot stack, bottom first (the next allocation reuses the last). */
  readonly freeSlots: readonly number[];
  state(slot: number): SlotState;
  level(slot: number): number;
  idAt(slot: number): string | undefined;
  slotOf(id: string): number | undefined;
  maxLinks(layer: number): number;
  linkCount(slot: number, layer: number): number;
  /** A copy of `slot`'s list on `layer` (allocates: for inspection, not for hot loops). */
  neighbors(slot: number, layer: number): number[];
  /** The stored vector of `slot` (a view, no copy; do not mutate). */
  vector(slot: number): Float32Array;
  /** Raw per-slot data of slots `[0, n)` for snapshots (views, no copies; do not mutate). */
  levelBytes(n: number): Uint8Array;
  stateBytes(n: number): Uint8Array;
  vectorRecords(n: number): Float32Array[];
  layer0Records(n: number): Uint32Array[];
  upperRecord(slot: number): Uint32Array | undefined;
}
