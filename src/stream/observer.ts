/**
 * Ingest events, reported to whoever watches (metrics, the snapshot scheduler's message trigger); the
 * ingest code does not depend on prom-client.
 */

export interface IngestObserver {
  onApplied(collection: string, operation: "upsert" | "delete", count: number): void;
  onDeadLetter(collection: string, reason: string): void;
  /** One writer chunk: its duration and the Kafka messages in it. */
  onBatchApplied(collection: string, seconds: number, size: number): void;
  /** Seconds from the message's Kafka timestamp to the moment it became searchable. */
  onFreshness(collection: string, seconds: number): void;
  /** A message timestamp too far in the past or future to be believed (not observed as freshness). */
  onUntrustedTimestamp?(collection: string): void;
  onLag(collection: string, partition: number, lag: number): void;
  /** Backpressure: fetching of the collection's topic paused (queue above the high-water mark) or resumed. */
  onPaused?(collection: string, paused: boolean): void;
  /**
   * Offsets of `partition` deleted from the log (retention) before they were applied: the consumer was
   * reset to the log start past them, and their mutations are lost (`offsetsLostToRetention`).
   */
  onOffsetsSkipped?(collection: string, partition: number, count: number): void;
}
