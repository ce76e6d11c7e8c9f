/**
 * Test doubles for the ingest side: an in-memory `CollectionSink` (ours, not kafkajs: integration tests
 * still talk to a real broker), a recording `IngestObserver`, a recording dead-letter sink, and a
 * silent logger.
 */
import { pino } from "pino";
import type { CollectionSink, IngestObserver, MutationOp } from "../../../src/stream/ops.js";
import type { DeadLetter, DeadLetterSink } from "../../../src/stream/dead-letter.js";
import type { Metric } from "../../../src/index/types.js";

export const silentLogger = pino({ level: "silent" });

export interface MemorySinkOptions {
  name?: string;
  topic?: string;
  dim?: number;
  metric?: Metric;
  dlqTopic?: string;
  /** Time each apply() takes (a slow collection, for backpressure). */
  applyDelayMs?: number;
  /** Every apply() waits for this first (a collection stuck until the test releases it). */
  gate?: Promise<void>;
  /** An error to throw for an op (a refusal), or undefined to apply it. */
  refuse?: (op: MutationOp) => Error | undefined;
}

export class MemorySink implements CollectionSink {
  readonly name: string;
  readonly topic: string;
  readonly dim: number;
  readonly metric: Metric;
  readonly dlqTopic: string | undefined;
  readonly points = new Map<string, { vector: Float32Array; payload?: Record<string, unknown> }>();
  /** Every op applied, in order. */
  readonly log: MutationOp[] = [];
  readonly skipped: { partition: number; offset: number }[] = [];
  readonly offsets = new Map<number, number>();
  applyCalls = 0;
  readonly #o: MemorySinkOptions;

  constructor(options: MemorySinkOptions = {}) {
    this.#o = options;
    this.name = options.name ?? "demo";
    this.topic = options.topic ?? "vecstream.demo";
    this.dim = options.dim ?? 3;
    this.metric = options.metric ?? "l2";
    this.dlqTopic = options.dlqTopic;
  }

  appliedOffsets(): ReadonlyMap<number, number> {
    return this.offsets;
  }

  async apply(ops: readonly MutationOp[]): Promise<void> {
    this.applyCalls++;
    await this.#o.gate;
    if (this.#o.applyDelayMs) await new Promise((r) => setTimeout(r, this.#o.applyDelayMs));
    for (const op of ops) {
      const refusal = this.#o.refuse?.(op);
      if (refusal) throw refusal;
      if (op.kind === "upsert") this.points.set(op.id, { vector: op.vector, payload: op.payload });
      else this.points.delete(op.id);
      this.log.push(op);
      this.#advance(op.partition, op.offset);
    }
  }

  markSkipped(partition: number, offset: number): void {
    this.skipped.push({ partition, offset });
    this.#advance(partition, offset);
  }

  #advance(partition: number, offset: number): void {
    const previous = this.offsets.get(partition);
    if (previous !== undefined && offset <= previous) throw new Error(`offset ${offset} after ${previous}`);
    this.offsets.set(partition, offset);
  }
}

export type ObserverEvent = [string, ...unknown[]];

export class RecordingObserver implements IngestObserver {
  readonly events: ObserverEvent[] = [];
  onApplied(c: string, operation: string, count: number): void {
    this.events.push(["applied", c, operation, count]);
  }
  onDeadLetter(c: string, reason: string): void {
    this.events.push(["deadLetter", c, reason]);
  }
  onBatchApplied(c: string, seconds: number, size: number): void {
    this.events.push(["batch", c, seconds, size]);
  }
  onFreshness(c: string, seconds: number): void {
    this.events.push(["freshness", c, seconds]);
  }
  onLag(c: string, partition: number, lag: number): void {
    this.events.push(["lag", c, partition, lag]);
  }
  onPaused(c: string, paused: boolean): void {
    this.events.push(["paused", c, paused]);
  }
  named(kind: string): ObserverEvent[] {
    return this.events.filter((e) => e[0] === kind);
  }
}

export class RecordingDeadLetters implements DeadLetterSink {
  readonly published: { originTopic: string; dlqTopic: string; letter: DeadLetter }[] = [];
  async publish(originTopic: string, dlqTopic: string, letters: readonly DeadLetter[]): Promise<void> {
    for (const letter of letters) this.published.push({ originTopic, dlqTopic, letter });
  }
}
