/**
 * Cooperative exact k-NN over every live point of an index, for quality probes.
 *
 * Contract: `exactKnnScan` walks `index.ids()` once, lazily, reading each vector with `getVector` and
 * keeping, for every query, the `k` nearest ids under the given kernel (smaller is nearer). The walk
 * is cut into slices: a slice ends after `sliceMs` of wall time or `maxVectorsPerSlice` vectors,
 * whichever comes first, and the scan then awaits `yieldToLoop()` (setImmediate by default) so that
 * searches and ingest queued meanwhile run before the next slice. The scan never holds a copy of the
 * id set, so memory stays O(queries x k) however large the collection is.
 *
 * Concurrent writes: the service mutates the index between slices. A point deleted before the walk
 * reaches it is skipped (`getVector` is undefined); a point inserted meanwhile may or may not be seen,
 * depending on where the engine's iterator stands; an id seen twice is kept once. The answer is
 * therefore exact for a state that drifts during the scan by at most the writes of those seconds,
 * which is the precision a monitoring estimate needs. `ids()` must tolerate mutation between `next()`
 * calls, as a Map's key iterator does.
 */

import type { DistanceKernel } from "../index/distance.js";
import type { VectorIndex } from "../index/types.js";

/** One neighbour found by the scan, with its distance in the kernel's unit. */
export interface ScanNeighbor {
  id: string;
  distance: number;
}

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
 * The clock is read after about this many distance computations (vectors x queries): often enough that
 * a slice overruns its budget by a fraction of a millisecond, rarely enough that reading it is free.
 */
const DISTANCES_PER_CLOCK_CHECK = 512;

export const yieldWithSetImmediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The k nearest candidates seen so far. k is small (10 to 100) and most candidates fail the bound
 * check, so insertion into a sorted array beats a heap in practice and keeps the code obvious. An id
 * already present is ignored (an iterator may yield an id twice when the index changes under it).
 */
export class TopK {
  readonly #k: number;
  readonly #items: ScanNeighbor[] = [];

  constructor(k: number) {
    this.#k = k;
  }

  /** The distance a candidate must beat to enter (Infinity while not full). */
  get bound(): number {
    return this.#items.length < this.#k ? Infinity : this.#items[this.#items.length - 1].distance;
  }

  offer(id: string, distance: number): void {
    if (distance >= this.bound) return;
    const items = this.#items;
    if (items.some((n) => n.id === id)) return;
    let i = items.length;
    while (i > 0 && items[i - 1].distance > distance) i--;
    items.splice(i, 0, { id, distance });
    if (items.length > this.#k) items.pop();
  }

  toArray(): ScanNeighbor[] {
    return this.#items.slice();
  }
}

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
  const heaps = queries.map(() => new TopK(k));
  const clockEvery = Math.max(1, Math.ceil(DISTANCES_PER_CLOCK_CHECK / Math.max(1, queries.length)));
  const dim = index.dim;
  const iterator = index.ids();
  // One id of lookahead, so the scan knows it is finished without an empty trailing slice.
  let next = iterator.next();
  let scanned = 0;
  let slices = 0;
  while (!next.done) {
    if (budget.isAborted?.()) throw new ScanAbortedError();
    const sliceStart = performance.now();
    let inSlice = 0;
    for (; !next.done && inSlice < maxPerSlice; next = iterator.next()) {
      const id = next.value;
      const vector = index.getVector(id);
      if (vector === undefined) continue;
      scanned++;
      inSlice++;
      for (let q = 0; q < queries.length; q++) {
        if (queries[q].excludeId !== id) heaps[q].offer(id, kernel(queries[q].vector, 0, vector, 0, dim));
      }
      if (inSlice % clockEvery === 0 && performance.now() - sliceStart >= sliceMs) {
        next = iterator.next();
        break;
      }
    }
    slices++;
    if (!next.done) await yieldToLoop();
  }
  return { neighbors: heaps.map((h) => h.toArray()), scanned, slices };
}
