/**
 * Shared vocabulary of the engine: metrics, search options and results, statistics.
 *
 * Contract: every engine (`HnswIndex`, `BruteForceIndex`) speaks these types, so one contract suite
 * can run over both and the service above never depends on which one it holds.
 */

import type { DistanceKernel } from "./distance.js";

/** Distance functions. `cosine` normalises vectors once at insert; `dot` ranks by larger inner product. */
export type Metric = "l2" | "cosine" | "dot";

export const METRICS: readonly Metric[] = ["l2", "cosine", "dot"];

/** Options for one k-NN query. */
export interface SearchOptions {
  /** Beam width on layer 0 (the paper's `ef`); defaults to the index's `efSearch`, and is at least `k`. */
  ef?: number;
  /** Only ids for which this returns true are returned (the graph is still walked through the others). */
  filter?: (id: string) => boolean;
  /**
   * A `performance.now()` time after which a graph engine stops refining and returns the best hits found
   * so far (marked in `stats.truncated`). Engines that cannot stop early ignore it.
   */
  deadline?: number;
  /** When given, the engine fills it in with what the query cost. */
  stats?: SearchStats;
}

/** The cost of one query (Qdrant's and Vespa's search stats), for metrics and tuning `ef`. */
export interface SearchStats {
  /** Distances computed over all layers: the unit of search cost. */
  distanceComputations: number;
  /** True when the deadline stopped the search early. */
  truncated: boolean;
}

/** One result of a query, nearest first in the returned array. */
export interface SearchHit {
  id: string;
  /**
   * Distance in the metric's natural unit: `l2` Euclidean distance, `cosine` 1 - cosine similarity,
   * `dot` the negated inner product (so that smaller is always nearer).
   */
  distance: number;
}

/** A point-in-time summary of an index, cheap enough to read at every metrics scrape. */
export interface IndexStats {
  dim: number;
  metric: Metric;
  /** Points that searches can return. */
  livePoints: number;
  /** Deleted points whose slots are not yet reclaimed (always 0 for engines that repair at once). */
  tombstones: number;
  /** Highest layer present in the graph (-1 for an empty index; 0 for engines without layers). */
  maxLevel: number;
  /** Bytes held by the engine's typed arrays and id maps (an estimate for the maps). */
  memoryBytes: number;
}

/** The interface every engine implements. Inputs are validated; failures throw `IndexError`. */
export interface VectorIndex {
  readonly dim: number;
  readonly metric: Metric;
  /** Number of live points. */
  readonly size: number;
  /** Insert `id`, or replace its vector if it is already present. */
  upsert(id: string, vector: ArrayLike<number>): void;
  /** Remove `id`; returns false when it was not present. The id vanishes from results at once. */
  delete(id: string): boolean;
  has(id: string): boolean;
  /** The stored vector (normalised under `cosine`), or undefined. The caller must not mutate it. */
  getVector(id: string): Float32Array | undefined;
  /** The `k` nearest live points, nearest first. */
  search(query: ArrayLike<number>, k: number, options?: SearchOptions): SearchHit[];
  /** Live ids, in no particular order. */
  ids(): IterableIterator<string>;
  stats(): IndexStats;
  /**
   * An exact scan of the `k` nearest live points of each of `queries` (validated and copied now). For
   * monitoring and ground truth, not serving: a full scan is O(size) per query.
   */
  exactScanner(queries: readonly ArrayLike<number>[], k: number, options?: ExactScanOptions): ExactScanner;
}

/** One neighbour found by an exact scan, with its distance in the scan's kernel unit. */
export interface ScanNeighbor {
  id: string;
  distance: number;
}

/** Options of `VectorIndex.exactScanner`. */
export interface ExactScanOptions {
  /**
   * The kernel results are ranked and reported by (default `kernelFor(metric)`: squared L2, 1 - cosine,
   * negated dot, applied to the queries as given). An engine may rank with its own faster kernel when
   * that orders points alike (`ranksLike` in distance.ts), then rescores the k survivors with this one.
   */
  kernel?: DistanceKernel;
  /** Per query, an id that must not be returned (the query point itself). */
  excludeIds?: readonly (string | undefined)[];
}

/**
 * An exact k-NN scan of an engine's live points by slot range (`VectorIndex.exactScanner`), for
 * ground truth and quality probes: a caller scans `[0, slotCount)` in as many ranges as it likes,
 * yielding between them, then reads each query's neighbours. Read-only; see exact-scan.ts.
 */
export interface ExactScanner {
  readonly queryCount: number;
  /** One past the highest slot in use now (it may grow between calls as points are added). */
  readonly slotCount: number;
  /** Compares every query with the live slots in `[from, to)`; returns how many slots were live. */
  scan(from: number, to: number): number;
  /**
   * Query `query`'s k nearest live points found so far, nearest first (ties by id), with distances
   * exactly the kernel's; ids deleted since they were seen are left out.
   */
  neighbors(query: number): ScanNeighbor[];
}

/** An engine that can name the id in a slot, so samplers can draw random slots (`HnswIndex`). */
export interface SlotSource {
  /** One past the highest slot in use (grows with inserts, never beyond the slots allocated). */
  readonly slotCount: number;
  /** The live id in `slot`; undefined for a free or tombstoned slot or one outside `[0, slotCount)`. */
  idAtSlot(slot: number): string | undefined;
}
