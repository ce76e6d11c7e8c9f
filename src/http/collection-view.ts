/**
 * The JSON view of one collection for `GET /collections/{name}`: configuration, sizes, and one entry
 * per partition from the collection's ledger (applied offset, log end, lag, caught up).
 *
 * Contract: field names are snake_case and stable (clients and the README's examples read them);
 * `applied_offsets` and `lag` keep their old map shape beside the per-partition list.
 */

import type { Collection } from "../collection/collection.js";

export function collectionInfo(collection: Collection): Record<string, unknown> {
  const s = collection.index.stats();
  const { M, efConstruction, ef } = collection.config;
  const records = collection.ledger.records();
  const lag: Record<string, number> = {};
  for (const r of records) {
    const l = collection.ledger.lag(r.partition);
    if (l !== undefined) lag[String(r.partition)] = l;
  }
  return {
    name: collection.name,
    topic: collection.topic,
    dlq_topic: collection.dlqTopic,
    dim: collection.dim,
    metric: collection.metric,
    params: { M, ef_construction: efConstruction, ef },
    points: s.livePoints,
    tombstones: s.tombstones,
    max_level: s.maxLevel,
    index_memory_bytes: s.memoryBytes,
    applied_offsets: Object.fromEntries([...collection.appliedOffsets()].map(([p, o]) => [String(p), o])),
    lag,
    partitions: records.map((r) => ({
      partition: r.partition,
      applied_offset: r.applied ?? null,
      high_watermark: r.highWatermark ?? null,
      lag: collection.ledger.lag(r.partition) ?? null,
      caught_up: r.caughtUp,
    })),
  };
}
