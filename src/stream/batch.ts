/**
 * A record batch as ingest sees it: the pure part of kafkajs's `Batch` that the pipeline needs,
 * with offsets as numbers (see `ops.ts` on why doubles are exact enough).
 *
 * Contract: `lastOffset` is the offset to resolve once every message is applied; it includes records
 * kafkajs filtered out (transaction control records), which is why it can exceed the last message's
 * offset (kafkajs's runner does the same when it auto-resolves). Broker-free and unit-tested.
 */

import type { WireMessage } from "./wire.js";

export interface RecordBatch {
  topic: string;
  partition: number;
  /** The partition's high watermark at fetch time: the offset the next produced message will get. */
  highWatermark: number;
  lastOffset: number;
  messages: readonly WireMessage[];
}

/** The fields of a kafkajs `Batch` read here (structural, so tests need no broker). */
export interface KafkaBatchLike {
  topic: string;
  partition: number;
  highWatermark: string;
  messages: WireMessage[];
  lastOffset(): string;
}

export function toRecordBatch(batch: KafkaBatchLike): RecordBatch {
  return {
    topic: batch.topic,
    partition: batch.partition,
    highWatermark: Number(batch.highWatermark),
    lastOffset: Number(batch.lastOffset()),
    messages: batch.messages,
  };
}

/**
 * The messages after `applied` (the collection's last applied offset on this partition). Earlier ones
 * are replays (a fetch racing a seek, a rebalance) and must not be applied twice.
 */
export function unappliedMessages(batch: RecordBatch, applied: number | undefined): readonly WireMessage[] {
  if (applied === undefined || batch.messages.length === 0) return batch.messages;
  if (Number(batch.messages[0].offset) > applied) return batch.messages;
  return batch.messages.filter((m) => Number(m.offset) > applied);
}
