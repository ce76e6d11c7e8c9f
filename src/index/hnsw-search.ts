/**
 * The two search steps of HNSW: greedy descent through the upper layers and the beam search of width
 * `ef` within one layer (the paper's SEARCH-LAYER, Algorithm 2).
 *
 * Contract: both walk through tombstoned nodes (a deleted node still routes) but `searchLayer` only
 * ever keeps LIVE nodes that pass the optional filter in its result set. Neither allocates: they use the
 * heaps and buffers of a `SearchContext` and a pooled visited set. Results are left in `ctx.results`;
 * `drainResults` copies them, nearest first, into `ctx.slots`/`ctx.dists`.
 *
 * Distances: each function hands its query to the vector store (`setQuery`, a copy) and scores a
 * node's unvisited neighbours in one `distances` call, which with the WASM store is one JS->WASM
 * crossing per expanded node (vector-store-wasm.ts); measured: docs/decisions/batch-distances.md.
 */

import { IndexError } from "./errors.js";
import { MaxHeap, MinHeap } from "./heap.js";
import type { HnswGraph } from "./hnsw-graph.js";
import type { SearchOptions, SearchStats } from "./types.js";
import { QUERY } from "./vector-store.js";
import type { VisitedSet } from "./visited.js";
import { VisitedPool } from "./visited.js";

/** Reusable state of searches over one graph (one writer and synchronous readers share it). */
export class SearchContext {
  readonly candidates = new MinHeap(256);
  readonly results = new MaxHeap(256);
  readonly visited: VisitedPool;
  /** Distances computed since the caller last reset it (greedy descent and beams alike). */
  distanceComputations = 0;
  /** Set when a beam stopped at its deadline. */
  truncated = false;
  /** Unvisited neighbours of the node being expanded, and their distances (at most Mmax0). */
  fresh: Uint32Array;
  freshDists: Float64Array;
  /** Distances of one neighbour list during greedy descent (which calls nothing that could reuse it). */
  descentDists: Float64Array;
  /** The last drained result set, nearest first. */
  slots = new Uint32Array(256);
  dists = new Float64Array(256);

  constructor(capacity: number, maxLinks = 64) {
    this.visited = new VisitedPool(capacity);
    this.fresh = new Uint32Array(maxLinks);
    this.freshDists = new Float64Array(maxLinks);
    this.descentDists = new Float64Array(maxLinks);
  }

  /** Makes room for the neighbours of one node of `graph` (its Mmax0). */
  fitTo(graph: HnswGraph): void {
    if (this.fresh.length >= graph.maxLinks0) return;
    this.fresh = new Uint32Array(graph.maxLinks0);
    this.freshDists = new Float64Array(graph.maxLinks0);
    this.descentDists = new Float64Array(graph.maxLinks0);
  }

  /** Empties `results` into `slots`/`dists` in ascending distance order; returns the count. */
  drainResults(): number {
    const n = this.results.size;
    if (n > this.slots.length) {
      this.slots = new Uint32Array(n * 2);
      this.dists = new Float64Array(n * 2);
    }
    return this.results.drainAscending(this.slots, this.dists);
  }
}

/**
 * Greedy descent from `entry` at layer `fromLayer` down to layer `toLayer` (inclusive): on each layer,
 * move to a closer neighbour while one exists (the paper's search with ef = 1). Returns the slot reached.
 */
export function greedyDescent(
  graph: HnswGraph,
  ctx: SearchContext,
  q: Float32Array,
  qOff: number,
  entry: number,
  fromLayer: number,
  toLayer: number,
): number {
  const vectors = graph.vectors;
  vectors.setQuery(q, qOff);
  ctx.fitTo(graph);
  const dists = ctx.descentDists;
  let cur = entry;
  let curDist = vectors.distance(QUERY, cur);
  let computed = 1;
  for (let layer = fromLayer; layer >= toLayer; layer--) {
    let changed = true;
    while (changed) {
      changed = false;
      const links = graph.linksArray(cur, layer);
      const start = graph.linksStart(cur, layer);
      const count = graph.linkCount(cur, layer);
      computed += count;
      vectors.distances(QUERY, links, start, count, dists);
      for (let j = 0; j < count; j++) {
        if (dists[j] < curDist) {
          curDist = dists[j];
          cur = links[start + j];
          changed = true;
        }
      }
    }
  }
  ctx.distanceComputations += computed;
  return cur;
}

/**
 * Beam search of width `ef` on `layer` from `entry` (Algorithm 2). Keeps in `ctx.results` the `ef`
 * nearest LIVE nodes accepted by `filter` (null accepts all); walks through every node. Past `deadline`
 * (a `performance.now()` time, checked every 32 expansions) it stops and sets `ctx.truncated`.
 */
export function searchLayer(
  graph: HnswGraph,
  ctx: SearchContext,
  q: Float32Array,
  qOff: number,
  entry: number,
  ef: number,
  layer: number,
  filter: ((id: string) => boolean) | null,
  deadline = Infinity,
): void {
  graph.vectors.setQuery(q, qOff);
  ctx.fitTo(graph);
  const { candidates, results } = ctx;
  const visited = ctx.visited.acquire(graph.nodeCount);
  let bound = enterBeam(graph, ctx, entry, filter, visited);
  let computed = 1;
  let expansions = 0;
  while (candidates.size > 0) {
    if (candidates.topKey() > bound && results.size >= ef) break;
    if (deadline !== Infinity && (++expansions & 31) === 0 && performance.now() > deadline) {
      ctx.truncated = true;
      break;
    }
    const c = candidates.topValue();
    candidates.pop();
    const m = scoreFreshNeighbours(graph, ctx, c, layer, visited.tags, visited.epoch);
    computed += m;
    bound = offerFresh(graph, ctx, m, ef, bound, filter);
  }
  ctx.distanceComputations += computed;
  ctx.visited.release(visited);
}

/** True when `slot` may be a result: LIVE, and accepted by `filter` (null accepts all). */
function accepts(graph: HnswGraph, slot: number, filter: ((id: string) => boolean) | null): boolean {
  return graph.isLive(slot) && (filter === null || filter(graph.idAt(slot) as string));
}

/**
 * Starts a beam at `entry` (the query already set): visited, a candidate, and a result when it is
 * accepted. Returns the beam's bound: the entry's distance, or Infinity while no result is kept.
 */
function enterBeam(
  graph: HnswGraph,
  ctx: SearchContext,
  entry: number,
  filter: ((id: string) => boolean) | null,
  visited: VisitedSet,
): number {
  ctx.candidates.clear();
  ctx.results.clear();
  const d = graph.vectors.distance(QUERY, entry);
  visited.tags[entry] = visited.epoch;
  ctx.candidates.push(d, entry);
  if (!accepts(graph, entry, filter)) return Infinity;
  ctx.results.push(d, entry);
  return d;
}

/**
 * Offers the `m` scored fresh neighbours in `ctx.fresh`/`ctx.freshDists` to the beam: each one nearer
 * than the bound (or any while fewer than `ef` results are kept) becomes a candidate, and a result
 * when accepted, the furthest result dropping out past `ef`. Returns the new bound.
 */
function offerFresh(
  graph: HnswGraph,
  ctx: SearchContext,
  m: number,
  ef: number,
  bound: number,
  filter: ((id: string) => boolean) | null,
): number {
  const { fresh, freshDists, candidates, results } = ctx;
  for (let j = 0; j < m; j++) {
    const d = freshDists[j];
    if (results.size >= ef && d >= bound) continue;
    const n = fresh[j];
    candidates.push(d, n);
    if (!accepts(graph, n, filter)) continue;
    results.push(d, n);
    if (results.size > ef) results.pop();
    bound = results.topKey();
  }
  return bound;
}

/**
 * Marks the unvisited neighbours of `c` on `layer` visited, copies them to `ctx.fresh` and their
 * distances to the query (set by the caller) to `ctx.freshDists` in one batch call; returns their count.
 */
function scoreFreshNeighbours(
  graph: HnswGraph,
  ctx: SearchContext,
  c: number,
  layer: number,
  tags: Uint16Array,
  epoch: number,
): number {
  const fresh = ctx.fresh;
  const links = graph.linksArray(c, layer);
  const start = graph.linksStart(c, layer);
  const count = graph.linkCount(c, layer);
  let m = 0;
  for (let j = 0; j < count; j++) {
    const n = links[start + j];
    if (tags[n] === epoch) continue;
    tags[n] = epoch;
    fresh[m++] = n;
  }
  if (m > 0) graph.vectors.distances(QUERY, fresh, 0, m, ctx.freshDists);
  return m;
}

/** Checks the optional parts of a query; `ef` and `k` are checked by validation.ts. */
export function checkSearchOptions(options: SearchOptions | undefined): {
  filter: ((id: string) => boolean) | null;
  deadline: number;
  stats: SearchStats | undefined;
} {
  const filter = options?.filter ?? null;
  if (filter !== null && typeof filter !== "function") {
    throw new IndexError("INVALID_PARAMETER", "filter must be a function from id to boolean", {});
  }
  const deadline = options?.deadline ?? Infinity;
  if (typeof deadline !== "number" || Number.isNaN(deadline)) {
    throw new IndexError("INVALID_PARAMETER", "deadline must be a performance.now() time in ms", {});
  }
  const stats = options?.stats;
  if (stats !== undefined && (stats === null || typeof stats !== "object")) {
    throw new IndexError("INVALID_PARAMETER", "stats must be an object for the engine to fill in", {});
  }
  return { filter, deadline, stats };
}
