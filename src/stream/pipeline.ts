/**
 * The per-collection writer: the rxjs pipeline from fetched record batches to applied mutations.
 *
 *   push(batch) ─► decode ─► Subject ─► bufferTimeOrCount(batchMaxMs, batchMaxMessages, flushes)
 *                                       ─► concatMap(applyChunk)   (ONE writer: in log order, one chunk
 *                                                                   at a time)
 *   While no chunk is in flight, whatever is buffered is flushed one event-loop turn after it arrives
 *   (or after the last chunk finished) rather than `batchMaxMs` later: the batches of one fetch arrive
 *   in the same turn and still form one chunk, and the writer does not idle while a partial chunk
 *   waits out its timer (bench/stream/ingest-overhead.ts, 13 partitions x 500-message sends: ~500
 *   messages a fetch, each chunk waited the full 20 ms). While a chunk is applying, the buffer fills
 *   up to `batchMaxMessages` or `batchMaxMs` as before.
 *   applyChunk: dead-letter the invalid messages (awaited), then apply the runs of valid ops between
 *   them in order, `markSkipped` each invalid one, report metrics, mark the offsets done.
 *
 * Contract: the promise `push` returns resolves once every message of the batch is applied or
 * dead-lettered (only then may the source resolve and commit its offsets), and rejects if the writer
 * failed. Above `highWaterMark` queued messages the batch's partition is paused (kafkajs's `pause()`,
 * whose resume closure is kept) until the queue drains below `lowWaterMark`. A collection that refuses
 * a batch with a non-retriable coded error (an `IndexError`) gets the batch again one op at a time,
 * and the ops it refuses are dead-lettered (reason from the error code), so one bad record cannot stall
 * the partition. Any other failure is fatal: it fails the writer and is reported through `onError`.
 */

import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { concatMap, from, mergeMap, Subject, tap } from "rxjs";
import type { Logger } from "pino";
import type { Metric } from "../index/types.js";
import type { RecordBatch } from "./batch.js";
import { unappliedMessages } from "./batch.js";
import { bufferTimeOrCount } from "./buffer.js";
import type { DeadLetter, DeadLetterSink } from "./dead-letter.js";
import { ContiguousProgress } from "./offsets.js";
import type { CollectionSink, IngestObserver, MutationOp } from "./ops.js";
import { decodeMessage, type DecodedMessage, type WireMessage } from "./wire.js";

export interface PipelineSettings {
  batchMaxMessages: number;
  batchMaxMs: number;
  highWaterMark: number;
  lowWaterMark: number;
  maxMessageBytes: number;
  /** Longest stretch of synchronous decoding before yielding to the event loop (default 4 ms). */
  applySliceMs?: number;
}

export interface WriterOptions {
  sink: CollectionSink;
  metric: Metric;
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

interface Item {
  decoded: DecodedMessage;
  original: WireMessage;
}

/** Engine error codes that mean "this op is bad", mapped to dead-letter reasons. */
const REFUSAL_REASONS: Record<string, string> = {
  DIMENSION_MISMATCH: "wrong_dimension",
  NON_FINITE_VALUE: "non_finite",
  ZERO_VECTOR: "zero_vector",
  INVALID_ID: "bad_key",
};

function isRefusal(err: unknown): err is Error & { code: string } {
  const e = err as { code?: unknown; retriable?: unknown } | null;
  return e !== null && typeof e === "object" && typeof e.code === "string" && e.retriable === false;
}

export class CollectionWriter {
  readonly #o: WriterOptions;
  readonly #name: string;
  readonly #input = new Subject<Item[]>();
  /** Tells the buffer to emit what it holds now (see module doc). */
  readonly #flushes = new Subject<void>();
  /** Chunks emitted by the buffer and not yet applied (queued in concatMap or applying). */
  #chunksInFlight = 0;
  #flushScheduled = false;
  readonly #progress = new Map<number, ContiguousProgress>();
  /** Last offset consumed (applied, dead-lettered or filtered) per partition, for lag and readiness. */
  readonly lastConsumed = new Map<number, number>();
  readonly #resumes = new Map<number, () => void>();
  #queued = 0;
  #completed = false;
  readonly #decoding = new Set<Promise<void>>();
  #failure: { err: unknown } | undefined;
  readonly #failed: Promise<never>;
  #rejectFailed!: (err: unknown) => void;
  /** Resolves when the input is complete and the last chunk applied. */
  readonly done: Promise<void>;

  constructor(options: WriterOptions) {
    this.#o = options;
    this.#name = options.sink.name;
    this.#failed = new Promise<never>((_, reject) => (this.#rejectFailed = reject));
    this.#failed.catch(() => undefined); // observed through push() and done
    const { batchMaxMs, batchMaxMessages } = options.settings;
    this.done = new Promise<void>((resolve, reject) => {
      this.#input
        .pipe(
          mergeMap((items) => from(items)),
          bufferTimeOrCount(batchMaxMs, batchMaxMessages, this.#flushes),
          tap(() => this.#chunksInFlight++),
          concatMap((chunk) => from(this.#applyChunk(chunk))),
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

  /** Decodes and enqueues a batch; resolves once all of it is applied or dead-lettered (see module doc). */
  async push({ batch, pause }: IncomingBatch): Promise<void> {
    this.#throwIfUnusable();
    const { partition } = batch;
    const progress = this.#progressOf(partition);
    // Skip what is applied already, and what is still in flight (a refetch after a seek or rebalance).
    const applied = this.#o.sink.appliedOffsets().get(partition);
    const inFlight = progress.lastRegistered;
    const after =
      applied === undefined || (inFlight !== undefined && inFlight > applied) ? inFlight : applied;
    const messages = unappliedMessages(batch, after);
    if (messages.length > 0) {
      // Enqueued in the same continuation as the decode, so complete() (which waits for pending
      // decodes) cannot close the input between the two.
      const enqueued = this.#decode(partition, messages).then((items) => {
        if (this.#failure) throw this.#failure.err; // the writer may have failed during the decode
        this.#enqueue(partition, items, progress, pause);
      });
      this.#decoding.add(enqueued);
      await enqueued.finally(() => this.#decoding.delete(enqueued));
    }
    if (batch.messages.length > 0) {
      const lastMessage = Number(batch.messages[batch.messages.length - 1].offset);
      await Promise.race([progress.whenDoneThrough(lastMessage), this.#failed]);
    }
    const previous = this.lastConsumed.get(partition);
    if (previous === undefined || batch.lastOffset > previous)
      this.lastConsumed.set(partition, batch.lastOffset);
  }

  /**
   * Decodes in slices of `applySliceMs`, yielding to the event loop between them: a 1 MB fetch of
   * 1024-d JSON vectors is ~100 ms of parsing, which must not stall queries any more than an apply may.
   */
  async #decode(partition: number, messages: readonly WireMessage[]): Promise<Item[]> {
    const { sink, metric, settings } = this.#o;
    const options = { dim: sink.dim, metric, maxMessageBytes: settings.maxMessageBytes };
    const sliceMs = settings.applySliceMs ?? 4;
    const items: Item[] = [];
    let sliceStart = performance.now();
    for (const m of messages) {
      items.push({ decoded: decodeMessage(m, partition, options), original: m });
      if ((items.length & 15) === 0 && performance.now() - sliceStart >= sliceMs) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    return items;
  }

  #enqueue(partition: number, items: Item[], progress: ContiguousProgress, pause: () => () => void): void {
    progress.register(items.map((i) => i.decoded.offset));
    this.#queued += items.length;
    this.#input.next(items);
    this.#flushWhenIdle();
    if (this.#queued > this.#o.settings.highWaterMark && !this.#resumes.has(partition)) {
      if (this.#resumes.size === 0) this.#o.observer.onPaused?.(this.#name, true);
      this.#resumes.set(partition, pause());
      this.#o.logger.debug({ partition, queued: this.#queued }, "ingest paused: writer queue full");
    }
  }

  /** No more batches: resolves once the ones in hand are applied (`done`). */
  async complete(): Promise<void> {
    this.#completed = true;
    // Batches already being decoded still go in: their pushes hold kafkajs handlers that wait on them.
    await Promise.allSettled([...this.#decoding]);
    this.#input.complete();
    return this.done;
  }

  #throwIfUnusable(): void {
    if (this.#failure) throw this.#failure.err;
    if (this.#completed) throw new Error(`the writer of ${this.#name} takes no more batches`);
  }

  #progressOf(partition: number): ContiguousProgress {
    let p = this.#progress.get(partition);
    if (p === undefined) this.#progress.set(partition, (p = new ContiguousProgress()));
    return p;
  }

  async #applyChunk(chunk: Item[]): Promise<void> {
    const startedAt = performance.now();
    const { sink, deadLetters, topic, dlqTopic } = this.#o;
    const letters: DeadLetter[] = [];
    for (const { decoded, original } of chunk) {
      if (decoded.kind === "invalid") letters.push({ ...decoded, original });
    }
    await deadLetters.publish(topic, dlqTopic, letters);
    let run: Item[] = [];
    for (const item of chunk) {
      if (item.decoded.kind !== "invalid") {
        run.push(item);
        continue;
      }
      await this.#applyRun(run);
      run = [];
      sink.markSkipped(item.decoded.partition, item.decoded.offset);
      this.#o.observer.onDeadLetter(this.#name, item.decoded.reason);
    }
    await this.#applyRun(run);
    this.#o.observer.onBatchApplied(this.#name, (performance.now() - startedAt) / 1000, chunk.length);
    for (const { decoded } of chunk) this.#progressOf(decoded.partition).markDone(decoded.offset);
    this.#queued -= chunk.length;
    this.#chunksInFlight--;
    this.#flushWhenIdle();
    this.#maybeResume();
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

  /** Applies consecutive valid ops; on a refusal, retries them one by one (see module doc). */
  async #applyRun(run: Item[]): Promise<void> {
    if (run.length === 0) return;
    const ops = run.map((i) => i.decoded as MutationOp);
    try {
      await this.#o.sink.apply(ops);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      this.#o.logger.warn({ err: err.message, code: err.code }, "batch refused; applying op by op");
      for (const item of run) await this.#applyOne(item);
      return;
    }
    this.#reportApplied(ops);
  }

  async #applyOne({ decoded, original }: Item): Promise<void> {
    const op = decoded as MutationOp;
    // The refused batch may have been applied up to the refusal; those ops count as applied already.
    const applied = this.#o.sink.appliedOffsets().get(op.partition);
    if (applied !== undefined && op.offset <= applied) return this.#reportApplied([op]);
    try {
      await this.#o.sink.apply([op]);
      this.#reportApplied([op]);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      const reason = REFUSAL_REASONS[err.code] ?? "rejected";
      const letter = { reason, message: err.message, partition: op.partition, offset: op.offset, original };
      await this.#o.deadLetters.publish(this.#o.topic, this.#o.dlqTopic, [letter]);
      this.#o.sink.markSkipped(op.partition, op.offset);
      this.#o.observer.onDeadLetter(this.#name, reason);
    }
  }

  #reportApplied(ops: readonly MutationOp[]): void {
    let upserts = 0;
    const now = (this.#o.now ?? Date.now)();
    for (const op of ops) {
      if (op.kind === "upsert") upserts++;
      // A producer without timestamps (-1) says nothing about freshness.
      if (op.timestampMs > 0) this.#o.observer.onFreshness(this.#name, (now - op.timestampMs) / 1000);
    }
    if (upserts > 0) this.#o.observer.onApplied(this.#name, "upsert", upserts);
    if (ops.length > upserts) this.#o.observer.onApplied(this.#name, "delete", ops.length - upserts);
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
    this.#o.onError(err);
  }
}
