/**
 * `HnswIndex`: a Hierarchical Navigable Small World graph (Malkov & Yashunin, 2016/2018) implementing
 * `VectorIndex`, correct under streaming upserts and deletes.
 *
 * Contract:
 * - Single writer, synchronous readers: every method runs to completion on the calling thread, so a
 *   search never observes a half-applied mutation. A search `filter` must not call back into the index.
 * - `upsert` of a new id inserts (Algorithm 1). `upsert` of an existing id with the same vector is a
 *   no-op (idempotent); with a new vector it is a delete followed by an insert into a fresh slot, so no
 *   link ever stands for the old vector.
 * - `delete` tombstones at once (the id vanishes from results and maps); when tombstones reach
 *   `CONSOLIDATION_RATIO` of the slots in use, a consolidation pass repairs the graph around them and
 *   reclaims their slots, a few nodes per later mutation (hnsw-consolidation.ts, hnsw-repair.ts).
 *   `consolidateDeletes()` runs a whole pass at once.
 * - Inputs are checked with validation.ts; failures throw `IndexError`.
 */

import { kernelFor, reportedDistance } from "./distance.js";
import { IndexError } from "./errors.js";
import type { HnswInternals } from "./hnsw-graph.js";
import { HnswGraph, LIVE } from "./hnsw-graph.js";
import { insertNode } from "./hnsw-insert.js";
import { NeighborScratch } from "./hnsw-neighbors.js";
import type { HnswParams } from "./hnsw-params.js";
import { drawLevel, levelMultiplier, resolveParams } from "./hnsw-params.js";
import { CONSOLIDATION_STEP_NODES, ConsolidationPass, consolidateDeletes } from "./hnsw-consolidation.js";
import { markDeleted } from "./hnsw-repair.js";
import { restoreGraph } from "./hnsw-restore.js";
import { SearchContext, greedyDescent, searchLayer } from "./hnsw-search.js";
import { GraphSlotScanner } from "./hnsw-exact-scan.js";
import { SeededRandom } from "./random.js";
import type {
  ExactScanSource,
  IndexStats,
  Metric,
  SearchHit,
  SearchOptions,
  SearchStats,
  SlotScanner,
  VectorIndex,
} from "./types.js";
import { checkEf, checkId, checkK, checkVector } from "./validation.js";

export type { HnswParams } from "./hnsw-params.js";
export type { HnswInternals } from "./hnsw-graph.js";

/**
 * Fraction of used slots that may be tombstones before a consolidation pass runs. A pass touches
 * nearly every node, so larger batches amortise it better; smaller ones keep fewer dead nodes routing.
 * On siftsmall churn (10 cycles replacing 10%), 0.2 cost 10% less CPU than 0.1 but held 20% more slots
 * and searched 20% slower at ef 16, for the same recall.
 */
export const CONSOLIDATION_RATIO = 0.1;

/** Checks the optional parts of a query; `ef` and `k` are checked by validation.ts. */
function checkSearchOptions(options: SearchOptions | undefined): {
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

/** Set only while `fromInternals` constructs, so the public constructor keeps its one-argument shape. */
let restoredGraph: HnswGraph | undefined;

export class HnswIndex implements VectorIndex, ExactScanSource {
  readonly params: Required<HnswParams>;
  readonly #graph: HnswGraph;
  readonly #ctx: SearchContext;
  readonly #scratch = new NeighborScratch();
  readonly #rng: SeededRandom;
  readonly #mL: number;
  readonly #vectorBuf: Float32Array;
  readonly #queryBuf: Float32Array;
  #searching = false;
  /**
   * Tombstone fraction that triggers consolidation (default `CONSOLIDATION_RATIO`). `Infinity` turns
   * repair off and leaves hnswlib-style mark-only deletes, the baseline benchmarks compare against.
   */
  consolidationRatio = CONSOLIDATION_RATIO;
  /** The consolidation pass in progress, advanced a few nodes per mutation (hnsw-consolidation.ts). */
  #pass: ConsolidationPass | null = null;

  constructor(params: HnswParams) {
    this.params = resolveParams(params);
    const { dim, metric, M, seed, initialCapacity } = this.params;
    this.#graph = restoredGraph ?? new HnswGraph(dim, M, kernelFor(metric), initialCapacity);
    restoredGraph = undefined;
    this.#ctx = new SearchContext(this.#graph.capacity, this.#graph.maxLinks0);
    this.#rng = new SeededRandom(seed);
    this.#mL = levelMultiplier(M);
    this.#vectorBuf = new Float32Array(dim);
    this.#queryBuf = new Float32Array(dim);
  }

  /** Restores an index from `internals()` output (taking ownership of its arrays); validates it. */
  static fromInternals(params: HnswParams, internals: HnswInternals): HnswIndex {
    const resolved = resolveParams(params);
    restoredGraph = restoreGraph(resolved, kernelFor(resolved.metric), internals);
    const index = new HnswIndex(resolved);
    index.#rng.state = internals.rngState;
    const saved = internals.consolidation;
    if (saved !== undefined && saved !== null) index.#pass = new ConsolidationPass(index.#graph, saved);
    return index;
  }

  get dim(): number {
    return this.params.dim;
  }

  get metric(): Metric {
    return this.params.metric;
  }

  get size(): number {
    return this.#graph.liveCount;
  }

  upsert(id: string, vector: ArrayLike<number>): void {
    checkId(id);
    const v = checkVector(vector, this.params.dim, this.params.metric, "vector", this.#vectorBuf);
    this.#assertNotSearching();
    const graph = this.#graph;
    const existing = graph.idToSlot.get(id);
    if (existing !== undefined) {
      if (graph.vectors.equals(existing, v)) return;
      markDeleted(graph, existing);
    }
    const slot = graph.allocate(id, drawLevel(this.#rng, this.#mL), v);
    insertNode(graph, this.#ctx, this.#scratch, slot, this.params.efConstruction);
    this.#consolidateIfDue();
  }

  delete(id: string): boolean {
    checkId(id);
    this.#assertNotSearching();
    const slot = this.#graph.idToSlot.get(id);
    if (slot === undefined) return false;
    markDeleted(this.#graph, slot);
    this.#consolidateIfDue();
    return true;
  }

  has(id: string): boolean {
    return this.#graph.idToSlot.has(id);
  }

  getVector(id: string): Float32Array | undefined {
    const slot = this.#graph.idToSlot.get(id);
    return slot === undefined ? undefined : this.#graph.vectors.view(slot).slice();
  }

  search(query: ArrayLike<number>, k: number, options?: SearchOptions): SearchHit[] {
    checkK(k);
    const ef = Math.max(k, options?.ef === undefined ? this.params.efSearch : checkEf(options.ef));
    const { filter, deadline, stats } = checkSearchOptions(options);
    const q = checkVector(query, this.params.dim, this.params.metric, "query", this.#queryBuf);
    this.#assertNotSearching();
    const graph = this.#graph;
    const ctx = this.#ctx;
    ctx.distanceComputations = 0;
    ctx.truncated = false;
    ctx.results.clear();
    if (graph.liveCount > 0) {
      this.#searching = true;
      try {
        const entry = graph.entryPoint;
        const top = graph.maxLevel;
        const start = top > 0 ? greedyDescent(graph, q, 0, entry, top, 1, ctx) : entry;
        searchLayer(graph, ctx, q, 0, start, ef, 0, filter, deadline);
      } finally {
        this.#searching = false;
      }
    }
    if (stats !== undefined) {
      stats.distanceComputations = ctx.distanceComputations;
      stats.truncated = ctx.truncated;
    }
    const n = Math.min(k, ctx.drainResults());
    const { slots, dists } = this.#ctx;
    const hits = new Array<SearchHit>(n);
    for (let i = 0; i < n; i++) {
      hits[i] = {
        id: graph.slotIds[slots[i]] as string,
        distance: reportedDistance(this.params.metric, dists[i]),
      };
    }
    return hits;
  }

  /** One past the highest slot in use: an exact scan walks slots `[0, slotCount)` (hnsw-exact-scan.ts). */
  get slotCount(): number {
    return this.#graph.nodeCount;
  }

  /**
   * A read-only exact scanner over live slots for `queries` (validated and copied now), comparing them
   * with stored vectors in place through the store's batch kernels. For monitoring, not serving: a
   * full scan is O(size) per query. Distances are in `kernelFor(metric)`'s unit.
   */
  exactScanner(queries: readonly ArrayLike<number>[]): SlotScanner {
    return new GraphSlotScanner(this.#graph, this.params.dim, this.params.metric, queries);
  }

  /** The live id in `slot` (for sampling live points in O(1) per draw), else undefined. */
  idAtSlot(slot: number): string | undefined {
    const graph = this.#graph;
    return slot >= 0 && slot < graph.nodeCount && graph.flags[slot] === LIVE
      ? graph.slotIds[slot]
      : undefined;
  }

  ids(): IterableIterator<string> {
    return this.#graph.idToSlot.keys();
  }

  stats(): IndexStats {
    const graph = this.#graph;
    return {
      dim: this.params.dim,
      metric: this.params.metric,
      livePoints: graph.liveCount,
      tombstones: graph.tombstoneCount,
      maxLevel: graph.maxLevel,
      memoryBytes: graph.byteLength,
    };
  }

  /** Repairs the graph around all tombstones now and reclaims their slots; returns how many. */
  consolidateDeletes(): number {
    this.#assertNotSearching();
    const freed = consolidateDeletes(
      this.#graph,
      this.#ctx,
      this.#scratch,
      this.params.efConstruction,
      this.#pass,
    );
    this.#pass = null;
    return freed;
  }

  /** True while a consolidation pass is spread over the coming mutations. */
  get consolidating(): boolean {
    return this.#pass !== null;
  }

  /**
   * Live views of the internal storage, for serialization and the graph checker (layout documented in
   * hnsw-graph.ts). Read-only, and valid only until the next mutation.
   */
  internals(): HnswInternals {
    const pass = this.#pass;
    const consolidation = pass === null ? null : { doomed: pass.doomed, cursor: pass.cursor };
    return { ...this.#graph.internals(this.#rng.state), consolidation };
  }

  /** Advances the pass in progress, or starts one when tombstones reach `consolidationRatio`. */
  #consolidateIfDue(): void {
    const graph = this.#graph;
    const used = graph.liveCount + graph.tombstoneCount;
    if (
      this.#pass === null &&
      graph.tombstoneCount > 0 &&
      graph.tombstoneCount >= this.consolidationRatio * used
    ) {
      this.#pass = new ConsolidationPass(graph);
    }
    if (this.#pass === null) return;
    // With nothing live left, finishing at once is a single cheap sweep that frees every slot.
    const budget = graph.liveCount === 0 ? Infinity : CONSOLIDATION_STEP_NODES;
    this.#pass.advance(graph, this.#ctx, this.#scratch, budget, this.params.efConstruction);
    if (this.#pass.finished) this.#pass = null;
  }

  #assertNotSearching(): void {
    if (this.#searching) {
      throw new IndexError("INVALID_PARAMETER", "a search filter must not call back into the index", {});
    }
  }
}
