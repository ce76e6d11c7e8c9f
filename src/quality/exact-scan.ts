/**
 * Cooperative exact k-NN over every live point of an index, for quality probes: the engine's one exact
 * scan (`VectorIndex.exactScanner`) cut into slices that share the event loop.
 *
 * Contract: `exactKnnScan` asks the index for a scanner of the queries and walks its slot ranges
 * once. A slice ends after `sliceMs` of wall time or `maxVectorsPerSlice` live vectors, whichever comes
 * first, and the scan then awaits `yieldToLoop()` (setImmediate by default) so that searches and ingest
 * queued meanwhile run before the next slice. The engine compares vectors in place with its own batch
 * kernels where they rank like `kernel` and rescores each query's k survivors with `kernel`, so
 * reported distances are exactly `kernel`'s; memory stays O(queries x k) however large the collection.
 *
 * Concurrent writes: the service mutates the index between slices. A point deleted before the scan
 * reaches it is not seen, and one deleted after is dropped at the end; a point inserted meanwhile may
 * or may not be seen, depending on the slot it lands in; an id seen twice is kept once. The answer is
 * therefore exact for a state that drifts during the scan by at most the writes of those seconds,
 * which is the precision a monitoring estimate needs. Slot ranges are sized so the clock is read every
 * few thousand distances, which keeps a slice within a fraction of a millisecond of `sliceMs`.
 */

import type { DistanceKernel, ScanNeighbor, VectorIndex } from "../index/index.js";

export type { ScanNeighbor } from "../index/index.js";

/** A query of the scan: its vector, and optionally an id that must not be returned (the query point itself). */
export interface ScanQuery {
  vector: Float32Array;
  excludeId?: string;
}

/** How much of the event loop a scan may take at once. */
export interface ScanBudget {
  /** Wall time of one slice before the scan yields (default 2 ms). */
  sliceMs?: number;
  /** Vectors read in one slice before the scan yields, whatever the clock says (default 4096). */
  maxVectorsPerSlice?: number;
  /** Called between slices; the default yields to the event loop with setImmediate. */
  yieldToLoop?: () => Promise<void>;
  /** Checked between slices: when it returns true the scan stops and rejects with `ScanAbortedError`. */
  isAborted?: () => boolean;
}

export interface ScanResult {
  /** Per query, its nearest ids, nearest first (fewer than k when fewer points are live). */
  neighbors: ScanNeighbor[][];
  /** Distinct live vectors compared with the queries. */
  scanned: number;
  /** Slices the scan was cut into (each followed by a yield to the event loop). */
  slices: number;
}

/** Thrown when `isAborted()` turned true between slices (the prober is stopping). */
export class ScanAbortedError extends Error {
  readonly code = "SCAN_ABORTED";
  readonly retriable = true;

  constructor() {
    super("exact scan aborted");
    this.name = "ScanAbortedError";
  }
}

export const DEFAULT_SLICE_MS = 2;
export const DEFAULT_MAX_VECTORS_PER_SLICE = 4096;
/**
 * The clock is read after about this many distance computations (vectors x queries), done by the
 * engine's batch kernels: often enough that a slice overruns its budget by a fraction of a millisecond,
 * rarely enough that reading it is free.
 */
const DISTANCES_PER_CLOCK_CHECK = 2048;

export const yieldWithSetImmediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Exact k nearest live points of every query under `kernel`, scanned in cooperative slices. */
export async function exactKnnScan(
  index: VectorIndex,
  queries: readonly ScanQuery[],
  k: number,
  kernel: DistanceKernel,
  budget: ScanBudget = {},
): Promise<ScanResult> {
  const sliceMs = budget.sliceMs ?? DEFAULT_SLICE_MS;
  const maxPerSlice = budget.maxVectorsPerSlice ?? DEFAULT_MAX_VECTORS_PER_SLICE;
  const yieldToLoop = budget.yieldToLoop ?? yieldWithSetImmediate;
  const scanner = index.exactScanner(
    queries.map((q) => q.vector),
    k,
    { kernel, excludeIds: queries.map((q) => q.excludeId) },
  );
  const step = Math.max(16, Math.ceil(DISTANCES_PER_CLOCK_CHECK / Math.max(1, queries.length)));
  let slot = 0;
  let scanned = 0;
  let slices = 0;
  while (slot < scanner.slotCount) {
    if (budget.isAborted?.()) throw new ScanAbortedError();
    const sliceStart = performance.now();
    let inSlice = 0;
    while (slot < scanner.slotCount && inSlice < maxPerSlice) {
      const to = slot + Math.min(step, maxPerSlice - inSlice);
      const live = scanner.scan(slot, to);
      slot = to;
      inSlice += live;
      scanned += live;
      if (performance.now() - sliceStart >= sliceMs) break;
    }
    slices++;
    if (slot < scanner.slotCount) await yieldToLoop();
  }
  return { neighbors: queries.map((_, q) => scanner.neighbors(q)), scanned, slices };
}
