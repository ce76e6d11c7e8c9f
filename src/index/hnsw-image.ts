/**
 * Snapshot images of an HNSW graph (`HnswInternals`, the layout in hnsw-graph-view.ts as plain arrays):
 * restoring a graph from one, and copying one out of a graph.
 *
 * Contract: `restoreGraph` adopts the image's arrays without copying (except the vectors, which are
 * copied into WebAssembly memory when the WASM store is in use), after checking every invariant the
 * algorithms rely on (chunk sizes, list counts and targets, states, ids, free list, counts, entry
 * point); any violation throws `IndexError("CORRUPT_INDEX")` naming the first problem, so a damaged
 * snapshot is refused at load instead of failing later inside a search. The lists are checked through
 * the restored graph's accessors, so this module computes no offsets into them. `copyImage` reads a
 * graph only through `HnswGraphView` and returns arrays the caller owns.
 */

import type { DistanceKernel } from "./distance.js";
import { IndexError } from "./errors.js";
import { HnswGraph } from "./hnsw-graph.js";
import type { HnswGraphView, HnswInternals } from "./hnsw-graph-view.js";
import { FREE, LIVE, TOMBSTONE, layer0RecordWords, upperRecordWords } from "./hnsw-graph-view.js";
import { CHUNK_NODES, CHUNK_SHIFT } from "./vector-store.js";
import type { VectorStoreOptions } from "./vector-store-wasm.js";
import { vectorStoreFromChunks } from "./vector-store-wasm.js";

function corrupt(message: string, details: Record<string, unknown> = {}): never {
  throw new IndexError("CORRUPT_INDEX", `corrupt HNSW snapshot: ${message}`, details);
}

function checkChunks(dim: number, M: number, x: HnswInternals): void {
  if (x.chunkShift !== CHUNK_SHIFT) corrupt("unexpected chunk size", { chunkShift: x.chunkShift });
  const stride0 = layer0RecordWords(M);
  const chunks = x.vectorChunks.length;
  if (chunks < 1 || x.links0Chunks.length !== chunks) corrupt("vector and link chunk counts differ");
  const first = x.vectorChunks[0].length / dim;
  if (!Number.isInteger(first) || first < 1 || first > CHUNK_NODES) corrupt("bad first chunk size");
  if (x.links0Chunks[0].length !== first * stride0) corrupt("first link chunk does not match vectors");
  for (let i = 1; i < chunks; i++) {
    if (first !== CHUNK_NODES) corrupt("chunk 0 may be partial only when it is the only chunk");
    if (
      x.vectorChunks[i].length !== CHUNK_NODES * dim ||
      x.links0Chunks[i].length !== CHUNK_NODES * stride0
    ) {
      corrupt(`chunk ${i} has the wrong size`);
    }
  }
  const capacity = first + (chunks - 1) * CHUNK_NODES;
  if (capacity !== x.capacity || x.nodeCount > capacity || x.nodeCount < 0)
    corrupt("bad capacity or node count");
  if (x.levels.length < capacity || x.flags.length < capacity) corrupt("per-slot arrays are too short");
  if (x.upperLinks.length < capacity || x.slotIds.length < capacity) corrupt("per-slot arrays are too short");
}

/** Checks states, ids, upper arrays, the free list and the counts, all per-slot tables of the image. */
function checkSlots(M: number, x: HnswInternals): void {
  let live = 0;
  let tombstones = 0;
  const free = new Set<number>();
  for (const s of x.freeSlots) {
    if (!Number.isInteger(s) || s < 0 || s >= x.nodeCount || x.flags[s] !== FREE || free.has(s)) {
      corrupt("free list does not match the free slots", { slot: s });
    }
    free.add(s);
  }
  for (let s = 0; s < x.nodeCount; s++) {
    const flag = x.flags[s];
    if (flag === FREE) {
      if (!free.has(s)) corrupt(`free slot ${s} is not on the free list`);
      continue;
    }
    if (flag !== LIVE && flag !== TOMBSTONE) corrupt(`slot ${s} has an unknown state ${flag}`);
    const id = x.slotIds[s];
    if (typeof id !== "string") corrupt(`slot ${s} has no id`);
    if ((x.upperLinks[s]?.length ?? 0) !== upperRecordWords(M, x.levels[s]))
      corrupt(`slot ${s} has a bad upper-layer array`);
    if (flag === LIVE) live++;
    else tombstones++;
  }
  if (live !== x.liveCount || tombstones !== x.tombstoneCount) corrupt("live or tombstone count is wrong");
  const ep = x.entryPoint;
  const entryOk =
    live === 0
      ? ep === -1 && x.maxLevel === -1
      : ep >= 0 && ep < x.nodeCount && x.flags[ep] === LIVE && x.levels[ep] === x.maxLevel;
  if (!entryOk) corrupt("entry point is not a live node at the top level", { entryPoint: ep });
}

/**
 * Checks that each live id names one slot (the graph's id map, built from the image, then maps it
 * there), and every list of every used slot: its length, and that each target is in use at that layer.
 */
function checkLists(graph: HnswGraph): void {
  for (let s = 0; s < graph.nodeCount; s++) {
    if (graph.state(s) === FREE) continue;
    const id = graph.idAt(s) as string;
    if (graph.state(s) === LIVE && graph.slotOf(id) !== s) corrupt(`id ${id} is live in two slots`);
    for (let layer = 0; layer <= graph.level(s); layer++) {
      if (graph.linkCount(s, layer) > graph.maxLinks(layer)) {
        corrupt(`node ${s} has too many links on layer ${layer}`);
      }
      for (const n of graph.neighbors(s, layer)) {
        if (n >= graph.nodeCount || graph.state(n) === FREE || graph.level(n) < layer) {
          corrupt(`node ${s} links an invalid node ${n} on layer ${layer}`);
        }
      }
    }
  }
}

export function restoreGraph(
  dim: number,
  M: number,
  distance: DistanceKernel,
  storage: VectorStoreOptions,
  x: HnswInternals,
): HnswGraph {
  checkChunks(dim, M, x);
  checkSlots(M, x);
  const vectors = vectorStoreFromChunks(dim, distance, x.vectorChunks, storage);
  const graph = new HnswGraph(dim, M, distance, vectors, x);
  checkLists(graph);
  return graph;
}

/** A deep copy of `graph` as an image (without the index-level `rngState` and `consolidation`). */
export function copyImage(graph: HnswGraphView): Omit<HnswInternals, "rngState" | "consolidation"> {
  const capacity = graph.capacity;
  const upperLinks: (Uint32Array | undefined)[] = [];
  const slotIds: (string | undefined)[] = [];
  for (let s = 0; s < capacity; s++) {
    upperLinks.push(graph.upperRecord(s)?.slice());
    slotIds.push(graph.idAt(s));
  }
  return {
    nodeCount: graph.nodeCount,
    capacity,
    chunkShift: CHUNK_SHIFT,
    vectorChunks: graph.vectorRecords(capacity).map((c) => c.slice()),
    links0Chunks: graph.layer0Records(capacity).map((c) => c.slice()),
    upperLinks,
    levels: graph.levelBytes(capacity).slice(),
    flags: graph.stateBytes(capacity).slice(),
    slotIds,
    freeSlots: graph.freeSlots.slice(),
    entryPoint: graph.entryPoint,
    maxLevel: graph.maxLevel,
    liveCount: graph.liveCount,
    tombstoneCount: graph.tombstoneCount,
  };
}
