/**
 * Where quality probes get their sample queries: recent search vectors, or live points of the index.
 *
 * Contract: `QueryRing` keeps copies of the last `capacity` query vectors a collection served (O(1)
 * per record, so feeding it from the search path costs a copy of one vector). `sampleLivePoints`
 * draws a uniform sample of live ids by reservoir sampling (Vitter's Algorithm R) over one lazy walk
 * of `ids()`, cut into slices like the exact scan, so it never materialises the id set; on an engine
 * that can name the id in a slot (`SlotSource.idAtSlot`, HnswIndex) it draws random slots instead
 * and keeps the live ones, O(n) rather than O(size), as long as live slots are plentiful (see
 * `sampleBySlot`).
 * `pickProbeQueries` prefers recent searches (they are what users actually ask) and tops up with
 * live points when too few searches were seen; a live-point query carries its own id as `excludeId`,
 * so that neither the index's answer nor the exact answer counts the point as its own neighbour.
 * All randomness comes from a caller-provided seeded source.
 */

import type { SeededRandom, SlotSource, VectorIndex } from "../index/index.js";
import type { ScanBudget, ScanQuery } from "./exact-scan.js";
import {
  DEFAULT_MAX_VECTORS_PER_SLICE,
  DEFAULT_SLICE_MS,
  ScanAbortedError,
  yieldWithSetImmediate,
} from "./exact-scan.js";

/** A fixed-size ring of the most recent query vectors of one collection. */
export class QueryRing {
  readonly capacity: number;
  readonly #slots: Float32Array[] = [];
  #next = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`QueryRing capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Stores a copy (the caller's array may be reused or mutated after the search returns). */
  record(vector: ArrayLike<number>): void {
    const copy = Float32Array.from(vector);
    if (this.#slots.length < this.capacity) this.#slots.push(copy);
    else this.#slots[this.#next] = copy;
    this.#next = (this.#next + 1) % this.capacity;
  }

  get size(): number {
    return this.#slots.length;
  }

  /** Up to `n` distinct stored vectors chosen uniformly at random. */
  sample(n: number, random: SeededRandom): Float32Array[] {
    return choose(this.#slots, n, random);
  }
}

/** `n` distinct elements of `items` chosen uniformly (a partial Fisher-Yates shuffle on a copy). */
function choose<T>(items: readonly T[], n: number, random: SeededRandom): T[] {
  const pool = items.slice();
  const take = Math.min(n, pool.length);
  for (let i = 0; i < take; i++) {
    const j = i + random.nextInt(pool.length - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, take);
}

/** Up to `n` live ids drawn uniformly at random, without replacement, in cooperative slices. */
export async function sampleLivePoints(
  index: VectorIndex,
  n: number,
  random: SeededRandom,
  budget: ScanBudget = {},
): Promise<string[]> {
  const reservoir: string[] = [];
  if (n <= 0) return reservoir;
  const bySlot = sampleBySlot(index, n, random);
  if (bySlot !== undefined) return bySlot;
  const sliceMs = budget.sliceMs ?? DEFAULT_SLICE_MS;
  // Walking ids costs far less than a distance, so slices here are counted in ids, 16 times larger.
  const perSlice = (budget.maxVectorsPerSlice ?? DEFAULT_MAX_VECTORS_PER_SLICE) * 16;
  const yieldToLoop = budget.yieldToLoop ?? yieldWithSetImmediate;
  const iterator = index.ids();
  let seen = 0;
  for (;;) {
    if (budget.isAborted?.()) throw new ScanAbortedError();
    const sliceStart = performance.now();
    for (let i = 1; i <= perSlice; i++) {
      const next = iterator.next();
      if (next.done) return reservoir;
      seen++;
      if (reservoir.length < n) reservoir.push(next.value);
      else {
        const j = random.nextInt(seen);
        if (j < n) reservoir[j] = next.value;
      }
      if (i % 256 === 0 && performance.now() - sliceStart >= sliceMs) break;
    }
    await yieldToLoop();
  }
}

/** Draws per wanted id before `sampleBySlot` gives up (the walk then samples instead). */
const SLOT_DRAWS_PER_SAMPLE = 16;

/**
 * Up to `n` live ids by rejection sampling of slots, or undefined when the engine cannot name slots or
 * the draws would be wasteful. Each draw is uniform over slots, so a draw that lands on a live slot not
 * yet chosen is uniform over the live ids not yet chosen: the result is a uniform sample without
 * replacement, like the reservoir's. Used only when at least half the slots are live and `n` is at most
 * a quarter of the live points, so the expected draws stay below 2.7 per id; synchronous, since 100
 * draws cost microseconds.
 */
function sampleBySlot(index: VectorIndex, n: number, random: SeededRandom): string[] | undefined {
  const source = index as Partial<SlotSource>;
  if (typeof source.idAtSlot !== "function" || typeof source.slotCount !== "number") return undefined;
  const slotCount = source.slotCount;
  if (index.size * 2 < slotCount || n * 4 > index.size) return undefined;
  const chosen = new Set<string>();
  for (let draws = 0; chosen.size < n; draws++) {
    if (draws >= SLOT_DRAWS_PER_SAMPLE * n) return undefined;
    const id = source.idAtSlot(random.nextInt(slotCount));
    if (id !== undefined) chosen.add(id);
  }
  return [...chosen];
}

/**
 * `n` probe queries: recent searches first (chosen at random from the ring), then live points. Live
 * ids whose vector vanished before it was read (deleted meanwhile) are dropped, so the result may be
 * shorter than `n` on a collection that is being emptied.
 */
export async function pickProbeQueries(
  index: VectorIndex,
  ring: QueryRing | undefined,
  n: number,
  random: SeededRandom,
  budget: ScanBudget = {},
): Promise<ScanQuery[]> {
  const queries: ScanQuery[] = (ring?.sample(n, random) ?? [])
    .filter((v) => v.length === index.dim)
    .map((vector) => ({ vector }));
  if (queries.length >= n) return queries;
  for (const id of await sampleLivePoints(index, n - queries.length, random, budget)) {
    const vector = index.getVector(id);
    if (vector !== undefined) queries.push({ vector: Float32Array.from(vector), excludeId: id });
  }
  return queries;
}
