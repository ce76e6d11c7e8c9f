/**
 * Revoke and restore of one partition in each layout, timed through the engine's public API.
 *
 * Contract:
 * - `revokeFromMember` deletes every point of the partition from the member's graph (tombstones: the
 *   points leave results as each delete returns, so `gone_ms` is the delete loop, including the
 *   consolidation steps the deletes trigger), then runs `consolidateDeletes()`, which repairs around every
 *   tombstone and frees its slot (`repair_ms`; `tombstones_after` checks that none is left), after which the slots are free for reuse.
 * - `dropPartition` forgets the partition's graph: gone at once, memory returned at the next GC.
 * - Memory is the engine's accounting (`stats().memoryBytes`) before and after, plus the change of
 *   the process's RSS and `external` memory across the revoke once garbage is collected
 *   (`process_memory_delta_bytes`, null without `--expose-gc`), which shows whether the bytes really
 *   left the process.
 * - Snapshots are taken before the revoke and held in memory as the engine's serialized chunks (no
 *   disk I/O is timed): the member layout's is the partition's (id, vector) list as a serialized
 *   `BruteForceIndex`; the partition layout's is its graph. Restoring reads them back with
 *   `deserializeIndex`; the member layout then inserts each point into its graph.
 */

import {
  BruteForceIndex,
  HnswIndex,
  checkGraph,
  deserializeIndex,
  serializeIndex,
} from "../../src/index/index.js";
import { collectGarbage, secondsSince } from "../lib/measure.js";
import type { LayoutData, PerMemberLayout, PerPartitionLayout } from "./layouts.js";
import { row } from "./layouts.js";

export interface RevokeFigures {
  points: number;
  gone_ms: number;
  repair_ms: number;
  total_ms: number;
  tombstones_after: number;
  unreachable_after: number | null;
  memory_bytes_before: number;
  memory_bytes_after: number;
  /** Change of process memory across the revoke, after settling (null without `--expose-gc`). */
  process_memory_delta_bytes: ProcessMemory | null;
}

export interface PartitionSnapshot {
  kind: "point list (BruteForceIndex)" | "HNSW graph";
  chunks: Uint8Array[];
  bytes: number;
  points: number;
}

export interface RestoreFigures {
  source: PartitionSnapshot["kind"];
  points: number;
  snapshot_bytes: number;
  seconds: number;
  s_per_100k: number;
  memory_bytes_after: number;
}

/** Process memory the revoke should give back: RSS, and `external` (WebAssembly memories and buffers). */
export interface ProcessMemory {
  rss: number;
  external: number;
}

const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

/**
 * Process memory after garbage is gone, or null without `--expose-gc`. A WebAssembly memory's
 * backing store is released only after a later GC than the one that collects its wrapper (measured:
 * a dropped 60k-point graph's 37 MB of `external` left the process on the second GC, a second
 * later), so this collects three times, half a second apart.
 */
async function settledMemory(): Promise<ProcessMemory | null> {
  for (let i = 0; i < 3; i++) {
    if (!collectGarbage()) return null;
    if (i < 2) await sleep(500);
  }
  const { rss, external } = process.memoryUsage();
  return { rss, external };
}

function memoryDelta(before: ProcessMemory | null, after: ProcessMemory | null): ProcessMemory | null {
  return before === null || after === null
    ? null
    : { rss: after.rss - before.rss, external: after.external - before.external };
}

const ms = (started: bigint): number => secondsSince(started) * 1000;

/**
 * How the member's graph takes a partition's deletes: `one_by_one` as the service applies deletes
 * today (each delete may advance the consolidation pass the deletes start, and a new pass starts
 * whenever tombstones reach the ratio again); `bulk` through `HnswIndex.deleteMany`, which starts no
 * pass during the deletes, so none starts until the one `consolidateDeletes()` after them.
 */
export type RevokeMode = "one_by_one" | "bulk";

function deleteRows(graph: HnswIndex, rows: readonly number[], mode: RevokeMode): void {
  if (mode === "bulk") graph.deleteMany(rows.map(String));
  else for (const r of rows) graph.delete(String(r));
}

export async function revokeFromMember(
  layout: PerMemberLayout,
  rows: readonly number[],
  mode: RevokeMode,
): Promise<RevokeFigures> {
  const { graph } = layout;
  const memoryBefore = layout.memoryBytes();
  const processBefore = await settledMemory();
  const started = process.hrtime.bigint();
  deleteRows(graph, rows, mode);
  const goneMs = ms(started);
  const repairStarted = process.hrtime.bigint();
  // Finishes a pass the deletes started, then one pass over the tombstones it did not cover.
  graph.consolidateDeletes();
  const repairMs = ms(repairStarted);
  return {
    points: rows.length,
    gone_ms: goneMs,
    repair_ms: repairMs,
    total_ms: goneMs + repairMs,
    tombstones_after: graph.stats().tombstones,
    unreachable_after: checkGraph(graph).unreachable,
    memory_bytes_before: memoryBefore,
    memory_bytes_after: layout.memoryBytes(),
    process_memory_delta_bytes: memoryDelta(processBefore, await settledMemory()),
  };
}

export async function dropPartition(layout: PerPartitionLayout, partition: number): Promise<RevokeFigures> {
  const points = layout.graphs[partition]?.size ?? 0;
  const memoryBefore = layout.memoryBytes();
  const processBefore = await settledMemory();
  const started = process.hrtime.bigint();
  layout.drop(partition);
  const goneMs = ms(started);
  return {
    points,
    gone_ms: goneMs,
    repair_ms: 0,
    total_ms: goneMs,
    tombstones_after: 0,
    unreachable_after: null,
    memory_bytes_before: memoryBefore,
    memory_bytes_after: layout.memoryBytes(),
    process_memory_delta_bytes: memoryDelta(processBefore, await settledMemory()),
  };
}

function snapshotOf(kind: PartitionSnapshot["kind"], index: HnswIndex | BruteForceIndex): PartitionSnapshot {
  const chunks = [...serializeIndex(index)];
  const bytes = chunks.reduce((sum, c) => sum + c.byteLength, 0);
  return { kind, chunks, bytes, points: index.size };
}

/** The partition's points as the engine's serialized (id, vector) list. */
export function snapshotPointList(data: LayoutData, rows: readonly number[]): PartitionSnapshot {
  const list = new BruteForceIndex({ dim: data.dim, metric: data.metric, initialCapacity: rows.length });
  for (const r of rows) list.upsert(String(r), row(data, r));
  return snapshotOf("point list (BruteForceIndex)", list);
}

export function snapshotGraph(graph: HnswIndex): PartitionSnapshot {
  return snapshotOf("HNSW graph", graph);
}

function restoreFigures(snapshot: PartitionSnapshot, seconds: number, memoryAfter: number): RestoreFigures {
  return {
    source: snapshot.kind,
    points: snapshot.points,
    snapshot_bytes: snapshot.bytes,
    seconds,
    s_per_100k: (seconds / snapshot.points) * 100_000,
    memory_bytes_after: memoryAfter,
  };
}

export async function restoreIntoMember(
  layout: PerMemberLayout,
  snapshot: PartitionSnapshot,
): Promise<RestoreFigures> {
  const started = process.hrtime.bigint();
  const list = await deserializeIndex(snapshot.chunks);
  for (const id of list.ids()) layout.graph.upsert(id, list.getVector(id) as Float32Array);
  return restoreFigures(snapshot, secondsSince(started), layout.memoryBytes());
}

export async function restorePartition(
  layout: PerPartitionLayout,
  partition: number,
  snapshot: PartitionSnapshot,
): Promise<RestoreFigures> {
  const started = process.hrtime.bigint();
  const graph = await deserializeIndex(snapshot.chunks);
  if (!(graph instanceof HnswIndex)) throw new Error("a partition snapshot must hold an HNSW graph");
  layout.adopt(partition, graph);
  return restoreFigures(snapshot, secondsSince(started), layout.memoryBytes());
}
