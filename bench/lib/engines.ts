/**
 * The engines under benchmark behind one small adapter, so the index and runbook benchmarks drive
 * vecstream's `HnswIndex`, hnswlib-node's `HierarchicalNSW` and the exact `BruteForceIndex` identically.
 *
 * Contract: labels are non-negative integers (row numbers); vecstream sees them as decimal string ids.
 * `search` returns labels nearest first. Queries are prepared once per dataset (hnswlib-node's binding
 * accepts only plain arrays, ours any ArrayLike), so converting inputs is never inside a timed loop;
 * inserts convert per call, which is part of what hnswlib-node costs a JavaScript caller, as parsing
 * vecstream's string ids back to numbers (a few nanoseconds per hit) is part of what ours costs.
 * Both HNSW engines get the same M, efConstruction and seed; hnswlib-node's `l2` is squared Euclidean,
 * which ranks exactly as Euclidean, and its `cosine` normalises like ours.
 */

import hnswlib from "hnswlib-node";

import { BruteForceIndex } from "../../src/index/brute-force-index.js";
import { checkGraph } from "../../src/index/graph-checker.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import type { Metric, VectorIndex } from "../../src/index/types.js";
import { hnswlibGraphHealth, hnswlibMemory } from "./hnswlib-layout.js";

export type EngineName = "vecstream" | "hnswlib-node" | "bruteforce";
export const ENGINE_NAMES: readonly EngineName[] = ["vecstream", "hnswlib-node", "bruteforce"];

export interface EngineParams {
  dim: number;
  metric: "l2" | "cosine";
  M: number;
  efConstruction: number;
  /** Points the engine should expect (hnswlib-node cannot grow without an explicit resize). */
  capacity: number;
  seed: number;
}

/** One query in every form an engine accepts, built outside the timed loops. */
export interface PreparedQuery {
  f32: Float32Array;
  array: number[];
}

export interface MemoryFigure {
  bytesPerVector: number;
  /** How the figure was obtained, printed next to it. */
  method: string;
}

export interface GraphHealth {
  unreachable: number;
  tombstones: number;
  /** How `unreachable` was measured. */
  method: string;
}

export interface BenchEngine {
  readonly name: EngineName;
  upsert(label: number, vector: Float32Array): void;
  delete(label: number): void;
  search(query: PreparedQuery, k: number, ef: number): number[];
  memory(liveCount: number): MemoryFigure;
  /** Live points no search can reach from the entry point, and deleted points still in the graph. */
  graphHealth(): GraphHealth;
}

export function prepareQueries(queries: Float32Array, dim: number): PreparedQuery[] {
  const out: PreparedQuery[] = [];
  for (let off = 0; off < queries.length; off += dim) {
    const f32 = queries.slice(off, off + dim);
    out.push({ f32, array: Array.from(f32) });
  }
  return out;
}

/** vecstream engines (HNSW or exact) share everything but construction. */
class VecstreamEngine implements BenchEngine {
  readonly #index: VectorIndex;

  constructor(
    readonly name: EngineName,
    index: VectorIndex,
  ) {
    this.#index = index;
  }

  upsert(label: number, vector: Float32Array): void {
    this.#index.upsert(String(label), vector);
  }

  delete(label: number): void {
    this.#index.delete(String(label));
  }

  search(query: PreparedQuery, k: number, ef: number): number[] {
    return this.#index.search(query.f32, k, { ef }).map((hit) => Number(hit.id));
  }

  memory(liveCount: number): MemoryFigure {
    return { bytesPerVector: this.#index.stats().memoryBytes / liveCount, method: "stats().memoryBytes / n" };
  }

  graphHealth(): GraphHealth {
    const tombstones = this.#index.stats().tombstones;
    if (!(this.#index instanceof HnswIndex))
      return { unreachable: 0, tombstones, method: "exact scan: no graph" };
    return {
      unreachable: checkGraph(this.#index).unreachable,
      tombstones,
      method: "checkGraph(index).unreachable (layer-0 BFS from the entry point through tombstones)",
    };
  }
}

/** hnswlib-node with hnswlib's own tombstones: `markDelete`, and re-insertion into a deleted slot. */
class HnswlibEngine implements BenchEngine {
  readonly name = "hnswlib-node";
  readonly #index: hnswlib.HierarchicalNSW;
  readonly #params: EngineParams;
  /** Labels that are mark-deleted now; re-inserting one must go through `replaceDeleted`. */
  readonly #deleted = new Set<number>();
  #ef = -1;

  constructor(params: EngineParams) {
    this.#params = params;
    this.#index = new hnswlib.HierarchicalNSW(params.metric, params.dim);
    // allowReplaceDeleted = true, so a deleted slot can be reused, as a streaming index must.
    this.#index.initIndex(params.capacity, params.M, params.efConstruction, params.seed, true);
  }

  upsert(label: number, vector: Float32Array): void {
    const array = Array.from(vector);
    if (this.#deleted.delete(label)) {
      // With allowReplaceDeleted, a plain addPoint of a deleted label throws; this reuses a vacant slot.
      this.#index.addPoint(array, label, true);
    } else {
      // A new label gets a fresh slot; a live label is updated in place (hnswlib's updatePoint).
      this.#index.addPoint(array, label);
    }
  }

  delete(label: number): void {
    this.#index.markDelete(label);
    this.#deleted.add(label);
  }

  search(query: PreparedQuery, k: number, ef: number): number[] {
    if (ef !== this.#ef) {
      this.#index.setEf(ef);
      this.#ef = ef;
    }
    return this.#index.searchKnn(query.array, k).neighbors;
  }

  memory(liveCount: number): MemoryFigure {
    return hnswlibMemory(this.#index, this.#params, liveCount);
  }

  graphHealth(): GraphHealth {
    return hnswlibGraphHealth(this.#index);
  }
}

export function createEngine(name: EngineName, params: EngineParams): BenchEngine {
  const metric: Metric = params.metric;
  switch (name) {
    case "vecstream": {
      const index = new HnswIndex({
        dim: params.dim,
        metric,
        M: params.M,
        efConstruction: params.efConstruction,
        seed: params.seed,
        initialCapacity: params.capacity,
      });
      return new VecstreamEngine(name, index);
    }
    case "hnswlib-node":
      return new HnswlibEngine(params);
    case "bruteforce":
      return new VecstreamEngine(
        name,
        new BruteForceIndex({ dim: params.dim, metric, initialCapacity: params.capacity }),
      );
  }
}
