/**
 * Sending with known offsets: the producer CLI assigns each message's partition itself, with kafkajs's
 * default (Java-compatible murmur2) partitioner, so it knows how many messages of each send landed on
 * each partition and can turn the send result's base offsets into the LAST offset per partition. A
 * script uses those for read-your-writes (`min_offsets` on a search).
 *
 * Contract: `OffsetTrackingSender.send` resolves once the broker acknowledged the messages (acks = all);
 * `lastOffsets()` then holds, per partition, the offset of the last message this sender wrote there.
 */

import {
  Partitioners,
  type Message,
  type PartitionMetadata,
  type Producer,
  type RecordMetadata,
} from "kafkajs";

/** Per partition, the offset of the last of `counts.get(p)` messages whose first got `baseOffset`. */
export function lastOffsetsOf(
  counts: ReadonlyMap<number, number>,
  results: readonly Pick<RecordMetadata, "partition" | "baseOffset">[],
): Map<number, number> {
  const out = new Map<number, number>();
  for (const r of results) {
    const count = counts.get(r.partition);
    if (count === undefined || count === 0 || r.baseOffset === undefined) continue;
    out.set(r.partition, Number(r.baseOffset) + count - 1);
  }
  return out;
}

export class OffsetTrackingSender {
  readonly #producer: Producer;
  readonly #topic: string;
  readonly #partitions: PartitionMetadata[];
  readonly #partitioner = Partitioners.DefaultPartitioner();
  readonly #last = new Map<number, number>();
  #sent = 0;

  constructor(producer: Producer, topic: string, partitions: PartitionMetadata[]) {
    this.#producer = producer;
    this.#topic = topic;
    this.#partitions = partitions;
  }

  get sent(): number {
    return this.#sent;
  }

  async send(messages: readonly Message[]): Promise<void> {
    const counts = new Map<number, number>();
    const placed = messages.map((message) => {
      const partition = this.#partitioner({
        topic: this.#topic,
        partitionMetadata: this.#partitions,
        message,
      });
      counts.set(partition, (counts.get(partition) ?? 0) + 1);
      return { ...message, partition };
    });
    const results = await this.#producer.send({ topic: this.#topic, messages: placed, acks: -1 });
    for (const [partition, offset] of lastOffsetsOf(counts, results)) this.#last.set(partition, offset);
    this.#sent += messages.length;
  }

  /** Last offset written per partition, as a JSON-friendly object keyed by partition number. */
  lastOffsets(): Record<string, number> {
    return Object.fromEntries([...this.#last].sort(([a], [b]) => a - b).map(([p, o]) => [String(p), o]));
  }
}
