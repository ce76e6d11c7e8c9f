/**
 * The one exact k-NN scan of the engine: `BruteForceIndex.search`, both engines' `exactScanner` (the
 * quality probes' ground truth) and nothing else compare queries with every live point.
 *
 * Contract: an `ExactScan` holds one `TopK` per query; `scan(from, to)` compares every query with the
 * live slots of `[from, min(to, slotCount))`, a block of slots at a time through the engine's batch
 * kernels (`ScanTarget.rank`), and offers each pair whose distance would enter. A slot range is the
 * unit of work so that a caller sharing the event loop can scan a few hundred slots, look at the
 * clock, and yield; the engine may change between calls only as any concurrent write would (a slot
 * freed and reused meanwhile is seen with its new point, or not at all; an id seen in two slots is
 * kept once). `neighbors(q)` returns query q's k nearest, nearest first with ties by id: with
 * `rescore`, each survivor is looked up by id (dropped if deleted since) and its distance recomputed
 * as `kernel(query, stored vector)` in place, so reported distances are exactly `kernel`'s whatever
 * kernel ranked them. A scan never mutates the engine and allocates only when a candidate is admitted.
 */

import type { DistanceKernel } from "./distance.js";
import { TopK } from "./top-k.js";
import type { ExactScanner, ScanNeighbor } from "./types.js";

/** What an engine's storage offers the scan. */
export interface ScanTarget {
  /** One past the highest slot in use. */
  readonly slotCount: number;
  /** Writes the live slots of `[from, to)` into `out`, ascending; returns how many. */
  liveSlots(from: number, to: number, out: Uint32Array): number;
  /** `out[i]` = ranking distance from `query` to slot `slots[i]`, for `i < n`. */
  rank(query: Float32Array, slots: Uint32Array, n: number, out: Float64Array): void;
  idAt(slot: number): string;
  /** The live slot holding `id` now, if any. */
  slotOf(id: string): number | undefined;
  /** `kernel(query, stored vector of slot)`, read in place. */
  score(kernel: DistanceKernel, query: Float32Array, slot: number): number;
}

export interface ExactScanSpec {
  /** Per query, the vector `rank` compares (normalised under cosine when the engine's kernel ranks). */
  rankQueries: readonly Float32Array[];
  /** Per query, the vector survivors are rescored with (the caller's own values). */
  queries: readonly Float32Array[];
  k: number;
  /** The kernel of the reported distances; with `rescore` false, `rank` must compute exactly it. */
  kernel: DistanceKernel;
  rescore: boolean;
  excludeIds?: readonly (string | undefined)[];
  filter?: (id: string) => boolean;
}

/** Slots compared per batch-kernel call (the WASM store splits longer lists anyway). */
const BLOCK_SLOTS = 256;

export class ExactScan implements ExactScanner {
  readonly #target: ScanTarget;
  readonly #spec: ExactScanSpec;
  readonly #tops: TopK<string>[];
  readonly #slots = new Uint32Array(BLOCK_SLOTS);
  readonly #dists = new Float64Array(BLOCK_SLOTS);

  constructor(target: ScanTarget, spec: ExactScanSpec) {
    this.#target = target;
    this.#spec = spec;
    this.#tops = spec.rankQueries.map(() => new TopK<string>(spec.k));
  }

  get queryCount(): number {
    return this.#tops.length;
  }

  get slotCount(): number {
    return this.#target.slotCount;
  }

  scan(from: number, to: number): number {
    const target = this.#target;
    const end = Math.min(to, target.slotCount);
    let compared = 0;
    for (let block = Math.max(0, from); block < end; block += BLOCK_SLOTS) {
      const n = target.liveSlots(block, Math.min(end, block + BLOCK_SLOTS), this.#slots);
      compared += n;
      for (let q = 0; n > 0 && q < this.#tops.length; q++) {
        target.rank(this.#spec.rankQueries[q], this.#slots, n, this.#dists);
        this.#offerBlock(q, n);
      }
    }
    return compared;
  }

  /** Offers query `q` the `n` ranked slots of the block; ids are looked up only for those that enter. */
  #offerBlock(q: number, n: number): void {
    const top = this.#tops[q];
    const { excludeIds, filter } = this.#spec;
    const exclude = excludeIds?.[q];
    const slots = this.#slots;
    const dists = this.#dists;
    let bound = top.bound;
    for (let i = 0; i < n; i++) {
      const d = dists[i];
      if (d > bound) continue;
      const id = this.#target.idAt(slots[i]);
      if (id === exclude || !top.admits(d, id)) continue;
      // The filter runs only on candidates that would enter the top k, so an expensive one stays cheap.
      if (filter !== undefined && !filter(id)) continue;
      if (top.offer(d, id)) bound = top.bound;
    }
  }

  neighbors(query: number): ScanNeighbor[] {
    const found = this.#tops[query].sorted();
    const { kernel, rescore, queries } = this.#spec;
    if (!rescore) return found;
    const rescored: ScanNeighbor[] = [];
    for (const { id } of found) {
      const slot = this.#target.slotOf(id);
      if (slot !== undefined)
        rescored.push({ id, distance: this.#target.score(kernel, queries[query], slot) });
    }
    return rescored.sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
