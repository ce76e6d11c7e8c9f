/**
 * A collection: one vector index, the payloads beside it, and the Kafka offsets it has applied.
 *
 * Contract (see src/stream/ops.ts): the ingest pipeline is the single writer. `apply` runs mutations in
 * log order, in slices of `applySliceMs` with a `setImmediate` yield between slices so searches keep
 * flowing; after each slice the applied offset of every partition touched is raised, and
 * read-your-writes waiters are woken (event-driven, no polling). Everything that must see the state
 * between two batches (a snapshot, `markSkipped`) is queued on the same writer chain via `exclusive`,
 * so it can never observe half a batch. Searches are synchronous and may run at any time between
 * slices: a slice is all-or-nothing from a reader's point of view because JavaScript does not
 * interleave inside synchronous code.
 *
 * An op the index refuses (an `IndexError`, e.g. a vector the engine rejects) stops the batch there:
 * every op before it stays applied with its offsets recorded, the refused op and those after it are not
 * applied, and `apply` rejects with the engine's error. The pipeline then retries the batch op by op,
 * skipping what the recorded offsets cover, and dead-letters the refused op (src/stream/pipeline.ts),
 * so nothing is lost, applied twice, or silently dropped.
 */

import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { CollectionConfig } from "./config.js";
import type { SearchHit, VectorIndex } from "./index/types.js";
import type { CollectionSink, MutationOp } from "./stream/ops.js";

export type Payload = Record<string, unknown>;

export interface CollectionHit extends SearchHit {
  payload?: Payload;
}

/** A read-your-writes wait ran out before the named offsets were applied (HTTP 408). */
export class ReadYourWritesTimeoutError extends Error {
  readonly code = "READ_YOUR_WRITES_TIMEOUT";
  readonly retriable = true;
  readonly details: Record<string, unknown>;

  constructor(
    collection: string,
    timeoutMs: number,
    pending: Record<string, { wanted: number; applied: number | null }>,
  ) {
    super(
      `collection ${collection} did not apply the requested offsets within ${timeoutMs} ms ` +
        `(pending partitions: ${Object.keys(pending).join(", ")}); retry, or raise timeout_ms`,
    );
    this.name = "ReadYourWritesTimeoutError";
    this.details = { collection, timeout_ms: timeoutMs, pending };
  }
}

export interface CollectionOptions {
  config: CollectionConfig;
  index: VectorIndex;
  /** Longest stretch of synchronous apply work before yielding to the event loop. */
  applySliceMs: number;
  /** Called whenever a partition's applied offset rises (metrics). */
  onAppliedOffset?: (partition: number, offset: number) => void;
}

interface Waiter {
  wanted: ReadonlyMap<number, number>;
  resolve: () => void;
}

/** The state a snapshot saves and a recovery restores. */
export interface CollectionState {
  index: VectorIndex;
  payloads: Map<string, Payload>;
  offsets: Map<number, number>;
}

export class Collection implements CollectionSink {
  readonly name: string;
  readonly topic: string;
  readonly dlqTopic: string;
  readonly dim: number;
  readonly metric: CollectionConfig["metric"];
  readonly config: CollectionConfig;
  readonly #applySliceMs: number;
  readonly #onAppliedOffset: (partition: number, offset: number) => void;
  #index: VectorIndex;
  #payloads = new Map<string, Payload>();
  #offsets = new Map<number, number>();
  readonly #waiters = new Set<Waiter>();
  /** Tail of the writer chain: every mutation and every between-batch task runs after it. */
  #writer: Promise<unknown> = Promise.resolve();
  #upsertsSinceSnapshot = 0;
  #lag: () => ReadonlyMap<number, number> = () => new Map();
  readonly #applyListeners: (() => void)[] = [];

  constructor(options: CollectionOptions) {
    const { config } = options;
    this.config = config;
    this.name = config.name;
    this.topic = config.topic;
    this.dlqTopic = config.dlqTopic;
    this.dim = config.dim;
    this.metric = config.metric;
    this.#index = options.index;
    this.#applySliceMs = options.applySliceMs;
    this.#onAppliedOffset = options.onAppliedOffset ?? (() => {});
  }

  get index(): VectorIndex {
    return this.#index;
  }

  /** Upserts applied since the last snapshot; the snapshot scheduler compares it with `everyMessages`. */
  get upsertsSinceSnapshot(): number {
    return this.#upsertsSinceSnapshot;
  }

  appliedOffsets(): ReadonlyMap<number, number> {
    return this.#offsets;
  }

  /** Where `info()` reads per-partition lag from (ingest's `lag()`), set once ingest runs. */
  setLagSource(source: () => ReadonlyMap<number, number>): void {
    this.#lag = source;
  }

  /** Runs `task` on the writer chain: after every batch submitted before it, before any after it. */
  exclusive<T>(task: () => Promise<T> | T): Promise<T> {
    const run = this.#writer.then(task);
    this.#writer = run.catch(() => {});
    return run;
  }

  apply(ops: readonly MutationOp[]): Promise<void> {
    return this.exclusive(async () => {
      await this.#applyInSlices(ops);
      for (const listener of this.#applyListeners) listener();
    });
  }

  /** Called after every applied batch (the snapshot scheduler checks its message-count trigger). */
  onBatchApplied(listener: () => void): void {
    this.#applyListeners.push(listener);
  }

  markSkipped(partition: number, offset: number): void {
    // Queued behind the batches already submitted, so the offset never runs ahead of what is visible.
    void this.exclusive(() => this.#raiseOffsets(new Map([[partition, offset]])));
  }

  /** Swaps in a recovered state; only before ingest starts (the service calls it after loading). */
  restore(state: CollectionState): void {
    this.#index = state.index;
    this.#payloads = state.payloads;
    this.#offsets = new Map();
    this.#raiseOffsets(state.offsets);
  }

  /** Called by the snapshotter once a snapshot of the current state is durable. */
  noteSnapshotTaken(upsertsCovered: number): void {
    this.#upsertsSinceSnapshot = Math.max(0, this.#upsertsSinceSnapshot - upsertsCovered);
  }

  payloads(): ReadonlyMap<string, Payload> {
    return this.#payloads;
  }

  async #applyInSlices(ops: readonly MutationOp[]): Promise<void> {
    let i = 0;
    while (i < ops.length) {
      const sliceEnd = performance.now() + this.#applySliceMs;
      const touched = new Map<number, number>();
      try {
        do {
          const op = ops[i];
          this.#applyOne(op);
          i++;
          const seen = touched.get(op.partition);
          if (seen === undefined || op.offset > seen) touched.set(op.partition, op.offset);
        } while (i < ops.length && performance.now() < sliceEnd);
      } finally {
        // On a refusal too: the ops before it are applied, and the retry skips them by these offsets.
        this.#raiseOffsets(touched);
      }
      if (i < ops.length) await yieldToEventLoop();
    }
  }

  /** Applies one op; the index validates before it mutates, so a refused op changes nothing. */
  #applyOne(op: MutationOp): void {
    if (op.kind === "upsert") {
      this.#index.upsert(op.id, op.vector);
      if (op.payload !== undefined) this.#payloads.set(op.id, op.payload);
      else this.#payloads.delete(op.id);
      this.#upsertsSinceSnapshot++;
    } else {
      this.#index.delete(op.id);
      this.#payloads.delete(op.id);
    }
  }

  #raiseOffsets(offsets: ReadonlyMap<number, number>): void {
    for (const [partition, offset] of offsets) {
      const current = this.#offsets.get(partition);
      if (current !== undefined && current >= offset) continue;
      this.#offsets.set(partition, offset);
      this.#onAppliedOffset(partition, offset);
    }
    for (const waiter of this.#waiters) if (this.#covers(waiter.wanted)) waiter.resolve();
  }

  #covers(wanted: ReadonlyMap<number, number>): boolean {
    for (const [partition, offset] of wanted) {
      const applied = this.#offsets.get(partition);
      if (applied === undefined || applied < offset) return false;
    }
    return true;
  }

  /**
   * Resolves once every named partition's applied offset is >= the given offset; rejects with
   * `ReadYourWritesTimeoutError` after `timeoutMs`.
   */
  waitForOffsets(minOffsets: Record<string, number>, timeoutMs: number): Promise<void> {
    const wanted = new Map(Object.entries(minOffsets).map(([p, o]) => [Number(p), o]));
    if (this.#covers(wanted)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        wanted,
        resolve: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new ReadYourWritesTimeoutError(this.name, timeoutMs, this.#pending(wanted)));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  #pending(wanted: ReadonlyMap<number, number>): Record<string, { wanted: number; applied: number | null }> {
    const out: Record<string, { wanted: number; applied: number | null }> = {};
    for (const [partition, offset] of wanted) {
      const applied = this.#offsets.get(partition);
      if (applied === undefined || applied < offset)
        out[String(partition)] = { wanted: offset, applied: applied ?? null };
    }
    return out;
  }

  /** k nearest live points; `filter` sees each candidate's payload. Validation errors are `IndexError`s. */
  search(
    query: ArrayLike<number>,
    k: number,
    ef?: number,
    filter?: (id: string, payload: Payload | undefined) => boolean,
  ): CollectionHit[] {
    const hits = this.#index.search(query, k, {
      ef: ef ?? this.config.ef,
      filter: filter && ((id) => filter(id, this.#payloads.get(id))),
    });
    return hits.map((h) => ({ id: h.id, distance: h.distance, payload: this.#payloads.get(h.id) }));
  }

  get(id: string): { id: string; vector: Float32Array; payload?: Payload } | undefined {
    const vector = this.#index.getVector(id);
    if (vector === undefined) return undefined;
    return { id, vector, payload: this.#payloads.get(id) };
  }

  sizes(): { points: number; tombstones: number; memoryBytes: number } {
    const s = this.#index.stats();
    return { points: s.livePoints, tombstones: s.tombstones, memoryBytes: s.memoryBytes };
  }

  info(): Record<string, unknown> {
    const s = this.#index.stats();
    const { M, efConstruction, ef } = this.config;
    return {
      name: this.name,
      topic: this.topic,
      dlq_topic: this.dlqTopic,
      dim: this.dim,
      metric: this.metric,
      params: { M, ef_construction: efConstruction, ef },
      points: s.livePoints,
      tombstones: s.tombstones,
      max_level: s.maxLevel,
      index_memory_bytes: s.memoryBytes,
      applied_offsets: Object.fromEntries([...this.#offsets].map(([p, o]) => [String(p), o])),
      lag: Object.fromEntries([...this.#lag()].map(([p, l]) => [String(p), l])),
    };
  }
}
