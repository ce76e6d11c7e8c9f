/**
 * The routing table: from the latest status record of every member, who holds which partition of
 * which collection now, and how far behind each holder is.
 *
 * Contract (pure; `buildRoutingTable(statuses, nowMs, expiryMs)`):
 * - A record's age is `nowMs` minus the earlier of its `heartbeatAt` (the writer's clock) and when
 *   this reader received it (its own clock): a record read back from the topic at start carries its
 *   old heartbeat and is expired at once, and a writer whose clock runs ahead cannot make its record
 *   live longer than the reader has seen it. Clocks must agree within a fraction of the expiry (NTP).
 *   A record older than `expiryMs` is ignored for routing (a SIGKILLed member leaves its key behind)
 *   but still listed, as expired, in `members` for the `/cluster` view.
 * - Only `held` partitions route. Within one replica group a partition has one owner, but during a
 *   rebalance the member that lost it may still claim it until its own record says otherwise. The
 *   claim that counts is the one that took the partition over most recently (larger `since`), then
 *   the one that has applied more (larger `applied`), then the fresher record, then the smaller member
 *   name (so every member picks the same one). Replica groups are independent copies: the counted
 *   claim of every group is a holder. A full replica (`replicaGroup` null) is a group of its own.
 * - A holder's lag is `highWatermark - 1 - applied` (never negative; undefined when the member did
 *   not know its log end). Holders of a partition are listed by lag, least first (unknown lag last),
 *   then by member name.
 * - A collection's partition count is the largest any live member reported (a topic's partitions
 *   only grow).
 */

import { offsetLag } from "../collection/partition-ledger.js";
import type { PartitionStatus, StatusRecord } from "./status.js";

/** A status record and when this reader received it (ms since the epoch). */
export interface ReceivedStatus {
  record: StatusRecord;
  receivedAt: number;
}

export interface Holder {
  member: string;
  replicaGroup: string | null;
  url: string;
  /** Last applied offset (undefined: nothing applied yet). */
  applied: number | undefined;
  lag: number | undefined;
  since: number | undefined;
}

export interface MemberEntry {
  member: string;
  replicaGroup: string | null;
  url: string;
  heartbeatAt: number;
  ageMs: number;
  expired: boolean;
  record: StatusRecord;
}

export interface CollectionRoutes {
  /** undefined when no live member has read the topic's partition count. */
  partitionCount: number | undefined;
  /** Per partition, its live holders, least lag first; partitions without a holder are absent. */
  holders: ReadonlyMap<number, readonly Holder[]>;
}

export interface RoutingTable {
  readonly builtAt: number;
  /** Every member with a record, live or expired, by name. */
  readonly members: readonly MemberEntry[];
  readonly collections: ReadonlyMap<string, CollectionRoutes>;
  holdersOf(collection: string, partition: number): readonly Holder[];
}

interface Claim {
  holder: Holder;
  heartbeatAt: number;
}

/** True when claim `a` counts over claim `b` for one partition within one replica group. */
function wins(a: Claim, b: Claim): boolean {
  const sa = a.holder.since ?? -Infinity;
  const sb = b.holder.since ?? -Infinity;
  if (sa !== sb) return sa > sb;
  const aa = a.holder.applied ?? -1;
  const ab = b.holder.applied ?? -1;
  if (aa !== ab) return aa > ab;
  if (a.heartbeatAt !== b.heartbeatAt) return a.heartbeatAt > b.heartbeatAt;
  return a.holder.member < b.holder.member;
}

function byLag(a: Holder, b: Holder): number {
  const la = a.lag ?? Infinity;
  const lb = b.lag ?? Infinity;
  if (la !== lb) return la < lb ? -1 : 1;
  return a.member < b.member ? -1 : a.member > b.member ? 1 : 0;
}

function holderOf(record: StatusRecord, p: PartitionStatus): Holder {
  const applied = p.applied === null || p.applied < 0 ? undefined : p.applied;
  return {
    member: record.member,
    replicaGroup: record.replicaGroup,
    url: record.url,
    applied,
    lag: p.highWatermark === null ? undefined : offsetLag(p.highWatermark, applied),
    since: p.since ?? undefined,
  };
}

export function buildRoutingTable(
  statuses: Iterable<ReceivedStatus>,
  nowMs: number,
  expiryMs: number,
): RoutingTable {
  const members: MemberEntry[] = [];
  // collection -> partition -> replica group -> counted claim
  const claims = new Map<string, Map<number, Map<string, Claim>>>();
  const counts = new Map<string, number | undefined>();
  for (const { record, receivedAt } of statuses) {
    const ageMs = nowMs - Math.min(record.heartbeatAt, receivedAt);
    const expired = ageMs > expiryMs;
    const { member, replicaGroup, url, heartbeatAt } = record;
    members.push({ member, replicaGroup, url, heartbeatAt, ageMs, expired, record });
    if (expired) continue;
    const group = replicaGroup ?? `member:${member}`;
    for (const [name, status] of Object.entries(record.collections)) {
      const count = status.partitionCount ?? undefined;
      const known = counts.get(name);
      counts.set(name, known === undefined ? count : Math.max(known, count ?? 0));
      let partitions = claims.get(name);
      if (partitions === undefined) claims.set(name, (partitions = new Map()));
      for (const p of status.partitions) {
        if (p.state !== "held") continue;
        const claim: Claim = { holder: holderOf(record, p), heartbeatAt };
        let groups = partitions.get(p.partition);
        if (groups === undefined) partitions.set(p.partition, (groups = new Map()));
        const current = groups.get(group);
        if (current === undefined || wins(claim, current)) groups.set(group, claim);
      }
    }
  }
  const collections = new Map<string, CollectionRoutes>();
  for (const [name, partitions] of claims) {
    const holders = new Map<number, Holder[]>();
    for (const [partition, groups] of partitions) {
      holders.set(partition, [...groups.values()].map((c) => c.holder).sort(byLag));
    }
    collections.set(name, { partitionCount: counts.get(name), holders });
  }
  members.sort((a, b) => (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
  return {
    builtAt: nowMs,
    members,
    collections,
    holdersOf: (collection, partition) => collections.get(collection)?.holders.get(partition) ?? [],
  };
}
