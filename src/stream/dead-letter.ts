/**
 * Dead-letter publishing: an invalid message goes, with its original key, value and headers, to the
 * collection's dead-letter topic (`<topic>.dlq` unless configured), with headers saying why and where
 * it came from:
 *
 * | header | value |
 * |---|---|
 * | `x-vecstream-reason` | stable code (`InvalidReason`, or `rejected` for an apply-time refusal) |
 * | `x-vecstream-error` | human-readable message |
 * | `x-vecstream-origin-topic`, `-partition`, `-offset`, `-timestamp` | the message's log position |
 *
 * Contract: `publish` resolves only once the broker acknowledged every record (acks = all), so the
 * pipeline may then mark the offsets consumed and commit: nothing is lost between the topics.
 */

import type { IHeaders, Message, Producer } from "kafkajs";
import type { InvalidMessage } from "./wire.js";

export const DLQ_HEADERS = {
  reason: "x-vecstream-reason",
  error: "x-vecstream-error",
  originTopic: "x-vecstream-origin-topic",
  originPartition: "x-vecstream-origin-partition",
  originOffset: "x-vecstream-origin-offset",
  originTimestamp: "x-vecstream-origin-timestamp",
} as const;

/** A message to dead-letter: a decode failure, or a valid-looking op the collection refused. */
export type DeadLetter = Pick<InvalidMessage, "message" | "partition" | "offset" | "original"> & {
  reason: string;
};

/** The DLQ record for `letter`; the original headers are kept, ours win on a name clash. */
export function deadLetterRecord(originTopic: string, letter: DeadLetter): Message {
  const { original } = letter;
  const headers: IHeaders = { ...(original.headers ?? {}) };
  headers[DLQ_HEADERS.reason] = letter.reason;
  // Header values are bytes; cap the text so a huge parser message cannot bloat the record.
  headers[DLQ_HEADERS.error] = letter.message.slice(0, 1000);
  headers[DLQ_HEADERS.originTopic] = originTopic;
  headers[DLQ_HEADERS.originPartition] = String(letter.partition);
  headers[DLQ_HEADERS.originOffset] = String(letter.offset);
  headers[DLQ_HEADERS.originTimestamp] = original.timestamp;
  return { key: original.key ?? null, value: original.value, headers };
}

/** Where dead letters go; `publish` is the only I/O, so the pipeline can be tested with a fake. */
export interface DeadLetterSink {
  publish(originTopic: string, dlqTopic: string, letters: readonly DeadLetter[]): Promise<void>;
}

/** The kafkajs implementation: one `send` per call, acks from all in-sync replicas. */
export class KafkaDeadLetterSink implements DeadLetterSink {
  readonly #producer: Producer;

  constructor(producer: Producer) {
    this.#producer = producer;
  }

  async publish(originTopic: string, dlqTopic: string, letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.#producer.send({
      topic: dlqTopic,
      acks: -1,
      messages: letters.map((l) => deadLetterRecord(originTopic, l)),
    });
  }
}
