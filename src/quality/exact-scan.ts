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
 *
 * Fast path: an engine that offers `exactScanner` (`HnswIndex`) is scanned by slot range instead,
 * with its own batch kernels on vectors in place (WASM SIMD), no `getVector` copy per point. That needs
 * the engine's distance to rank like `kernel`: it does when `kernel` is the metric's own, and for
 * `l2Squared` under `cosine` (for a fixed query q and unit v, |q - v|^2 = |q|^2 + 1 - 2 q.v is
 * increasing in 1 - q.v). The k survivors of each query are then rescored with `kernel` itself, so
 * reported distances are exactly those of the generic walk; only near-ties at the k-th place can rank
 * differently, by float rounding. Slot ranges are sized so the clock is read every few thousand
 * distances, which keeps a slice within a fraction of a millisecond of `sliceMs`.
 */

import type { DistanceKernel } from "../index/distance.js";
import { cosineDistance, kernelFor, l2Squared } from "../index/distance.js";
import type { ExactScanSource, VectorIndex } from "../index/types.js";

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
/** The same for the fast path, whose batch kernels cost a fraction of a JS distance each. */
const KERNEL_DISTANCES_PER_CLOCK_CHECK = 2048;

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
  if (canScanSlots(index, kernel)) return slotScan(index, queries, k, kernel, budget);
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

/** True when `index` offers slot scanners whose distances rank like `kernel` (see the module doc). */
function canScanSlots(index: VectorIndex, kernel: DistanceKernel): index is VectorIndex & ExactScanSource {
  const source = index as Partial<ExactScanSource>;
  if (typeof source.exactScanner !== "function" || typeof source.slotCount !== "number") return false;
  return (
    kernel === kernelFor(index.metric) || (kernel === l2Squared && kernelFor(index.metric) === cosineDistance)
  );
}

/** The fast path: slot ranges through the engine's scanner, then the survivors rescored with `kernel`. */
async function slotScan(
  index: VectorIndex & ExactScanSource,
  queries: readonly ScanQuery[],
  k: number,
  kernel: DistanceKernel,
  budget: ScanBudget,
): Promise<ScanResult> {
  const sliceMs = budget.sliceMs ?? DEFAULT_SLICE_MS;
  const maxPerSlice = budget.maxVectorsPerSlice ?? DEFAULT_MAX_VECTORS_PER_SLICE;
  const yieldToLoop = budget.yieldToLoop ?? yieldWithSetImmediate;
  const scanner = index.exactScanner(queries.map((q) => q.vector));
  const heaps = queries.map(() => new TopK(k));
  const visit = (q: number, id: string, distance: number): void => {
    if (distance < heaps[q].bound && queries[q].excludeId !== id) heaps[q].offer(id, distance);
  };
  const step = Math.max(16, Math.ceil(KERNEL_DISTANCES_PER_CLOCK_CHECK / Math.max(1, queries.length)));
  let slot = 0;
  let scanned = 0;
  let slices = 0;
  while (slot < index.slotCount) {
    if (budget.isAborted?.()) throw new ScanAbortedError();
    const sliceStart = performance.now();
    let inSlice = 0;
    while (slot < index.slotCount && inSlice < maxPerSlice) {
      const to = slot + Math.min(step, maxPerSlice - inSlice);
      const live = scanner.scan(slot, to, visit);
      slot = to;
      inSlice += live;
      scanned += live;
      if (performance.now() - sliceStart >= sliceMs) break;
    }
    slices++;
    if (slot < index.slotCount) await yieldToLoop();
  }
  return { neighbors: heaps.map((h, q) => rescore(index, queries[q], h, kernel)), scanned, slices };
}

/** A query's survivors with distances recomputed by `kernel`, nearest first; points deleted meanwhile are dropped. */
function rescore(index: VectorIndex, query: ScanQuery, heap: TopK, kernel: DistanceKernel): ScanNeighbor[] {
  const rescored: ScanNeighbor[] = [];
  for (const { id } of heap.toArray()) {
    const vector = index.getVector(id);
    if (vector !== undefined) rescored.push({ id, distance: kernel(query.vector, 0, vector, 0, index.dim) });
  }
  return rescored.sort((a, b) => a.distance - b.distance);
}
