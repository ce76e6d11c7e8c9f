/**
 * Reachability after repair: every live node must stay reachable on layer 0 from the entry point, or
 * no search could return it (hnswlib's mark-only deletes lose nodes this way under churn).
 *
 * Contract: `ensureReachable` walks layer 0 from the entry point (through tombstones, as a search
 * does) and re-links each live node it did not reach, for up to `REACHABILITY_ROUNDS` rounds (a forced
 * in-link can orphan another node, which the next round fixes); it returns the number of nodes
 * re-linked. The consolidation pass runs it once when it ends. It allocates three arrays of
 * `nodeCount` entries per call: it runs once per pass, not per mutation.
 */

import type { HnswGraph } from "./hnsw-graph.js";
import type { NeighborScratch } from "./hnsw-neighbors.js";
import { shrinkIfNeeded } from "./hnsw-neighbors.js";
import type { SearchContext } from "./hnsw-search.js";
import { searchLayer } from "./hnsw-search.js";

/** Rounds of the reachability pass; each round fixes the orphans the previous forced links made. */
const REACHABILITY_ROUNDS = 8;

/** Re-links live nodes that layer 0 does not reach from the entry point, until none is left. */
export function ensureReachable(
  graph: HnswGraph,
  ctx: SearchContext,
  scratch: NeighborScratch,
  efConstruction: number,
): number {
  const total = graph.nodeCount;
  const reached = new Uint8Array(total);
  const queue = new Uint32Array(total);
  const inDegree = new Uint32Array(total);
  let relinked = 0;
  for (let round = 0; round < REACHABILITY_ROUNDS; round++) {
    reached.fill(0);
    markReachable(graph, graph.entryPoint, reached, queue);
    inDegree.fill(0);
    for (let s = 0; s < total; s++) if (graph.isLive(s)) countInLinks(graph, s, inDegree, 1);
    let orphans = 0;
    for (let s = 0; s < total; s++) {
      if (!graph.isLive(s) || reached[s] === 1) continue;
      orphans++;
      reconnectOrphan(graph, ctx, scratch, s, efConstruction, inDegree);
      markReachable(graph, s, reached, queue);
    }
    relinked += orphans;
    if (orphans === 0) break;
  }
  return relinked;
}

/** Adds `delta` to the in-degree of every layer-0 neighbour of `slot`. */
function countInLinks(graph: HnswGraph, slot: number, inDegree: Uint32Array, delta: number): void {
  const links = graph.linksArray(slot, 0);
  const start = graph.linksStart(slot, 0);
  const count = graph.linkCount(slot, 0);
  for (let j = 0; j < count; j++) inDegree[links[start + j]] += delta;
}

/** Breadth-first walk over layer-0 links from `start`, marking every node reached. */
function markReachable(graph: HnswGraph, from: number, reached: Uint8Array, queue: Uint32Array): void {
  if (from < 0 || reached[from] === 1) return;
  reached[from] = 1;
  queue[0] = from;
  let tail = 1;
  for (let head = 0; head < tail; head++) {
    const c = queue[head];
    const links = graph.linksArray(c, 0);
    const start = graph.linksStart(c, 0);
    const count = graph.linkCount(c, 0);
    for (let j = 0; j < count; j++) {
      const n = links[start + j];
      if (reached[n] === 1) continue;
      reached[n] = 1;
      queue[tail++] = n;
    }
  }
}

/**
 * Links the unreachable node `orphan` from its nearest reachable node that can take it (found by a
 * layer-0 beam from the entry point, which only visits reachable nodes), and links it to the nearest
 * of them with the heuristic. The in-link goes into a list with room, else in place of a link whose
 * target has another in-link, so that fixing one orphan rarely makes another; only when no near node
 * allows either does it replace the nearest node's last link (the next round then fixes that one).
 */
function reconnectOrphan(
  graph: HnswGraph,
  ctx: SearchContext,
  scratch: NeighborScratch,
  orphan: number,
  efConstruction: number,
  inDegree: Uint32Array,
): void {
  const q = graph.vectors.chunk(orphan);
  const qOff = graph.vectors.offset(orphan);
  searchLayer(graph, ctx, q, qOff, graph.entryPoint, efConstruction, 0, null);
  const near = ctx.slots.slice(0, ctx.drainResults()).filter((s) => s !== orphan);
  if (near.length === 0) return;
  countInLinks(graph, orphan, inDegree, -1);
  for (let i = 0; i < near.length && i < graph.M; i++)
    shrinkIfNeeded(graph, scratch, orphan, 0, near[i], true);
  countInLinks(graph, orphan, inDegree, 1);
  const replaced = linkFromNear(graph, near, orphan, inDegree);
  if (replaced >= 0) inDegree[replaced]--;
  inDegree[orphan]++;
}

/**
 * Adds the in-link `r -> orphan` for the first node `r` of `near` whose list has room; failing that,
 * in place of the last link of a near node whose target has another in-link; failing that, in place of
 * the nearest node's last link. Returns the slot whose in-link was replaced, or -1 when one was added.
 */
function linkFromNear(graph: HnswGraph, near: Uint32Array, orphan: number, inDegree: Uint32Array): number {
  for (const r of near) if (graph.appendLink(r, 0, orphan)) return -1;
  for (const r of near) {
    const links = graph.linksArray(r, 0);
    const start = graph.linksStart(r, 0);
    for (let j = graph.linkCount(r, 0) - 1; j >= 0; j--) {
      const target = links[start + j];
      if (inDegree[target] < 2) continue;
      graph.replaceLink(r, 0, j, orphan);
      return target;
    }
  }
  const last = graph.linkCount(near[0], 0) - 1;
  const target = graph.linksArray(near[0], 0)[graph.linksStart(near[0], 0) + last];
  graph.replaceLink(near[0], 0, last, orphan);
  return target;
}
