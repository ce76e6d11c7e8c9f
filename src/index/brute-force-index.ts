/**
 * Exact k-NN over a flat slab: the reference engine for ground truth, live recall probes and tests.
 *
 * Contract: implements `VectorIndex` with exact results. Vectors live back to back in one Float32Array
 * (slot `s` at `s * dim`); a delete moves the last slot into the hole (swap-remove), so the slab stays
 * dense and a scan touches only live points. A search is the engine's one exact scan (exact-scan.ts)
 * over the slab with the metric's JS kernel: it allocates its query copy and a k-sized selection once,
 * never per candidate. Equal distances are ordered by id, so results are deterministic.
 */

import { kernelFor, reportedDistance } from "./distance.js";
import type { DistanceKernel } from "./distance.js";
import { IndexError } from "./errors.js";
import type { ExactScanSpec } from "./exact-scan.js";
import { ExactScan } from "./exact-scan.js";
import { SlabScanTarget } from "./exact-scan-targets.js";
import type {
  ExactScanOptions,
  ExactScanner,
  IndexStats,
  Metric,
  SearchHit,
  SearchOptions,
  VectorIndex,
} from "./types.js";
import { METRICS } from "./types.js";
import { checkEf, checkId, checkK, checkVector } from "./validation.js";

export interface BruteForceParams {
  dim: number;
  metric: Metric;
  /** Slots reserved up front; the slab doubles when full. */
  initialCapacity?: number;
}

/** The raw state of a `BruteForceIndex`, for serialization: slot `s` holds `ids[s]` at `vectors[s*dim]`. */
export interface BruteForceInternals {
  ids: readonly string[];
  /** Exactly `ids.length * dim` floats, already normalised under `cosine`. */
  vectors: Float32Array;
}

const MAX_DIM = 65_536;
const DEFAULT_CAPACITY = 1024;
/** Rough per-entry cost of a Map entry plus an array slot, beyond the id's UTF-16 characters. */
const ID_OVERHEAD_BYTES = 64;

export class BruteForceIndex implements VectorIndex {
  readonly dim: number;
  readonly metric: Metric;
  readonly #kernel: DistanceKernel;
  #slab: Float32Array;
  /** slot -> id; its length is the number of live points. */
  readonly #idBySlot: string[] = [];
  readonly #slotById = new Map<string, number>();
  #idChars = 0;
  /** Set while a search runs, so a filter that writes back into the index fails loudly. */
  #searching = false;

  constructor(params: BruteForceParams) {
    const { dim, metric } = params;
    if (!Number.isInteger(dim) || dim < 1 || dim > MAX_DIM) {
      throw new IndexError("INVALID_PARAMETER", `dim must be an integer from 1 to ${MAX_DIM}`, { dim });
    }
    if (!METRICS.includes(metric)) {
      throw new IndexError("INVALID_PARAMETER", `metric must be one of ${METRICS.join(", ")}`, { metric });
    }
    const capacity = params.initialCapacity ?? DEFAULT_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new IndexError("INVALID_PARAMETER", "initialCapacity must be a non-negative integer", {
        initialCapacity: capacity,
      });
    }
    this.dim = dim;
    this.metric = metric;
    this.#kernel = kernelFor(metric);
    this.#slab = new Float32Array(Math.max(1, capacity) * dim);
  }

  /**
   * Rebuilds an index from `internals()`-shaped data, taking ownership of `vectors` (it becomes the
   * slab, so the caller must not touch it afterwards). Vectors are kept bit for bit, not normalised
   * again, which could move a cosine vector by an ulp and change results; ids and values are checked.
   */
  static fromInternals(params: BruteForceParams, internals: BruteForceInternals): BruteForceIndex {
    const { ids, vectors } = internals;
    const index = new BruteForceIndex({ ...params, initialCapacity: 0 });
    if (!(vectors instanceof Float32Array) || vectors.length !== ids.length * index.dim) {
      throw new IndexError(
        "CORRUPT_INDEX",
        `expected ${ids.length * index.dim} floats for ${ids.length} points`,
        {
          received: vectors?.length,
        },
      );
    }
    const bad = firstNonFinite(vectors);
    if (bad >= 0) {
      throw new IndexError("CORRUPT_INDEX", `vector value ${bad} is ${vectors[bad]}`, { index: bad });
    }
    for (let s = 0; s < ids.length; s++) {
      const id = checkId(ids[s]);
      if (index.#slotById.has(id)) {
        throw new IndexError("CORRUPT_INDEX", `id ${JSON.stringify(id)} appears twice`, { slot: s });
      }
      index.#slotById.set(id, s);
      index.#idBySlot.push(id);
      index.#idChars += id.length;
    }
    if (vectors.length > 0) index.#slab = vectors;
    return index;
  }

  get size(): number {
    return this.#idBySlot.length;
  }

  upsert(id: string, vector: ArrayLike<number>): void {
    checkId(id);
    this.#assertNotSearching();
    const existing = this.#slotById.get(id);
    if (existing !== undefined) {
      // Validate into a scratch copy first so a rejected vector leaves the old one intact.
      const checked = checkVector(vector, this.dim, this.metric);
      this.#slab.set(checked, existing * this.dim);
      return;
    }
    const slot = this.#idBySlot.length;
    this.#ensureCapacity(slot + 1);
    checkVector(
      vector,
      this.dim,
      this.metric,
      "vector",
      this.#slab.subarray(slot * this.dim, (slot + 1) * this.dim),
    );
    this.#idBySlot.push(id);
    this.#slotById.set(id, slot);
    this.#idChars += id.length;
  }

  delete(id: string): boolean {
    checkId(id);
    this.#assertNotSearching();
    const slot = this.#slotById.get(id);
    if (slot === undefined) return false;
    const last = this.#idBySlot.length - 1;
    if (slot !== last) {
      const lastId = this.#idBySlot[last];
      this.#slab.copyWithin(slot * this.dim, last * this.dim, (last + 1) * this.dim);
      this.#idBySlot[slot] = lastId;
      this.#slotById.set(lastId, slot);
    }
    this.#idBySlot.pop();
    this.#slotById.delete(id);
    this.#idChars -= id.length;
    return true;
  }

  has(id: string): boolean {
    return this.#slotById.has(id);
  }

  /** A copy: slots move on delete, so a view into the slab would silently change underneath the caller. */
  getVector(id: string): Float32Array | undefined {
    const slot = this.#slotById.get(id);
    if (slot === undefined) return undefined;
    return this.#slab.slice(slot * this.dim, (slot + 1) * this.dim);
  }

  search(query: ArrayLike<number>, k: number, options: SearchOptions = {}): SearchHit[] {
    checkK(k);
    // `ef` is meaningless for an exact scan, but it is validated so both engines reject the same input.
    if (options.ef !== undefined) checkEf(options.ef);
    const filter = options.filter;
    if (filter !== undefined && typeof filter !== "function") {
      throw new IndexError("INVALID_PARAMETER", "filter must be a function from id to boolean", {});
    }
    const q = checkVector(query, this.dim, this.metric, "query");
    const n = Math.min(k, this.size);
    if (n === 0) return [];
    const kernel = this.#kernel;
    const scan = this.#scan({ rankQueries: [q], queries: [q], k: n, kernel, rescore: false, filter }, kernel);
    const wasSearching = this.#searching;
    this.#searching = true;
    try {
      scan.scan(0, this.size);
    } finally {
      this.#searching = wasSearching;
    }
    return scan
      .neighbors(0)
      .map((hit) => ({ id: hit.id, distance: reportedDistance(this.metric, hit.distance) }));
  }

  /**
   * An exact scan over the slab's slots with `options.kernel` (default the metric's), on the queries as
   * given; survivors are rescored by id, so a point moved or deleted between ranges is seen rightly.
   */
  exactScanner(
    queries: readonly ArrayLike<number>[],
    k: number,
    options: ExactScanOptions = {},
  ): ExactScanner {
    checkK(k);
    const kernel = options.kernel ?? this.#kernel;
    const raw = queries.map((q) => checkVector(q, this.dim, "l2", "query"));
    const spec = { rankQueries: raw, queries: raw, k, kernel, rescore: true, excludeIds: options.excludeIds };
    return this.#scan(spec, kernel);
  }

  /** The one exact scan (exact-scan.ts) over this index's slab, ranking with `rankKernel`. */
  #scan(spec: ExactScanSpec, rankKernel: DistanceKernel): ExactScan {
    return new ExactScan(
      new SlabScanTarget(this.dim, () => this.#slab, this.#idBySlot, this.#slotById, rankKernel),
      spec,
    );
  }

  *ids(): IterableIterator<string> {
    // A snapshot, so deleting while iterating neither skips nor repeats ids.
    yield* this.#idBySlot.slice();
  }

  stats(): IndexStats {
    return {
      dim: this.dim,
      metric: this.metric,
      livePoints: this.size,
      tombstones: 0,
      maxLevel: this.size === 0 ? -1 : 0,
      memoryBytes: this.#slab.byteLength + 2 * this.#idChars + ID_OVERHEAD_BYTES * this.size,
    };
  }

  /** Live state in slot order, as views over the slab: valid only until the next mutation. */
  internals(): BruteForceInternals {
    return { ids: this.#idBySlot.slice(), vectors: this.#slab.subarray(0, this.size * this.dim) };
  }

  #assertNotSearching(): void {
    if (this.#searching) {
      throw new IndexError("INVALID_PARAMETER", "a search filter must not write to the index", {});
    }
  }

  #ensureCapacity(slots: number): void {
    if (slots * this.dim <= this.#slab.length) return;
    const next = new Float32Array(Math.max(slots, 2 * (this.#slab.length / this.dim)) * this.dim);
    next.set(this.#slab.subarray(0, this.size * this.dim));
    this.#slab = next;
  }
}

/** Index of the first NaN or infinite value, or -1. One multiply per value: x * 0 is NaN exactly then. */
function firstNonFinite(values: Float32Array): number {
  let probe = 0;
  for (let i = 0; i < values.length; i++) probe += values[i] * 0;
  if (probe === 0) return -1;
  return values.findIndex((x) => !Number.isFinite(x));
}
