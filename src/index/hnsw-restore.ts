/**
 * Restoring an `HnswGraph` from `HnswInternals` (a snapshot read back by serialization).
 *
 * Contract: `restoreGraph` adopts the given arrays without copying (except the vectors, which are
 * copied into WebAssembly memory when the WASM store is in use), after checking every invariant the
 * algorithms rely on (chunk sizes, list counts and targets, flags, ids, free list, counts, entry point);
 * any violation throws `IndexError("CORRUPT_INDEX")` naming the first problem, so a damaged snapshot is
 * refused at load instead of failing later inside a search.
 */

import type { DistanceKernel } from "./distance.js";
import { IndexError } from "./errors.js";
import type { HnswInternals } from "./hnsw-graph.js";
import { FREE, HnswGraph, LIVE, TOMBSTONE } from "./hnsw-graph.js";
import type { HnswParams } from "./hnsw-params.js";
import { CHUNK_NODES, CHUNK_SHIFT } from "./vector-store.js";
import { vectorStoreFromChunks } from "./vector-store-wasm.js";

function corrupt(message: string, details: Record<string, unknown> = {}): never {
  throw new IndexError("CORRUPT_INDEX", `corrupt HNSW snapshot: ${message}`, details);
}

function checkChunks(graph: HnswGraph, x: HnswInternals): number {
  if (x.chunkShift !== CHUNK_SHIFT) corrupt("unexpected chunk size", { chunkShift: x.chunkShift });
  const { dim, stride0 } = graph;
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
  return capacity;
}

function checkList(graph: HnswGraph, x: HnswInternals, slot: number, layer: number): void {
  const links = graph.linksArray(slot, layer);
  const base = graph.linksBase(slot, layer);
  const count = links[base];
  if (count > graph.maxLinks(layer)) corrupt(`node ${slot} has too many links on layer ${layer}`);
  for (let j = 1; j <= count; j++) {
    const n = links[base + j];
    if (n >= x.nodeCount || x.flags[n] === FREE || x.levels[n] < layer) {
      corrupt(`node ${slot} links an invalid node ${n} on layer ${layer}`);
    }
  }
}

function checkNodes(graph: HnswGraph, x: HnswInternals): void {
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
    const upper = x.upperLinks[s];
    if ((upper?.length ?? 0) !== x.levels[s] * graph.strideUp)
      corrupt(`slot ${s} has a bad upper-layer array`);
    if (flag === LIVE) {
      if (graph.idToSlot.has(id)) corrupt(`id ${id} is live in two slots`);
      graph.idToSlot.set(id, s);
      live++;
    } else tombstones++;
    for (let layer = 0; layer <= x.levels[s]; layer++) checkList(graph, x, s, layer);
  }
  if (live !== x.liveCount || tombstones !== x.tombstoneCount) corrupt("live or tombstone count is wrong");
  const ep = x.entryPoint;
  const entryOk =
    live === 0
      ? ep === -1 && x.maxLevel === -1
      : ep >= 0 && ep < x.nodeCount && x.flags[ep] === LIVE && x.levels[ep] === x.maxLevel;
  if (!entryOk) corrupt("entry point is not a live node at the top level", { entryPoint: ep });
}

export function restoreGraph(
  params: Required<HnswParams>,
  distance: DistanceKernel,
  x: HnswInternals,
): HnswGraph {
  const graph = new HnswGraph(params.dim, params.M, distance, 1);
  checkChunks(graph, x);
  graph.vectors = vectorStoreFromChunks(params.dim, distance, x.vectorChunks);
  graph.links0 = x.links0Chunks;
  graph.upper = x.upperLinks;
  graph.levels = x.levels;
  graph.flags = x.flags;
  graph.slotIds = x.slotIds;
  graph.nodeCount = x.nodeCount;
  checkNodes(graph, x);
  graph.freeSlots = x.freeSlots;
  graph.entryPoint = x.entryPoint;
  graph.maxLevel = x.maxLevel;
  graph.liveCount = x.liveCount;
  graph.tombstoneCount = x.tombstoneCount;
  for (let s = 0; s < x.nodeCount; s++) graph.upperWords += x.upperLinks[s]?.length ?? 0;
  return graph;
}
