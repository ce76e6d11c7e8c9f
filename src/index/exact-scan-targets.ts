/**
 * The exact scan's thin adapters (exact-scan.ts holds the scan itself): an HNSW graph's live slots
 * and a brute-force slab, with distances to them read in place, never copied out.
 *
 * Contract: `GraphScanTarget` with `rankKernel` null ranks with the vector store's batch kernels (WASM
 * SIMD when the store is WASM), in the unit of the metric's kernel, on a query the caller normalised
 * like a search query; otherwise it calls `rankKernel` on each stored vector in place. It overwrites
 * only the store's query area, which every search sets afresh, and runs synchronously, so it never
 * interleaves a search. `SlabScanTarget` sees every slot below the count as live (the slab is dense)
 * and ranks with its kernel. `hnswExactScanner` builds the scanner `HnswIndex.exactScanner` returns.
 */

import type { DistanceKernel } from "./distance.js";
import { kernelFor, ranksLike } from "./distance.js";
import type { ScanTarget } from "./exact-scan.js";
import { ExactScan } from "./exact-scan.js";
import type { HnswGraph } from "./hnsw-graph.js";
import type { ExactScanOptions, Metric } from "./types.js";
import { checkK, checkVector } from "./validation.js";
import { QUERY } from "./vector-store.js";

/**
 * An exact scan of `graph` for `queries`: ranked with the store's batch kernels when `options.kernel`
 * ranks like the metric's own (the queries then normalised as search queries are), else with
 * `options.kernel` itself; survivors rescored with it on the queries as given.
 */
export function hnswExactScanner(
  graph: HnswGraph,
  metric: Metric,
  queries: readonly ArrayLike<number>[],
  k: number,
  options: ExactScanOptions,
): ExactScan {
  checkK(k);
  const kernel = options.kernel ?? kernelFor(metric);
  const own = ranksLike(kernel, metric);
  const raw = queries.map((q) => checkVector(q, graph.dim, "l2", "query"));
  const rankQueries = own ? queries.map((q) => checkVector(q, graph.dim, metric, "query")) : raw;
  const target = new GraphScanTarget(graph, own ? null : kernel);
  const spec = { rankQueries, queries: raw, k, kernel, rescore: true, excludeIds: options.excludeIds };
  return new ExactScan(target, spec);
}

export class GraphScanTarget implements ScanTarget {
  readonly #graph: HnswGraph;
  readonly #rankKernel: DistanceKernel | null;

  constructor(graph: HnswGraph, rankKernel: DistanceKernel | null) {
    this.#graph = graph;
    this.#rankKernel = rankKernel;
  }

  get slotCount(): number {
    return this.#graph.nodeCount;
  }

  liveSlots(from: number, to: number, out: Uint32Array): number {
    const graph = this.#graph;
    let count = 0;
    for (let s = from; s < to; s++) if (graph.isLive(s)) out[count++] = s;
    return count;
  }

  rank(query: Float32Array, slots: Uint32Array, n: number, out: Float64Array): void {
    const kernel = this.#rankKernel;
    if (kernel === null) {
      const vectors = this.#graph.vectors;
      vectors.setQuery(query, 0);
      vectors.distances(QUERY, slots, 0, n, out);
      return;
    }
    for (let i = 0; i < n; i++) out[i] = this.score(kernel, query, slots[i]);
  }

  idAt(slot: number): string {
    return this.#graph.idAt(slot) as string;
  }

  slotOf(id: string): number | undefined {
    return this.#graph.slotOf(id);
  }

  score(kernel: DistanceKernel, query: Float32Array, slot: number): number {
    const vectors = this.#graph.vectors;
    return kernel(query, 0, vectors.chunk(slot), vectors.offset(slot), this.#graph.dim);
  }
}

/** The exact scan's view of the slab: every slot below the count is live, vectors at `slot * dim`. */
export class SlabScanTarget implements ScanTarget {
  readonly #dim: number;
  readonly #slab: () => Float32Array;
  readonly #idBySlot: readonly string[];
  readonly #slotById: ReadonlyMap<string, number>;
  readonly #rankKernel: DistanceKernel;

  constructor(
    dim: number,
    slab: () => Float32Array,
    idBySlot: readonly string[],
    slotById: ReadonlyMap<string, number>,
    rankKernel: DistanceKernel,
  ) {
    this.#dim = dim;
    this.#slab = slab;
    this.#idBySlot = idBySlot;
    this.#slotById = slotById;
    this.#rankKernel = rankKernel;
  }

  get slotCount(): number {
    return this.#idBySlot.length;
  }

  liveSlots(from: number, to: number, out: Uint32Array): number {
    for (let s = from; s < to; s++) out[s - from] = s;
    return to - from;
  }

  rank(query: Float32Array, slots: Uint32Array, n: number, out: Float64Array): void {
    const slab = this.#slab();
    const dim = this.#dim;
    const kernel = this.#rankKernel;
    for (let i = 0; i < n; i++) out[i] = kernel(query, 0, slab, slots[i] * dim, dim);
  }

  idAt(slot: number): string {
    return this.#idBySlot[slot];
  }

  slotOf(id: string): number | undefined {
    return this.#slotById.get(id);
  }

  score(kernel: DistanceKernel, query: Float32Array, slot: number): number {
    return kernel(query, 0, this.#slab(), slot * this.#dim, this.#dim);
  }
}
