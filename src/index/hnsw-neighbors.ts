/**
 * Neighbour selection: the paper's SELECT-NEIGHBORS-HEURISTIC (Algorithm 4) and the shrinking of a full
 * neighbour list with the same heuristic.
 *
 * Contract: like hnswlib's `getNeighborsByHeuristic2`, candidates are not extended with their own
 * neighbours (extendCandidates = false). A candidate is kept only if it is closer to the base node than
 * to every neighbour kept before it, which spreads links over directions instead of piling them into
 * one cluster. `keepPrunedConnections` then tops the list up with the nearest discarded candidates: off
 * on insert (as in hnswlib), on in delete repair, where a fuller list keeps the graph connected.
 * Working memory comes from a `NeighborScratch`, so nothing here allocates once it has grown.
 */

import type { HnswGraph } from "./hnsw-graph.js";

export class NeighborScratch {
  slots = new Uint32Array(128);
  dists = new Float64Array(128);
  chosen = new Uint32Array(128);
  pruned = new Uint32Array(128);
  /** The new node's own neighbours while its back-links are added (which reuses `chosen`). */
  picked = new Uint32Array(128);
  /** Tombstones waiting to be expanded during delete repair. */
  queue = new Uint32Array(128);

  ensure(n: number): void {
    if (n <= this.slots.length) return;
    const size = Math.max(n, this.slots.length * 2);
    const slots = new Uint32Array(size);
    const dists = new Float64Array(size);
    slots.set(this.slots);
    dists.set(this.dists);
    this.slots = slots;
    this.dists = dists;
    this.chosen = new Uint32Array(size);
    this.pruned = new Uint32Array(size);
    this.picked = new Uint32Array(size);
    this.queue = new Uint32Array(size);
  }
}

/**
 * Chooses at most `maxM` of the `n` candidates `slots[0..n)` (with distances `dists` to the base node,
 * ascending) into `out`; returns the number chosen.
 */
export function selectNeighborsHeuristic(
  graph: HnswGraph,
  slots: Uint32Array,
  dists: Float64Array,
  n: number,
  maxM: number,
  out: Uint32Array,
  keepPrunedConnections: boolean,
  pruned: Uint32Array,
): number {
  if (n <= maxM) {
    for (let i = 0; i < n; i++) out[i] = slots[i];
    return n;
  }
  const vectors = graph.vectors;
  let count = 0;
  let prunedCount = 0;
  for (let i = 0; i < n && count < maxM; i++) {
    const c = slots[i];
    const cDist = dists[i];
    let good = true;
    for (let j = 0; j < count; j++) {
      if (vectors.distance(c, out[j]) < cDist) {
        good = false;
        break;
      }
    }
    if (good) out[count++] = c;
    else pruned[prunedCount++] = c;
  }
  if (keepPrunedConnections) {
    for (let i = 0; i < prunedCount && count < maxM; i++) out[count++] = pruned[i];
  }
  return count;
}

/** `dists[i] = d(v, slots[i])` for `i < n`, where `v` is the stored vector of slot `from`. */
export function distancesFrom(
  graph: HnswGraph,
  from: number,
  slots: Uint32Array,
  n: number,
  dists: Float64Array,
): void {
  graph.vectors.distances(from, slots, 0, n, dists);
}

/** Sorts `slots[0..n)` by `dists` ascending (insertion sort: lists are a few dozen entries). */
export function sortByDistance(slots: Uint32Array, dists: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const d = dists[i];
    const s = slots[i];
    let j = i - 1;
    while (j >= 0 && dists[j] > d) {
      dists[j + 1] = dists[j];
      slots[j + 1] = slots[j];
      j--;
    }
    dists[j + 1] = d;
    slots[j + 1] = s;
  }
}

/**
 * Adds the link `node -> added` on `layer`. When the list is full, re-chooses it with the heuristic
 * among its current links plus `added` (the paper's shrink of eConn; Vespa's `shrink_if_needed`), so
 * `added` may end up not linked. Returns true when `added` is in the list afterwards.
 */
export function shrinkIfNeeded(
  graph: HnswGraph,
  scratch: NeighborScratch,
  node: number,
  layer: number,
  added: number,
  keepPrunedConnections: boolean,
): boolean {
  const links = graph.linksArray(node, layer);
  const start = graph.linksStart(node, layer);
  const count = graph.linkCount(node, layer);
  for (let j = 0; j < count; j++) if (links[start + j] === added) return true;
  if (graph.appendLink(node, layer, added)) return true;
  const maxM = graph.maxLinks(layer);
  scratch.ensure(count + 1);
  const { slots, dists } = scratch;
  for (let j = 0; j < count; j++) slots[j] = links[start + j];
  slots[count] = added;
  distancesFrom(graph, node, slots, count + 1, dists);
  sortByDistance(slots, dists, count + 1);
  const chosen = scratch.chosen;
  const kept = selectNeighborsHeuristic(
    graph,
    slots,
    dists,
    count + 1,
    maxM,
    chosen,
    keepPrunedConnections,
    scratch.pruned,
  );
  graph.setLinks(node, layer, chosen, kept);
  for (let j = 0; j < kept; j++) if (chosen[j] === added) return true;
  return false;
}
