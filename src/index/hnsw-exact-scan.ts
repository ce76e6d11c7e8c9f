/**
 * Read-only exact scans over the live slots of an HNSW graph, for monitoring (the quality probes'
 * ground truth) rather than serving.
 *
 * Contract: `new GraphSlotScanner(graph, queries)` copies and validates the queries once;
 * `scan(from, to, visit)` compares every query with every LIVE slot in `[from, min(to, nodeCount))`
 * and calls `visit(query, id, distance)` for each pair, with `distance` in the unit of the metric's
 * kernel (`kernelFor(metric)`: squared L2, 1 - cosine, negated dot). Distances come from the vector
 * store's batch kernels reading the stored vectors in place (WASM SIMD when the store is WASM), so no
 * vector is copied out, unlike a walk of `getVector(id)`. It returns the live slots compared.
 *
 * Why slot ranges: a caller that must share the event loop (a prober) scans a few hundred slots, looks
 * at the clock, and yields; a slot cursor stays meaningful across the yield, while the graph changes
 * under it only as any concurrent write would (a slot freed and reused meanwhile is seen with its new
 * point, or not at all). The scanner never mutates the graph; it overwrites only the store's query
 * area, which every search sets afresh, and it runs synchronously, so it never interleaves a search.
 */

import type { HnswGraph } from "./hnsw-graph.js";
import { LIVE } from "./hnsw-graph.js";
import type { Metric, SlotScanVisitor, SlotScanner } from "./types.js";
import { checkVector } from "./validation.js";
import { QUERY } from "./vector-store.js";

/** Slots compared per batch-kernel call (the WASM store splits longer lists anyway). */
const BLOCK_SLOTS = 256;

export class GraphSlotScanner implements SlotScanner {
  readonly #graph: HnswGraph;
  readonly #queries: Float32Array[];
  readonly #slots = new Uint32Array(BLOCK_SLOTS);
  readonly #out = new Float64Array(BLOCK_SLOTS);

  constructor(graph: HnswGraph, dim: number, metric: Metric, queries: readonly ArrayLike<number>[]) {
    this.#graph = graph;
    // Cosine queries are normalised like search queries, so distances are the engine's own.
    this.#queries = queries.map((q) => checkVector(q, dim, metric, "query"));
  }

  get queryCount(): number {
    return this.#queries.length;
  }

  scan(from: number, to: number, visit: SlotScanVisitor): number {
    const graph = this.#graph;
    const end = Math.min(to, graph.nodeCount);
    let compared = 0;
    for (let block = Math.max(0, from); block < end; block += BLOCK_SLOTS) {
      const count = this.#collectLive(block, Math.min(end, block + BLOCK_SLOTS));
      if (count === 0) continue;
      compared += count;
      this.#compareBlock(count, visit);
    }
    return compared;
  }

  /** Writes the LIVE slots of `[from, to)` into the slot buffer; returns how many. */
  #collectLive(from: number, to: number): number {
    const flags = this.#graph.flags;
    const slots = this.#slots;
    let count = 0;
    for (let s = from; s < to; s++) if (flags[s] === LIVE) slots[count++] = s;
    return count;
  }

  /** Every query against the collected slots, one batch-kernel call per query. */
  #compareBlock(count: number, visit: SlotScanVisitor): void {
    const { vectors, slotIds } = this.#graph;
    const slots = this.#slots;
    const out = this.#out;
    const queries = this.#queries;
    for (let q = 0; q < queries.length; q++) {
      vectors.setQuery(queries[q], 0);
      vectors.distances(QUERY, slots, 0, count, out);
      for (let i = 0; i < count; i++) visit(q, slotIds[slots[i]] as string, out[i]);
    }
  }
}
