/**
 * Deleting a node: the tombstone, and the entry point's succession when the deleted node held it.
 *
 * Contract: `markDeleted` makes a node vanish from results at once (search only returns LIVE nodes)
 * and, if it was the entry point, promotes the highest-level live neighbour, or else any live node of
 * the highest level present (none: the graph is empty, entry point -1). The node keeps its links and
 * keeps routing searches until a consolidation pass (hnsw-consolidation.ts) repairs around it.
 *
 * Why tombstones and not eager removal (Vespa's remove_node): HNSW links are directed, so removing a
 * node eagerly needs its in-links, which this storage does not keep (hnswlib does not either). A batch
 * pass finds them by scanning once for many deletes: docs/decisions/delete-repair.md.
 */

import type { HnswGraph } from "./hnsw-graph.js";

export function markDeleted(graph: HnswGraph, slot: number): void {
  graph.markTombstone(slot);
  if (slot === graph.entryPoint) promoteEntryPoint(graph);
}

/** Replaces a deleted entry point by a live node of the highest level available. */
export function promoteEntryPoint(graph: HnswGraph): void {
  const old = graph.entryPoint;
  let best = -1;
  let bestLevel = -1;
  for (let layer = graph.level(old); layer >= 0; layer--) {
    const links = graph.linksArray(old, layer);
    const start = graph.linksStart(old, layer);
    const count = graph.linkCount(old, layer);
    for (let j = 0; j < count; j++) {
      const n = links[start + j];
      if (graph.isLive(n) && graph.level(n) > bestLevel) {
        best = n;
        bestLevel = graph.level(n);
      }
    }
  }
  for (let s = 0; s < graph.nodeCount && bestLevel < graph.maxLevel; s++) {
    if (graph.isLive(s) && graph.level(s) > bestLevel) {
      best = s;
      bestLevel = graph.level(s);
    }
  }
  graph.setEntryPoint(best, bestLevel);
}
