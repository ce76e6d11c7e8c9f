/**
 * Which Kafka partition each benchmark point lands on: the partition kafkajs's `DefaultPartitioner`
 * (Java-compatible murmur2, the one vecstream's producer and ingest use) chooses for the point's id
 * as its message key, i.e. `toPositive(murmur2(utf8(id))) % partitions`, as Java Kafka's default
 * partitioner does for keyed records.
 *
 * Contract: point `row` has the id `String(row)` (the ids `bench/lib/engines.ts` gives vecstream);
 * `assignPartitions` returns, per row, its partition in `[0, partitions)`, deterministically.
 */

import { Partitioners, type PartitionMetadata } from "kafkajs";

/** Kafka's partition numbers are int32, but the layouts here index them with a Uint8Array. */
export const MAX_PARTITIONS = 255;

function metadata(partitions: number): PartitionMetadata[] {
  return Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));
}

/** Partition of the message keyed `key` on a topic of `partitions` partitions. */
export function kafkaPartition(key: string, partitions: number): number {
  return assignKeys([key], partitions)[0];
}

function assignKeys(keys: readonly string[], partitions: number): Uint8Array {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
    throw new RangeError(`partitions must be an integer from 1 to ${MAX_PARTITIONS}, got ${partitions}`);
  }
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = metadata(partitions);
  return Uint8Array.from(keys, (key) =>
    partitioner({ topic: "bench", partitionMetadata, message: { key, value: null } }),
  );
}

/** Partition of every point `0..n-1` (id `String(row)`). */
export function assignPartitions(n: number, partitions: number): Uint8Array {
  return assignKeys(
    Array.from({ length: n }, (_, row) => String(row)),
    partitions,
  );
}
