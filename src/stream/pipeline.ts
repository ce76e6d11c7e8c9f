/**
 * The per-collection writer: the rxjs pipeline from fetched record batches to applied entries, and
 * the ONE queue in front of the collection.
 *
 *   push(batch) ─► decode (sliced) ─► queue: Subject<Item>
 *                 ─► bufferTimeOrCount(batchMaxMs, batchMaxMessages, flushes, isTask)
 *                 ─► concatMap(handle)        one chunk (or one task) at a time, in queue order
 *   handle(chunk): dead-letter the invalid messages (awaited) ─► collection.apply(entries) ─►
 *                  dead-letter what the engine refused ─► metrics ─► the ledger's applied offsets rose,
 *                  which resolves the pushes waiting on them
 *
 * The queue carries three kinds of item: a decoded Kafka message, the end of a fetched batch (its
 * `lastOffset`, which can lie past the last message: transaction markers), and a task (`exclusive`:
 * a snapshot, anything that must see the state between two chunks). Tasks are barriers: never
 * batched, run in their place in the order. Nothing else queues in front of the collection.
 *
 * Contract: the promise `push` returns resolves once every message of the batch is applied or
 * dead-lettered (only then may the source resolve and commit the offsets), and rejects if the writer
 * failed. Messages at or below the partition's last applied-or-queued offset are replays (a seek, a
 * rebalance) and are dropped. While no chunk is in flight, what is buffered is flushed one event-loop
 * turn after it arrives rather than `batchMaxMs` later (the batches of one fetch arrive in the same
 * turn and still form one chunk). Above `highWaterMark` queued messages the batch's partition is paused
 * (kafkajs's `pause()`, whose resume closure is kept) until the queue drains below `lowWaterMark`. An
 * op the engine refuses comes back from `apply` as a value and is dead-lettered with a reason from its
 * code, so one bad record cannot stall the partition. Any other failure is fatal: it fails the writer
 * and is reported through `onError`.
 */

import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { concatMap, from, Subject, tap } from "rxjs";
import type { Logger } from "pino";
import type { PartitionLedger } from "../collection/partition-ledger.js";
import type { ApplyResult, LogEntry, MutationOp, Refusal } from "../collection/ops.js";
import type { Metric } from "../index/index.js";
import type { RecordBatch } from "./batch.js";
import { unappliedMessages } from "./batch.js";
import { bufferTimeOrCount } from "./buffer.js";
import type { DeadLetter, DeadLetterSink } from "./dead-letter.js";
import type { IngestObserver } from "./observer.js";
import { decodeMessage, type DecodedMessage, type WireMessage } from "./wire.js";

export interface PipelineSettings {
  batchMaxMessages: number;
  batchMaxMs: number;
  highWaterMark: number;
  lowWaterMark: number;
  maxMessageBytes: number;
  /** Longest stretch of synchronous decoding before yielding to the event loop (default 4 ms). */
  applySliceMs?: number;
  /**
   * A message timestamp older than this (or more than a minute ahead) is not believed: it is counted
   * as untrusted instead of observed as freshness (default 7 days).
   */
  freshnessMaxAgeMs?: number;
}

/** What the writer needs of a collection; `Collection` (src/collection/collection.ts) is one. */
export interface WriterTarget {
  readonly name: string;
  readonly dim: number;
  readonly metric: Metric;
  readonly ledger: PartitionLedger;
  apply(entries: readonly LogEntry[]): Promise<ApplyResult>;
}

export interface WriterOptions {
  target: WriterTarget;
  topic: string;
  dlqTopic: string;
  deadLetters: DeadLetterSink;
  observer: IngestObserver;
  settings: PipelineSettings;
  logger: Logger;
  /** Called once if the writer fails; ingest stops and the service decides (exit, restart). */
  onError(err: unknown): void;
  /** Wall clock in ms (freshness); injectable for tests. */
  now?: () => number;
}

/** A fetched batch, with kafkajs's `pause` for this partition (returns the resume closure). */
export interface IncomingBatch {
  batch: RecordBatch;
  pause(): () => void;
}

type Item =
  | { kind: "message"; decoded: DecodedMessage; original: WireMessage }
  | { kind: "end"; partition: number; lastOffset: number; handled(): void }
  | { kind: "task"; run: () => unknown; resolve(value: unknown): void; reject(err: unknown): void };

/** Engine error codes that mean "this op is bad", mapped to dead-letter reasons. */
export const REFUSAL_REASONS: Record<string, string> = {
  DIMENSION_MISMATCH: "wrong_dimension",
  NON_FINITE_VALUE: "non_finite",
  ZERO_VECTOR: "zero_vector",
  INVALID_ID: "bad_key",
};

const DEFAULT_FRESHNESS_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
/** Producer clocks a little ahead of ours are normal; this much ahead is not believed. */
const FUTURE_SKEW_MS = 60_000;

export class CollectionWriter {
  readonly #o: WriterOptions;
  readonly #name: string;
  readonly #ledger: PartitionLedger;
  readonly #queue = new Subject<Item>();
  /** Tells the buffer to emit what it holds now (see module doc). */
  readonly #flushes = new Subject<void>();
  /** Chunks emitted by the buffer and not yet handled (queued in concatMap or running). */
  #chunksInFlight = 0;
  #flushScheduled = false;
  readonly #resumes = new Map<number, () => void>();
  #queued = 0;
  #completed = false;
  /** Decodes run one after another, so items enter the queue in push order. */
  #decodeTail: Promise<void> = Promise.resolve();
  #failure: { err: unknown } | undefined;
  /** Tasks queued and not yet run: run directly if the writer fails before it reaches them. */
  readonly #pendingTasks = new Set<Extract<Item, { kind: "task" }>>();
  readonly #failed: Promise<never>;
  #rejectFailed!: (err: unknown) => void;
  /** Resolves when the queue is complete and the last chunk handled. */
  readonly done: Promise<void>;

  constructor(options: WriterOptions) {
    this.#o = options;
    this.#name = options.target.name;
    this.#ledger = options.target.ledger;
    this.#failed = new Promise<never>((_, reject) => (this.#rejectFailed = reject));
    this.#failed.catch(() => undefined); // observed through push() and done
    const { batchMaxMs, batchMaxMessages } = options.settings;
    this.done = new Promise<void>((resolve, reject) => {
      this.#queue
        .pipe(
          bufferTimeOrCount(batchMaxMs, batchMaxMessages, this.#flushes, (i) => i.kind === "task"),
          tap(() => this.#chunksInFlight++),
          concatMap((chunk) => from(this.#handle(chunk))),
        )
        .subscribe({ complete: () => resolve(), error: (err: unknown) => this.#fail(err, reject) });
    });
    this.done.catch(() => undefined); // the failure is reported through onError; awaiting still rejects
  }

  /** Messages pushed and not yet applied or dead-lettered. */
  get queued(): number {
    return this.#queued;
  }

  get paused(): boolean {
    return this.#resumes.size > 0;
  }

  /** Decodes and enqueues a batch; resolves once all of it is applied or dead-lettered (module doc). */
  async push({ batch, pause }: IncomingBatch): Promise<void> {
    this.#throwIfUnusable();
    if (batch.messages.length === 0) return;
    const { partition } = batch;
    let handled!: () => void;
    const settled = new Promise<void>((resolve) => (handled = resolve));
    const enqueued = this.#decodeTail.then(async () => {
      this.#throwIfFailed();
      const after = this.#ledger.lastQueued(partition);
      const fresh = after === undefined || batch.lastOffset > after;
      const items = fresh ? await this.#decode(partition, unappliedMessages(batch, after)) : [];
      this.#throwIfFailed(); // the writer may have failed during the decode
      // A replay of what is queued still gets its end marker, so it settles after what it replays.
      this.#enqueue(
        partition,
        items,
        { kind: "end", partition, lastOffset: batch.lastOffset, handled },
        pause,
      );
    });
    this.#decodeTail = enqueued.catch(() => undefined);
    await enqueued;
    await Promise.race([settled, this.#failed]);
  }

  /**
   * Runs `task` in the queue: after every chunk queued before it, before any queued after it. Once
   * the writer is complete, after its last chunk. A failing task rejects its caller only.
   */
  exclusive<T>(task: () => Promise<T> | T): Promise<T> {
    if (this.#completed || this.#failure) return this.done.catch(() => undefined).then(task);
    return new Promise<T>((resolve, reject) => {
      const item = { kind: "task" as const, run: task, resolve: resolve as (v: unknown) => void, reject };
      this.#pendingTasks.add(item);
      this.#queue.next(item);
    });
  }

  /** No more batches: resolves once the ones in hand are applied (`done`). */
  async complete(): Promise<void> {
    this.#completed = true;
    // Batches already being decoded still go in: their pushes hold kafkajs handlers that wait on them.
    await this.#decodeTail;
    this.#queue.complete();
    return this.done;
  }

  #throwIfFailed(): void {
    if (this.#failure) throw this.#failure.err;
  }

  #throwIfUnusable(): void {
    this.#throwIfFailed();
    if (this.#completed) throw new Error(`the writer of ${this.#name} takes no more batches`);
  }

  /**
   * Decodes in slices of `applySliceMs`, yielding to the event loop between them: a 1 MB fetch of
   * 1024-d JSON vectors is ~100 ms of parsing, which must not stall queries any more than an apply may.
   */
  async #decode(partition: number, messages: readonly WireMessage[]): Promise<Item[]> {
    const { target, settings } = this.#o;
    const options = { dim: target.dim, metric: target.metric, maxMessageBytes: settings.maxMessageBytes };
    const sliceMs = settings.applySliceMs ?? 4;
    const items: Item[] = [];
    let sliceStart = performance.now();
    for (const m of messages) {
      items.push({ kind: "message", decoded: decodeMessage(m, partition, options), original: m });
      if ((items.length & 15) === 0 && performance.now() - sliceStart >= sliceMs) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    return items;
  }

  #enqueue(partition: number, items: Item[], end: Item & { kind: "end" }, pause: () => () => void): void {
    this.#ledger.noteEnqueued(partition, end.lastOffset);
    this.#queued += items.length;
    for (const item of items) this.#queue.next(item);
    this.#queue.next(end);
    this.#flushWhenIdle();
    if (this.#queued > this.#o.settings.highWaterMark && !this.#resumes.has(partition)) {
      if (this.#resumes.size === 0) this.#o.observer.onPaused?.(this.#name, true);
      this.#resumes.set(partition, pause());
      this.#o.logger.debug({ partition, queued: this.#queued }, "ingest paused: writer queue full");
    }
  }

  async #handle(chunk: Item[]): Promise<void> {
    const first = chunk[0];
    if (first.kind === "task") await this.#runTask(first);
    else await this.#applyChunk(chunk);
    this.#chunksInFlight--;
    this.#flushWhenIdle();
    this.#maybeResume();
  }

  async #runTask(task: Extract<Item, { kind: "task" }>): Promise<void> {
    this.#pendingTasks.delete(task);
    try {
      task.resolve(await task.run());
    } catch (err) {
      task.reject(err);
    }
  }

  async #applyChunk(chunk: Item[]): Promise<void> {
    const startedAt = performance.now();
    const { target, deadLetters, topic, dlqTopic, observer } = this.#o;
    const letters: DeadLetter[] = [];
    const entries: LogEntry[] = [];
    let messages = 0;
    for (const item of chunk) {
      if (item.kind === "end") {
        entries.push({ kind: "skip", partition: item.partition, offset: item.lastOffset });
      } else if (item.kind === "message") {
        messages++;
        const { decoded, original } = item;
        if (decoded.kind !== "invalid") entries.push(decoded);
        else {
          letters.push({ ...decoded, original });
          entries.push({ kind: "skip", partition: decoded.partition, offset: decoded.offset });
        }
      }
    }
    // Dead letters are acknowledged before their offsets can become visible (and committed).
    await deadLetters.publish(topic, dlqTopic, letters);
    for (const letter of letters) observer.onDeadLetter(this.#name, letter.reason);
    const result = await target.apply(entries);
    if (result.refused.length > 0) await this.#deadLetterRefusals(chunk, result.refused);
    this.#reportApplied(entries, result);
    observer.onBatchApplied(this.#name, (performance.now() - startedAt) / 1000, messages);
    this.#queued -= messages;
    // Only now is every message of these batches applied or dead-lettered: their pushes may settle.
    for (const item of chunk) if (item.kind === "end") item.handled();
  }

  async #deadLetterRefusals(chunk: Item[], refused: readonly Refusal[]): Promise<void> {
    const originals = new Map<unknown, WireMessage>();
    for (const item of chunk) if (item.kind === "message") originals.set(item.decoded, item.original);
    const letters = refused.map(({ op, code, message }) => {
      const reason = REFUSAL_REASONS[code] ?? "rejected";
      return { reason, message, partition: op.partition, offset: op.offset, original: originals.get(op)! };
    });
    this.#o.logger.warn({ count: letters.length, code: refused[0].code }, "the index refused ops");
    await this.#o.deadLetters.publish(this.#o.topic, this.#o.dlqTopic, letters);
    for (const letter of letters) this.#o.observer.onDeadLetter(this.#name, letter.reason);
  }

  #reportApplied(entries: readonly LogEntry[], result: ApplyResult): void {
    const { observer, settings } = this.#o;
    const now = (this.#o.now ?? Date.now)();
    const maxAge = settings.freshnessMaxAgeMs ?? DEFAULT_FRESHNESS_MAX_AGE_MS;
    const refused = new Set<MutationOp>(result.refused.map((r) => r.op));
    for (const e of entries) {
      // A producer without timestamps (-1) says nothing about freshness.
      if (e.kind === "skip" || e.timestampMs <= 0 || refused.has(e)) continue;
      const age = now - e.timestampMs;
      if (age > maxAge || age < -FUTURE_SKEW_MS) observer.onUntrustedTimestamp?.(this.#name);
      else observer.onFreshness(this.#name, age / 1000);
    }
    if (result.upserts > 0) observer.onApplied(this.#name, "upsert", result.upserts);
    if (result.deletes > 0) observer.onApplied(this.#name, "delete", result.deletes);
  }

  /**
   * With no chunk in flight, flushes the buffer one event-loop turn from now, so that the other
   * batches of the same fetch (pushed in this turn) join the chunk.
   */
  #flushWhenIdle(): void {
    if (this.#chunksInFlight > 0 || this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      if (this.#chunksInFlight === 0) this.#flushes.next();
    });
  }

  #maybeResume(): void {
    if (this.#resumes.size === 0 || this.#queued >= this.#o.settings.lowWaterMark) return;
    for (const resume of this.#resumes.values()) resume();
    this.#resumes.clear();
    this.#o.observer.onPaused?.(this.#name, false);
    this.#o.logger.debug({ queued: this.#queued }, "ingest resumed");
  }

  #fail(err: unknown, reject: (err: unknown) => void): void {
    this.#failure = { err };
    this.#o.logger.error({ err }, "ingest writer failed");
    this.#rejectFailed(err);
    reject(err);
    // The queue stopped: tasks waiting in it (a snapshot) run now, between two chunks as promised.
    for (const task of this.#pendingTasks) void this.#runTask(task);
    this.#o.onError(err);
  }
}
