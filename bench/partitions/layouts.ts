/**
 * The two ways a member can hold the partitions it owns, behind one search interface:
 * - per member: one `HnswIndex` over every point of every held partition (a revoke deletes the
 *   partition's points one by one, then consolidation repairs the graph);
 * - per partition: one `HnswIndex` per held partition (a revoke drops that graph); a query searches
 *   every held graph at the same ef and merges the top-k exactly (`mergeTopK`).
 *
 * Contract: point `row` has id `String(row)`; both layouts are built with the same parameters, the
 * service's (`HnswIndex` defaults for capacity, so growth costs what it costs in the service), and
 * points are inserted in row order, each into its partition's graph in the per-partition layout, as a
 * consumer applying the partitions' messages interleaved would. `search` returns hits nearest first.
 */

import type { Metric, SearchHit } from "../../src/index/index.js";
import { HnswIndex } from "../../src/index/index.js";
import { secondsSince } from "../lib/measure.js";
import { mergeTopK } from "./merge.js";

export type LayoutName = "per_member" | "per_partition";

/** HNSW parameters of both layouts, those of `bench:index`. */
export const LAYOUT_HNSW = { M: 16, efConstruction: 200, seed: 42 } as const;

export interface LayoutData {
  dim: number;
  metric: Metric;
  n: number;
  base: Float32Array;
}

export interface Layout {
  readonly name: LayoutName;
  search(query: Float32Array, k: number, ef: number): SearchHit[];
  /** Sum of the graphs' `stats().memoryBytes`. */
  memoryBytes(): number;
  /** Live points over all graphs. */
  readonly size: number;
}

export function newGraph(data: LayoutData): HnswIndex {
  return new HnswIndex({ dim: data.dim, metric: data.metric, ...LAYOUT_HNSW });
}

export function row(data: LayoutData, r: number): Float32Array {
  return data.base.subarray(r * data.dim, (r + 1) * data.dim);
}

export class PerMemberLayout implements Layout {
  readonly name = "per_member";

  constructor(readonly graph: HnswIndex) {}

  search(query: Float32Array, k: number, ef: number): SearchHit[] {
    return this.graph.search(query, k, { ef });
  }

  memoryBytes(): number {
    return this.graph.stats().memoryBytes;
  }

  get size(): number {
    return this.graph.size;
  }
}

export class PerPartitionLayout implements Layout {
  readonly name = "per_partition";
  /** The graph of each partition, null once the partition is dropped. */
  readonly graphs: (HnswIndex | null)[];

  constructor(graphs: HnswIndex[]) {
    this.graphs = graphs;
  }

  search(query: Float32Array, k: number, ef: number): SearchHit[] {
    const lists: SearchHit[][] = [];
    for (const graph of this.graphs) if (graph !== null) lists.push(graph.search(query, k, { ef }));
    return mergeTopK(lists, k);
  }

  memoryBytes(): number {
    return this.graphs.reduce((sum, g) => sum + (g === null ? 0 : g.stats().memoryBytes), 0);
  }

  get size(): number {
    return this.graphs.reduce((sum, g) => sum + (g === null ? 0 : g.size), 0);
  }

  /** Revoke: forget the partition's graph (its memory goes with the next GC). */
  drop(partition: number): void {
    this.graphs[partition] = null;
  }

  /** Restore: adopt a graph for the partition. */
  adopt(partition: number, graph: HnswIndex): void {
    this.graphs[partition] = graph;
  }
}

export function buildPerMember(data: LayoutData): { layout: PerMemberLayout; seconds: number } {
  const graph = newGraph(data);
  const started = process.hrtime.bigint();
  for (let r = 0; r < data.n; r++) graph.upsert(String(r), row(data, r));
  return { layout: new PerMemberLayout(graph), seconds: secondsSince(started) };
}

export function buildPerPartition(
  data: LayoutData,
  partitionOf: Uint8Array,
  partitions: number,
): { layout: PerPartitionLayout; seconds: number } {
  const graphs = Array.from({ length: partitions }, () => newGraph(data));
  const started = process.hrtime.bigint();
  for (let r = 0; r < data.n; r++) graphs[partitionOf[r]].upsert(String(r), row(data, r));
  return { layout: new PerPartitionLayout(graphs), seconds: secondsSince(started) };
}

/** Hits as row numbers, the form `recallAtK` scores. */
export function hitRows(hits: readonly SearchHit[]): number[] {
  return hits.map((hit) => Number(hit.id));
}
