/**
 * Insertion of one node (the paper's INSERT, Algorithm 1).
 *
 * Contract: the node's slot is already allocated, its vector written and its level drawn. Greedy
 * descent from the entry point down to the node's top layer + 1, then on each layer from
 * min(level, maxLevel) down to 0: a beam of width efConstruction, M neighbours chosen by the heuristic
 * (M on every layer, as hnswlib does; layer-0 lists then fill up to 2M through back-links), and a
 * back-link from each neighbour, shrunk with the heuristic when the neighbour's list is full.
 * Tombstoned nodes are walked through but never chosen as neighbours, since consolidation would only
 * have to remove those links again.
 */

import type { HnswGraph } from "./hnsw-graph.js";
import type { NeighborScratch } from "./hnsw-neighbors.js";
import { selectNeighborsHeuristic, shrinkIfNeeded } from "./hnsw-neighbors.js";
import type { SearchContext } from "./hnsw-search.js";
import { greedyDescent, searchLayer } from "./hnsw-search.js";

export function insertNode(
  graph: HnswGraph,
  ctx: SearchContext,
  scratch: NeighborScratch,
  slot: number,
  efConstruction: number,
): void {
  const level = graph.level(slot);
  const entry = graph.entryPoint;
  if (entry < 0) {
    graph.setEntryPoint(slot, level);
    return;
  }
  const q = graph.vectors.chunk(slot);
  const qOff = graph.vectors.offset(slot);
  const top = graph.maxLevel;
  let cur = top > level ? greedyDescent(graph, ctx, q, qOff, entry, top, level + 1) : entry;
  for (let layer = Math.min(level, top); layer >= 0; layer--) {
    searchLayer(graph, ctx, q, qOff, cur, efConstruction, layer, null);
    const n = ctx.drainResults();
    if (n === 0) continue;
    cur = ctx.slots[0];
    connectNewElement(graph, ctx, scratch, slot, layer, n);
  }
  if (level > top) graph.setEntryPoint(slot, level);
}

/** Links `slot` on `layer` to the heuristic's choice among the `n` drained candidates, and back. */
export function connectNewElement(
  graph: HnswGraph,
  ctx: SearchContext,
  scratch: NeighborScratch,
  slot: number,
  layer: number,
  n: number,
): void {
  scratch.ensure(n);
  const picked = scratch.picked;
  const m = selectNeighborsHeuristic(graph, ctx.slots, ctx.dists, n, graph.M, picked, false, scratch.pruned);
  graph.setLinks(slot, layer, picked, m);
  for (let j = 0; j < m; j++) shrinkIfNeeded(graph, scratch, picked[j], layer, slot, false);
}
