/** Status records for the routing tests: one member, its replica group and what it holds. */

import type { PartitionStatus, StatusRecord } from "../../src/cluster/status.js";
import type { ReceivedStatus } from "../../src/cluster/routing-table.js";

export interface Held {
  partition: number;
  applied?: number | null;
  highWatermark?: number | null;
  since?: number | null;
  state?: PartitionStatus["state"];
}

export function statusOf(
  member: string,
  replicaGroup: string | null,
  held: (number | Held)[],
  options: { heartbeatAt?: number; receivedAt?: number; collection?: string; partitionCount?: number } = {},
): ReceivedStatus {
  const heartbeatAt = options.heartbeatAt ?? 1_000_000;
  const partitions = held.map((h): PartitionStatus => {
    const p = typeof h === "number" ? { partition: h } : h;
    return {
      partition: p.partition,
      state: p.state ?? "held",
      applied: p.applied === undefined ? 99 : p.applied,
      highWatermark: p.highWatermark === undefined ? 100 : p.highWatermark,
      since: p.since === undefined ? 500_000 : p.since,
    };
  });
  const record: StatusRecord = {
    version: 1,
    member,
    replicaGroup,
    url: `http://127.0.0.1/${member}`,
    startedAt: 0,
    heartbeatAt,
    collections: {
      [options.collection ?? "c"]: { partitionCount: options.partitionCount ?? 4, partitions },
    },
  };
  return { record, receivedAt: options.receivedAt ?? heartbeatAt };
}
