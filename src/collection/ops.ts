/**
 * The log entries a collection applies, in log order: what the ingest side decodes Kafka records into.
 *
 * Contract: the single writer (src/stream/pipeline.ts) hands a collection entries of one or more
 * partitions, each partition's in log order. A mutation carries its log position so the collection can
 * record, per partition, the last offset whose effect is visible. A `skip` entry moves that offset
 * without a mutation: a record that was dead-lettered, or offsets a fetched batch covers without a
 * message (transaction markers, compaction). An op the engine refuses is returned as a `Refusal`
 * value, never thrown, so the writer can dead-letter it and go on. Offsets are plain numbers: Kafka
 * offsets are int64, but a partition would need 2^53 messages to leave a double's exact range.
 */

/** A point's JSON payload, stored beside its vector and returned with search hits. */
export type Payload = Record<string, unknown>;

/** Where an entry came from in the log; carried through so offsets and freshness can be recorded. */
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
  /** Absent for raw float32 messages. */
  payload?: Payload;
}

export interface DeleteOp extends LogPosition {
  kind: "delete";
  id: string;
}

export type MutationOp = UpsertOp | DeleteOp;

/** Offsets up to `offset` on `partition` are consumed without a mutation. */
export interface SkipEntry {
  kind: "skip";
  partition: number;
  offset: number;
}

export type LogEntry = MutationOp | SkipEntry;

/** An op the engine refused (bad input it caught): the collection is unchanged by it. */
export interface Refusal {
  op: MutationOp;
  /** The engine's stable error code (`IndexError.code`), e.g. `DIMENSION_MISMATCH`. */
  code: string;
  message: string;
}

/** What one `apply` call did. */
export interface ApplyResult {
  upserts: number;
  deletes: number;
  refused: Refusal[];
}
