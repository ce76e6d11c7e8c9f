/**
 * Test doubles for the ingest side: an in-memory collection (ours, not kafkajs: integration tests
 * still talk to a real broker) with a real `PartitionLedger`, a recording `IngestObserver`, a
 * recording dead-letter sink, and a silent logger.
 */
import { pino } from "pino";
import type { ApplyResult, LogEntry, MutationOp } from "../../../src/collection/ops.js";
import { PartitionLedger } from "../../../src/collection/partition-ledger.js";
import type { IngestCollection } from "../../../src/stream/ingest.js";
import type { IngestObserver } from "../../../src/stream/observer.js";
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
  /**
   * An error for an op, or undefined to apply it. One with a string `code` is a refusal (returned as
   * a value, as the engine's IndexErrors are); any other error is thrown (an unexpected failure).
   */
  refuse?: (op: MutationOp) => Error | undefined;
}

export class MemorySink implements IngestCollection {
  readonly name: string;
  readonly topic: string;
  readonly dim: number;
  readonly metric: Metric;
  readonly dlqTopic: string;
  readonly ledger: PartitionLedger;
  readonly points = new Map<string, { vector: Float32Array; payload?: Record<string, unknown> }>();
  /** Every op applied, in order. */
  readonly log: MutationOp[] = [];
  /** Every skip entry that moved an offset, in order (dead-lettered messages, batch ends past them). */
  readonly skipped: { partition: number; offset: number }[] = [];
  applyCalls = 0;
  readonly #o: MemorySinkOptions;

  constructor(options: MemorySinkOptions = {}) {
    this.#o = options;
    this.name = options.name ?? "demo";
    this.topic = options.topic ?? "vecstream.demo";
    this.dim = options.dim ?? 3;
    this.metric = options.metric ?? "l2";
    this.dlqTopic = options.dlqTopic ?? `${this.topic}.dlq`;
    this.ledger = new PartitionLedger({ label: this.name });
  }

  /** The applied offset per partition (the ledger's). */
  get offsets(): ReadonlyMap<number, number> {
    return this.ledger.appliedOffsets();
  }

  appliedOffsets(): ReadonlyMap<number, number> {
    return this.ledger.appliedOffsets();
  }

  async apply(entries: readonly LogEntry[]): Promise<ApplyResult> {
    this.applyCalls++;
    await this.#o.gate;
    if (this.#o.applyDelayMs) await new Promise((r) => setTimeout(r, this.#o.applyDelayMs));
    const result: ApplyResult = { upserts: 0, deletes: 0, refused: [] };
    for (const entry of entries) {
      if (entry.kind === "skip") {
        const applied = this.ledger.applied(entry.partition);
        if (applied === undefined || entry.offset > applied)
          this.skipped.push({ partition: entry.partition, offset: entry.offset });
      } else {
        const err = this.#o.refuse?.(entry);
        if (err && typeof (err as { code?: unknown }).code !== "string") throw err;
        if (err)
          result.refused.push({
            op: entry,
            code: (err as Error & { code: string }).code,
            message: err.message,
          });
        else this.#applyOne(entry, result);
      }
      this.ledger.raiseApplied(entry.partition, entry.offset);
    }
    return result;
  }

  #applyOne(op: MutationOp, result: ApplyResult): void {
    if (op.kind === "upsert") {
      this.points.set(op.id, { vector: op.vector, payload: op.payload });
      result.upserts++;
    } else {
      this.points.delete(op.id);
      result.deletes++;
    }
    this.log.push(op);
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
  onUntrustedTimestamp(c: string): void {
    this.events.push(["untrusted", c]);
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
