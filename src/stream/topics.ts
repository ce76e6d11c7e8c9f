/**
 * Topic housekeeping at ingest start, through the kafkajs admin client: make sure the collection and
 * dead-letter topics exist, and read each collection topic's log bounds (low and high watermarks).
 *
 * Contract: `ensureTopics` creates only missing topics (one partition, the broker's replication
 * default) and never fails the start: a broker that refuses CreateTopics may still auto-create on
 * first use, so the refusal is logged. `fetchBounds` fails when the topic cannot be read.
 */

import type { Admin } from "kafkajs";
import type { Logger } from "pino";

export async function ensureTopics(admin: Admin, topics: readonly string[], log: Logger): Promise<void> {
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    log.warn({ topics: missing }, "creating missing topics with one partition");
    await admin.createTopics({
      topics: missing.map((topic) => ({ topic, numPartitions: 1 })),
      waitForLeaders: true,
    });
  } catch (err) {
    log.warn(
      { err: (err as Error).message, topics },
      "could not check or create topics; relying on auto-creation",
    );
  }
}

/** Log bounds of a partition as `admin.fetchTopicOffsets` reports them: `[low, high)`. */
export interface PartitionBounds {
  low: number;
  high: number;
}

export async function fetchBounds(admin: Admin, topic: string): Promise<Map<number, PartitionBounds>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]));
}
