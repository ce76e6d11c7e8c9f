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
 *   `params.consolidationRatio` of the slots in use, a consolidation pass repairs the graph around
 *   them and reclaims their slots, a few nodes per later mutation (hnsw-consolidation.ts).
 *   `consolidateDeletes()` runs a whole pass at once.
 * - Everything that shapes an index is a parameter of the one being built (`HnswParams`, and
 *   `VectorStoreOptions` for where its vectors live): no setting is shared between indexes.
 * - Inputs are checked with validation.ts; failures throw `IndexError`.
 */

import { kernelFor, reportedDistance } from "./distance.js";
import { IndexError } from "./errors.js";
import { CONSOLIDATION_STEP_NODES, ConsolidationPass, consolidateDeletes } from "./hnsw-consolidation.js";
import { hnswExactScanner } from "./exact-scan-targets.js";
import { HnswGraph } from "./hnsw-graph.js";
import type { HnswGraphView, HnswInternals } from "./hnsw-graph-view.js";
import { copyImage, restoreGraph } from "./hnsw-image.js";
import { insertNode } from "./hnsw-insert.js";
import { NeighborScratch } from "./hnsw-neighbors.js";
import type { HnswParams } from "./hnsw-params.js";
import { drawLevel, levelMultiplier, resolveParams } from "./hnsw-params.js";
import { SearchContext, checkSearchOptions, greedyDescent, searchLayer } from "./hnsw-search.js";
import { markDeleted } from "./hnsw-tombstone.js";
import { SeededRandom } from "./random.js";
import type {
  ExactScanOptions,
  ExactScanner,
  IndexStats,
  Metric,
  SearchHit,
  SearchOptions,
  SlotSource,
  VectorIndex,
} from "./types.js";
import { checkEf, checkId, checkK, checkVector } from "./validation.js";
import type { VectorStoreOptions } from "./vector-store-wasm.js";
import { createVectorStore } from "./vector-store-wasm.js";

export type { HnswParams } from "./hnsw-params.js";
export type { HnswInternals } from "./hnsw-graph-view.js";

/** What serialization and the graph checker read of an index: the graph and the index-level state. */
export interface HnswIndexView {
  graph: HnswGraphView;
  /** State of the level generator. */
  rngState: number;
  /** The consolidation pass in progress (see `HnswInternals.consolidation`); do not mutate. */
  consolidation: { readonly doomed: Uint32Array; readonly cursor: number } | null;
}

export class HnswIndex implements VectorIndex, SlotSource {
  readonly params: Required<HnswParams>;
  readonly #graph: HnswGraph;
  readonly #ctx: SearchContext;
  readonly #scratch = new NeighborScratch();
  readonly #rng: SeededRandom;
  readonly #mL: number;
  readonly #vectorBuf: Float32Array;
  readonly #queryBuf: Float32Array;
  #searching = false;
  /** Set during `deleteMany`: no consolidation pass starts (one in progress still advances). */
  #holdPasses = false;
  /** The consolidation pass in progress, advanced a few nodes per mutation (hnsw-consolidation.ts). */
  #pass: ConsolidationPass | null = null;

  /**
   * An empty index with `params`, its vectors stored as `storage` says. `restored` is for
   * `fromInternals` only: a graph it has rebuilt and checked, adopted instead of a new one.
   */
  constructor(params: HnswParams, storage: VectorStoreOptions = {}, restored?: HnswGraph) {
    this.params = resolveParams(params);
    const { dim, metric, M, seed, initialCapacity } = this.params;
    const kernel = kernelFor(metric);
    this.#graph =
      restored ?? new HnswGraph(dim, M, kernel, createVectorStore(dim, kernel, initialCapacity, storage));
    this.#ctx = new SearchContext(this.#graph.capacity, this.#graph.maxLinks0);
    this.#rng = new SeededRandom(seed);
    this.#mL = levelMultiplier(M);
    this.#vectorBuf = new Float32Array(dim);
    this.#queryBuf = new Float32Array(dim);
  }

  /**
   * Restores an index from a snapshot image (taking ownership of its arrays, copying only the vectors
   * into a WASM store); refuses a damaged one with `IndexError("CORRUPT_INDEX")` (hnsw-image.ts).
   */
  static fromInternals(
    params: HnswParams,
    internals: HnswInternals,
    storage: VectorStoreOptions = {},
  ): HnswIndex {
    const { dim, M, metric } = resolveParams(params);
    const graph = restoreGraph(dim, M, kernelFor(metric), storage, internals);
    const index = new HnswIndex(params, storage, graph);
    index.#rng.state = internals.rngState;
    const saved = internals.consolidation;
    if (saved !== undefined && saved !== null) index.#pass = new ConsolidationPass(graph, saved);
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
    const existing = graph.slotOf(id);
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
    const slot = this.#graph.slotOf(id);
    if (slot === undefined) return false;
    markDeleted(this.#graph, slot);
    this.#consolidateIfDue();
    return true;
  }

  /**
   * Deletes each id like `delete`, but starts no consolidation pass meanwhile (one in progress still
   * advances): a bulk removal, such as a revoked partition, then pays one pass, at the next mutation or
   * an explicit `consolidateDeletes()`, instead of passes started along the way. Returns how many of
   * the ids were present.
   */
  deleteMany(ids: Iterable<string>): number {
    this.#assertNotSearching();
    let deleted = 0;
    this.#holdPasses = true;
    try {
      for (const id of ids) if (this.delete(id)) deleted++;
    } finally {
      this.#holdPasses = false;
    }
    return deleted;
  }

  has(id: string): boolean {
    return this.#graph.slotOf(id) !== undefined;
  }

  getVector(id: string): Float32Array | undefined {
    const slot = this.#graph.slotOf(id);
    return slot === undefined ? undefined : this.#graph.vector(slot).slice();
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
        const start = top > 0 ? greedyDescent(graph, ctx, q, 0, entry, top, 1) : entry;
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
        id: graph.idAt(slots[i]) as string,
        distance: reportedDistance(this.params.metric, dists[i]),
      };
    }
    return hits;
  }

  /** One past the highest slot in use (see `SlotSource`). */
  get slotCount(): number {
    return this.#graph.nodeCount;
  }

  /** An exact scan over the live slots, vectors compared in place (exact-scan-targets.ts). */
  exactScanner(
    queries: readonly ArrayLike<number>[],
    k: number,
    options: ExactScanOptions = {},
  ): ExactScanner {
    return hnswExactScanner(this.#graph, this.params.metric, queries, k, options);
  }

  /** The live id in `slot` (for sampling live points in O(1) per draw), else undefined. */
  idAtSlot(slot: number): string | undefined {
    const graph = this.#graph;
    return slot >= 0 && slot < graph.nodeCount && graph.isLive(slot) ? graph.idAt(slot) : undefined;
  }

  ids(): IterableIterator<string> {
    return this.#graph.ids();
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
   * The graph, read-only, and the index-level state, for serialization and the graph checker. Always
   * current: the view reads the live graph, so it changes with every mutation.
   */
  view(): HnswIndexView {
    const pass = this.#pass;
    const consolidation = pass === null ? null : { doomed: pass.doomed, cursor: pass.cursor };
    return { graph: this.#graph, rngState: this.#rng.state, consolidation };
  }

  /** A deep copy of the storage as a snapshot image, which `fromInternals` turns back into an index. */
  toInternals(): HnswInternals {
    const pass = this.#pass;
    const consolidation = pass === null ? null : { doomed: pass.doomed.slice(), cursor: pass.cursor };
    return { ...copyImage(this.#graph), rngState: this.#rng.state, consolidation };
  }

  /** Advances the pass in progress, or starts one when tombstones reach the consolidation ratio. */
  #consolidateIfDue(): void {
    const graph = this.#graph;
    const used = graph.liveCount + graph.tombstoneCount;
    if (
      this.#pass === null &&
      !this.#holdPasses &&
      graph.tombstoneCount > 0 &&
      graph.tombstoneCount >= this.params.consolidationRatio * used
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
