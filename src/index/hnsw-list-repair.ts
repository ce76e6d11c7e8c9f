/**
 * Repair of one neighbour list around tombstones (FreshDiskANN's delete consolidation, with HNSW's
 * heuristic as the pruning rule).
 *
 * Contract: `repairList` rewrites a live node's list on one layer when it holds a tombstone: its live
 * links plus the live nodes found by walking out through the tombstones (breadth first, bounded),
 * re-chosen by the heuristic with pruned connections kept. It never links a tombstone, so after a
 * consolidation pass (hnsw-consolidation.ts) has run it over every node, the tombstones it started
 * with can be freed. Working memory comes from the caller's scratch and visited pool.
 */

import type { HnswGraph } from "./hnsw-graph.js";
import type { NeighborScratch } from "./hnsw-neighbors.js";
import { distancesFrom, selectNeighborsHeuristic, sortByDistance } from "./hnsw-neighbors.js";
import type { SearchContext } from "./hnsw-search.js";

/**
 * Candidates gathered for one list, as a multiple of the list's capacity, in walk order (the live
 * links first, then what lies behind the tombstones). More candidates reach further through chains of
 * tombstones, which after a clustered delete is where the bridging links across the deleted region
 * come from; the heuristic needs the far candidates, not just the closest ones. Measured:
 * docs/decisions/repair-candidates.md.
 */
const REPAIR_CANDIDATES_FACTOR = 6;

/** Rewrites `slot`'s list on `layer` without tombstones, if it holds any. */
export function repairList(
  graph: HnswGraph,
  ctx: SearchContext,
  scratch: NeighborScratch,
  slot: number,
  layer: number,
): void {
  const links = graph.linksArray(slot, layer);
  const start = graph.linksStart(slot, layer);
  const count = graph.linkCount(slot, layer);
  let clean = true;
  for (let j = 0; j < count && clean; j++) clean = graph.isLive(links[start + j]);
  if (clean) return;
  const maxM = graph.maxLinks(layer);
  const n = gatherRepairCandidates(graph, ctx, scratch, slot, layer, REPAIR_CANDIDATES_FACTOR * maxM);
  const { slots, dists } = scratch;
  distancesFrom(graph, slot, slots, n, dists);
  sortByDistance(slots, dists, n);
  const kept = selectNeighborsHeuristic(graph, slots, dists, n, maxM, scratch.chosen, true, scratch.pruned);
  graph.setLinks(slot, layer, scratch.chosen, kept);
}

/**
 * Collects into `scratch.slots` up to `limit` live candidates for `slot`'s list on `layer`: its live
 * links first, then live nodes reached from its tombstoned links, walking through chains of tombstones
 * breadth first. Returns the count.
 */
function gatherRepairCandidates(
  graph: HnswGraph,
  ctx: SearchContext,
  scratch: NeighborScratch,
  slot: number,
  layer: number,
  limit: number,
): number {
  scratch.ensure(limit + graph.maxLinks0 + 1);
  const { slots, queue } = scratch;
  const visited = ctx.visited.acquire(graph.nodeCount);
  const { tags, epoch } = visited;
  tags[slot] = epoch;
  let n = 0;
  let tail = 0;
  const links = graph.linksArray(slot, layer);
  const start = graph.linksStart(slot, layer);
  const count = graph.linkCount(slot, layer);
  for (let j = 0; j < count; j++) {
    const t = links[start + j];
    tags[t] = epoch;
    if (graph.isLive(t)) slots[n++] = t;
    else queue[tail++] = t;
  }
  for (let head = 0; head < tail && n < limit; head++) {
    const t = queue[head];
    const tLinks = graph.linksArray(t, layer);
    const tStart = graph.linksStart(t, layer);
    const tCount = graph.linkCount(t, layer);
    for (let j = 0; j < tCount && n < limit; j++) {
      const u = tLinks[tStart + j];
      if (tags[u] === epoch) continue;
      tags[u] = epoch;
      if (graph.isLive(u)) slots[n++] = u;
      else if (tail < queue.length) queue[tail++] = u;
    }
  }
  ctx.visited.release(visited);
  return n;
}
