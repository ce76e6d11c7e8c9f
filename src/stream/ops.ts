/**
 * The contract between the ingest side (Kafka source, decoder, pipeline) and the collections it feeds.
 *
 * Contract: the pipeline hands a collection decoded, valid mutations in log order, one batch at a time,
 * and a collection applies a batch completely (and records its offsets) before the promise resolves.
 * Offsets are plain numbers: Kafka offsets are int64, but a partition would need 2^53 messages to
 * exceed a double's exact range.
 */

/** Where a message came from in the log; carried through so offsets and freshness can be recorded. */
export interface LogPosition {
  partition: number;
  offset: number;
  /** The Kafka message timestamp (producer create time or broker log-append time), in ms since epoch. */
  timestampMs: number;
}

export interface UpsertOp extends LogPosition {
  kind: "upsert";
  id: string;
  vector: Float32Array;
  /** JSON object stored beside the point and returned with search hits; absent for raw float32 messages. */
  payload?: Record<string, unknown>;
}

export interface DeleteOp extends LogPosition {
  kind: "delete";
  id: string;
}

export type MutationOp = UpsertOp | DeleteOp;

/** What the ingest pipeline needs from a collection. Implemented by `Collection` (src/collection.ts). */
export interface CollectionSink {
  readonly name: string;
  readonly topic: string;
  readonly dim: number;
  /** Last applied offset per partition (absent: nothing applied yet); ingest seeks to offset + 1. */
  appliedOffsets(): ReadonlyMap<number, number>;
  /**
   * Applies `ops` in order and records, per partition, the highest offset among them; resolves once all
   * are visible to searches. May yield to the event loop between slices so queries keep flowing.
   */
  apply(ops: readonly MutationOp[]): Promise<void>;
  /**
   * Records that offsets up to `offset` on `partition` are consumed without a mutation (an invalid
   * message sent to the dead-letter topic), so recovery does not replay it and read-your-writes on it
   * returns.
   */
  markSkipped(partition: number, offset: number): void;
}

/** Ingest events, reported to whoever watches (metrics); the pipeline does not depend on prom-client. */
export interface IngestObserver {
  onApplied(collection: string, operation: "upsert" | "delete", count: number): void;
  onDeadLetter(collection: string, reason: string): void;
  onBatchApplied(collection: string, seconds: number, size: number): void;
  /** Seconds from the message's Kafka timestamp to the moment it became searchable. */
  onFreshness(collection: string, seconds: number): void;
  onLag(collection: string, partition: number, lag: number): void;
  /** Backpressure: fetching of the collection's topic paused (queue above the high-water mark) or resumed. */
  onPaused?(collection: string, paused: boolean): void;
  /**
   * Offsets of `partition` deleted from the log (retention) before they were applied: the consumer was
   * reset to the log start past them, and their mutations are lost (offsets.ts `offsetsLostToRetention`).
   */
  onOffsetsSkipped?(collection: string, partition: number, count: number): void;
}
