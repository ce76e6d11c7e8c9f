/**
 * Deletes: tombstones first, then batched consolidation that repairs the graph (FreshDiskANN's delete
 * consolidation, with HNSW's heuristic as the pruning rule), then a reachability pass.
 *
 * Contract:
 * - `markDeleted` makes a node vanish from results at once (search only returns LIVE nodes) and, if it
 *   was the entry point, promotes the highest-level live neighbour, or else any live node of the highest
 *   level present. The node keeps routing searches until consolidation.
 * - `repairList` rewrites a live node's list on one layer when it holds a tombstone: its live links plus
 *   the live nodes found by walking out through the tombstones (bounded), re-chosen by the heuristic
 *   with pruned connections kept. The consolidation pass (hnsw-consolidation.ts) runs it over every
 *   node, then frees the tombstones' slots.
 * - `ensureReachable` then re-links any live node that layer 0 no longer reaches from the entry point.
 *
 * Why batched and not eager (Vespa's remove_node): HNSW links are directed, so removing a node eagerly
 * needs its in-links, which this storage does not keep (hnswlib does not either). A batch pass finds
 * them by scanning once for many deletes.
 *
 * Measured on siftsmall (bench/engine-smoke.ts, CPU time on the loaded 2-core box, recall@10 at ef 16):
 * - delete 90% of 10,000: repair 0.29-0.36 ms per delete, then 14-19K QPS, recall 0.997, 1,090-1,570
 *   slots held (the incremental pass leaves the last tombstones for later mutations or an explicit
 *   `consolidateDeletes()`); mark-only (hnswlib's baseline): 2.9-3.2K QPS (the walk wades through
 *   9,000 tombstones), recall 0.999, 10,000 slots held and never reused.
 * - streaming runbooks (npm run bench:runbooks, ef 16 / 64): mean recall 0.976 / 0.976 / 0.966 on simple /
 *   replace / clustered-delete against hnswlib-node's 0.965 / 0.958 / 0.977 at ef 16; 0.9990 / 0.9992 /
 *   0.9996 against 0.9970 / 0.9988 / 0.9996 at ef 64; zero unreachable nodes.
 * - 10 cycles replacing 10% of 5,000: recall 0.95-0.97 at 15K QPS (a fresh build of the same set: 0.98
 *   at 14K QPS); mark-only 0.97-0.99 but at 5.7K QPS with twice the slots. At equal search cost repair
 *   wins, and its memory stays bounded.
 * - Adding Vespa-style reverse links for every new link during repair cost 2-4x more for +0.005 recall;
 *   dropping `keepPrunedConnections` in repair cost 0.02-0.04 recall. Neither is used.
 */

import type { HnswGraph } from "./hnsw-graph.js";
import { LIVE } from "./hnsw-graph.js";
import type { NeighborScratch } from "./hnsw-neighbors.js";
import { distancesFrom, selectNeighborsHeuristic, shrinkIfNeeded, sortByDistance } from "./hnsw-neighbors.js";
import type { SearchContext } from "./hnsw-search.js";
import { searchLayer } from "./hnsw-search.js";

/**
 * Candidates gathered for one list during repair, as a multiple of the list's capacity, in walk order
 * (the live links first, then what lies behind the tombstones). More candidates reach further through
 * chains of tombstones, which after a clustered delete is where the bridging links across the deleted
 * region come from. Measured on the clustered streaming delete runbook (npm run bench:runbooks, siftsmall,
 * M 16, seeds 1-6 and 42), mean recall@10 at ef 64 / ef 16:
 *   2x: 0.9986-0.9992 (seed 42: 0.9954) / 0.968-0.969 (seed 42: 0.963);
 *   4x: 0.9990-0.9993 (seed 42: 0.9986) / 0.969-0.971 (seed 42: 0.965);
 *   6x: 0.9996 on every seed, as hnswlib-node's mark-only deletes / 0.970-0.972 (seed 42: 0.966).
 * Its cost is in the delete path only: deleting 90% of 10,000 (bench/engine-smoke.ts --mass-delete)
 * takes 2.6-3.2 s of CPU at 6x against 0.75-1.0 s at 2x (recall@10 at ef 16 0.997 vs 0.990); the churn
 * cycles of --churn take 15-20% more CPU. Taking the nearest 3x of a 6x walk instead lost the gain (seed 42, ef 64: 0.9942):
 * the heuristic needs the far candidates, not just the closest ones. A FreshDiskANN-style relaxed
 * prune (alpha 1.2 or 1.44) in repair, and a first hop over every tombstoned link, measured no better.
 */
const REPAIR_CANDIDATES_FACTOR = 6;
/** Rounds of the reachability pass; each round fixes the orphans the previous forced links made. */
const REACHABILITY_ROUNDS = 8;

export function markDeleted(graph: HnswGraph, slot: number): void {
  graph.markTombstone(slot);
  if (slot === graph.entryPoint) promoteEntryPoint(graph);
}

/** Replaces a deleted entry point by a live node of the highest level available. */
export function promoteEntryPoint(graph: HnswGraph): void {
  const old = graph.entryPoint;
  const { flags, levels } = graph;
  let best = -1;
  let bestLevel = -1;
  for (let layer = levels[old]; layer >= 0; layer--) {
    const links = graph.linksArray(old, layer);
    const base = graph.linksBase(old, layer);
    for (let j = 1; j <= links[base]; j++) {
      const n = links[base + j];
      if (flags[n] === LIVE && levels[n] > bestLevel) {
        best = n;
        bestLevel = levels[n];
      }
    }
  }
  if (bestLevel < graph.maxLevel) {
    for (let s = 0; s < graph.nodeCount && bestLevel < graph.maxLevel; s++) {
      if (flags[s] === LIVE && levels[s] > bestLevel) {
        best = s;
        bestLevel = levels[s];
      }
    }
  }
  graph.entryPoint = best;
  graph.maxLevel = bestLevel;
}

/** Rewrites `slot`'s list on `layer` without tombstones, if it holds any. */
export function repairList(
  graph: HnswGraph,
  ctx: SearchContext,
  scratch: NeighborScratch,
  slot: number,
  layer: number,
): void {
  const links = graph.linksArray(slot, layer);
  const base = graph.linksBase(slot, layer);
  const count = links[base];
  const flags = graph.flags;
  let clean = true;
  for (let j = 1; j <= count && clean; j++) clean = flags[links[base + j]] === LIVE;
  if (clean) return;
  const maxM = graph.maxLinks(layer);
  const n = gatherRepairCandidates(graph, ctx, scratch, slot, layer, REPAIR_CANDIDATES_FACTOR * maxM);
  const { slots, dists } = scratch;
  distancesFrom(graph, slot, slots, n, dists);
  sortByDistance(slots, dists, n);
  const kept = selectNeighborsHeuristic(graph, slots, dists, n, maxM, scratch.chosen, true, scratch.pruned);
  for (let j = 0; j < kept; j++) links[base + 1 + j] = scratch.chosen[j];
  links[base] = kept;
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
  const queueCap = queue.length;
  const flags = graph.flags;
  const visited = ctx.visited.acquire(graph.nodeCount);
  const tags = visited.tags;
  const epoch = visited.epoch;
  tags[slot] = epoch;
  let n = 0;
  let tail = 0;
  const links = graph.linksArray(slot, layer);
  const base = graph.linksBase(slot, layer);
  for (let j = 1; j <= links[base]; j++) {
    const t = links[base + j];
    tags[t] = epoch;
    if (flags[t] === LIVE) slots[n++] = t;
    else queue[tail++] = t;
  }
  for (let head = 0; head < tail && n < limit; head++) {
    const t = queue[head];
    const tLinks = graph.linksArray(t, layer);
    const tBase = graph.linksBase(t, layer);
    for (let j = 1; j <= tLinks[tBase] && n < limit; j++) {
      const u = tLinks[tBase + j];
      if (tags[u] === epoch) continue;
      tags[u] = epoch;
      if (flags[u] === LIVE) slots[n++] = u;
      else if (tail < queueCap) queue[tail++] = u;
    }
  }
  ctx.visited.release(visited);
  return n;
}

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
    for (let s = 0; s < total; s++) if (graph.flags[s] === LIVE) countInLinks(graph, s, inDegree, 1);
    let orphans = 0;
    for (let s = 0; s < total; s++) {
      if (graph.flags[s] !== LIVE || reached[s] === 1) continue;
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
  const base = graph.linksBase(slot, 0);
  for (let j = 1; j <= links[base]; j++) inDegree[links[base + j]] += delta;
}

/** Breadth-first walk over layer-0 links from `start`, marking every node reached. */
export function markReachable(
  graph: HnswGraph,
  start: number,
  reached: Uint8Array,
  queue: Uint32Array,
): void {
  if (start < 0 || reached[start] === 1) return;
  reached[start] = 1;
  queue[0] = start;
  let tail = 1;
  for (let head = 0; head < tail; head++) {
    const c = queue[head];
    const links = graph.linksArray(c, 0);
    const base = graph.linksBase(c, 0);
    for (let j = 1; j <= links[base]; j++) {
      const n = links[base + j];
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
  const max = graph.maxLinks0;
  for (let pass = 0; pass < 2; pass++) {
    for (const r of near) {
      const links = graph.linksArray(r, 0);
      const base = graph.linksBase(r, 0);
      const count = links[base];
      if (pass === 0 && count < max) {
        links[base + 1 + count] = orphan;
        links[base] = count + 1;
        inDegree[orphan]++;
        return;
      }
      for (let j = count; pass === 1 && j >= 1; j--) {
        if (inDegree[links[base + j]] < 2) continue;
        inDegree[links[base + j]]--;
        links[base + j] = orphan;
        inDegree[orphan]++;
        return;
      }
    }
  }
  const links = graph.linksArray(near[0], 0);
  const base = graph.linksBase(near[0], 0);
  inDegree[links[base + links[base]]]--;
  links[base + links[base]] = orphan;
  inDegree[orphan]++;
}
