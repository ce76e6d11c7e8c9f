/**
 * A collection: one vector index, the payloads beside it, and its partition ledger (the applied
 * offset of every Kafka partition, read-your-writes waits).
 *
 * Contract:
 * - ONE writer. `apply` is called by the collection's writer (src/stream/pipeline.ts), one call at a
 *   time; the writer's queue is the only queue in front of the collection, and everything that must
 *   see the state between two batches (a snapshot) runs from that queue too. A second `apply` while
 *   one runs is a bug and throws.
 * - `apply` runs entries in order, in slices of `applySliceMs` with a yield to the event loop between
 *   slices so searches keep flowing; after each slice the ledger's applied offsets rise to the last
 *   entry of each partition in it, waking read-your-writes waiters. Searches are synchronous and run
 *   between slices: a slice is all-or-nothing from a reader's point of view.
 * - An op the engine refuses (an `IndexError`: the engine validates before it mutates) changes
 *   nothing, is returned in `ApplyResult.refused`, and its offset counts as consumed; the entries after
 *   it are still applied. Any other error is unexpected and is thrown.
 */

import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { CollectionConfig } from "../config.js";
import { IndexError } from "../index/index.js";
import type { SearchHit, VectorIndex } from "../index/index.js";
import type { ApplyResult, LogEntry, MutationOp, Payload } from "./ops.js";
import { PartitionLedger } from "./partition-ledger.js";

export interface CollectionHit extends SearchHit {
  payload?: Payload;
}

export interface CollectionOptions {
  config: CollectionConfig;
  index: VectorIndex;
  /** Longest stretch of synchronous apply work before yielding to the event loop. */
  applySliceMs: number;
  /** Called whenever a partition's applied offset rises (metrics). */
  onAppliedOffset?: (partition: number, offset: number) => void;
}

/** The state a snapshot saves and a recovery restores. */
export interface CollectionState {
  index: VectorIndex;
  payloads: Map<string, Payload>;
  offsets: ReadonlyMap<number, number>;
}

export class Collection {
  readonly name: string;
  readonly topic: string;
  readonly dlqTopic: string;
  readonly dim: number;
  readonly metric: CollectionConfig["metric"];
  readonly config: CollectionConfig;
  readonly ledger: PartitionLedger;
  readonly #applySliceMs: number;
  #index: VectorIndex;
  #payloads = new Map<string, Payload>();
  #applying = false;

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
    this.ledger = new PartitionLedger({ label: config.name, onApplied: options.onAppliedOffset });
  }

  get index(): VectorIndex {
    return this.#index;
  }

  payloads(): ReadonlyMap<string, Payload> {
    return this.#payloads;
  }

  appliedOffsets(): ReadonlyMap<number, number> {
    return this.ledger.appliedOffsets();
  }

  /** Swaps in a recovered state; only before ingest starts (the service calls it after loading). */
  restore(state: CollectionState): void {
    this.#index = state.index;
    this.#payloads = state.payloads;
    this.ledger.restore(state.offsets);
  }

  /** Applies `entries` in order (see the module doc); resolves once all are visible. */
  async apply(entries: readonly LogEntry[]): Promise<ApplyResult> {
    if (this.#applying) throw new Error(`collection ${this.name}: apply re-entered; it has one writer`);
    this.#applying = true;
    const result: ApplyResult = { upserts: 0, deletes: 0, refused: [] };
    try {
      let i = 0;
      while (i < entries.length) {
        i = this.#applySlice(entries, i, result);
        if (i < entries.length) await yieldToEventLoop();
      }
    } finally {
      this.#applying = false;
    }
    return result;
  }

  /** Applies entries from `start` until the slice's time is up; returns the index of the next one. */
  #applySlice(entries: readonly LogEntry[], start: number, result: ApplyResult): number {
    const sliceEnd = performance.now() + this.#applySliceMs;
    const touched = new Map<number, number>();
    let i = start;
    try {
      do {
        const entry = entries[i++];
        if (entry.kind !== "skip") this.#applyOne(entry, result);
        const seen = touched.get(entry.partition);
        if (seen === undefined || entry.offset > seen) touched.set(entry.partition, entry.offset);
      } while (i < entries.length && performance.now() < sliceEnd);
    } finally {
      // An unexpected error leaves what was applied before it recorded, and nothing after it.
      for (const [partition, offset] of touched) this.ledger.raiseApplied(partition, offset);
    }
    return i;
  }

  /** Applies one op; the index validates before it mutates, so a refused op changes nothing. */
  #applyOne(op: MutationOp, result: ApplyResult): void {
    try {
      if (op.kind === "upsert") {
        this.#index.upsert(op.id, op.vector);
        if (op.payload !== undefined) this.#payloads.set(op.id, op.payload);
        else this.#payloads.delete(op.id);
        result.upserts++;
      } else {
        this.#index.delete(op.id);
        this.#payloads.delete(op.id);
        result.deletes++;
      }
    } catch (err) {
      if (!(err instanceof IndexError)) throw err;
      result.refused.push({ op, code: err.code, message: err.message });
    }
  }

  /**
   * Resolves once every named partition's applied offset is >= the given offset; rejects with
   * `ReadYourWritesTimeoutError` after `timeoutMs`.
   */
  waitForOffsets(
    minOffsets: ReadonlyMap<number, number> | Record<string, number>,
    timeoutMs: number,
  ): Promise<void> {
    const wanted =
      minOffsets instanceof Map
        ? minOffsets
        : new Map(Object.entries(minOffsets).map(([p, o]) => [Number(p), o] as const));
    return this.ledger.waitFor(wanted, timeoutMs);
  }

  /** Partitions among `partitions` that the topic does not have (empty while ingest has not looked). */
  unknownPartitions(partitions: Iterable<number>): number[] {
    const known = this.ledger.topicPartitions;
    if (known === undefined) return [];
    return [...partitions].filter((p) => !known.has(p));
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
}
