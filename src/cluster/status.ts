/**
 * The member status record: what one member tells every other member through the compacted status
 * topic (`cluster.statusTopic`, keyed by member name), as Kafka Connect's workers do. The routing
 * table (routing-table.ts) is built from the latest record of every member.
 *
 * Contract:
 * - A record names the member, its replica group (null: a full replica in a group of its own), the URL
 *   peers reach it at, when it started and when it wrote the record (`heartbeatAt`, ms since the
 *   epoch), and per collection the topic's partition count as it saw it and each partition it has
 *   been assigned: `held` (restored and applying: searchable), `restoring` (not yet whole) or `stale`
 *   (its group membership is not current, so it may no longer own it); with the last applied offset,
 *   the log end it last saw, and `since`, when it began holding the partition.
 * - `version` is the record format. A reader accepts this version and any later one whose fields it
 *   knows (unknown fields are ignored, so a newer member can add fields without breaking older
 *   readers); a later format that changes a field's meaning must change the key space instead.
 * - `decodeStatus` never throws: a bad record is returned as `invalid` with the reason, a null value
 *   is the member's tombstone (written at graceful shutdown), and a record whose member differs from
 *   its key is invalid (one member cannot speak for another).
 * Pure: no I/O.
 */

import { z } from "zod";

export const STATUS_VERSION = 1;

export type PartitionState = "held" | "restoring" | "stale";

const offset = z.number().int().min(-1).nullable();

const partitionStatusSchema = z.object({
  partition: z.number().int().nonnegative(),
  state: z.enum(["held", "restoring", "stale"]),
  /** The last offset applied (null: nothing yet). */
  applied: offset,
  /** The log end last seen (the next offset to be written), null before it is known. */
  highWatermark: offset,
  /** When this member began holding the partition (ms since the epoch); null while restoring. */
  since: z.number().nullable(),
});

const collectionStatusSchema = z.object({
  /** The topic's partition count as this member last read it (null: not read yet). */
  partitionCount: z.number().int().positive().nullable(),
  partitions: z.array(partitionStatusSchema),
});

export const statusRecordSchema = z.object({
  version: z.number().int().min(STATUS_VERSION),
  member: z.string().min(1),
  replicaGroup: z.string().min(1).nullable(),
  url: z.url(),
  startedAt: z.number(),
  heartbeatAt: z.number(),
  collections: z.record(z.string(), collectionStatusSchema),
});

export type PartitionStatus = z.infer<typeof partitionStatusSchema>;
export type CollectionStatus = z.infer<typeof collectionStatusSchema>;
export type StatusRecord = z.infer<typeof statusRecordSchema>;

export type DecodedStatus =
  | { kind: "record"; record: StatusRecord }
  | { kind: "tombstone"; member: string }
  | { kind: "invalid"; member: string | null; reason: string };

const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeStatus(record: StatusRecord): { key: string; value: string } {
  return { key: record.member, value: JSON.stringify(record) };
}

/** One status-topic message, decoded; never throws. */
export function decodeStatus(key: Uint8Array | null, value: Uint8Array | null): DecodedStatus {
  let member: string | null = null;
  try {
    if (key === null || key.length === 0) return { kind: "invalid", member, reason: "no key" };
    member = decoder.decode(key);
    if (value === null) return { kind: "tombstone", member };
    const parsed = statusRecordSchema.safeParse(JSON.parse(decoder.decode(value)));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { kind: "invalid", member, reason: `${issue.path.join(".") || "record"}: ${issue.message}` };
    }
    if (parsed.data.member !== member) {
      return {
        kind: "invalid",
        member,
        reason: `record of member ${parsed.data.member} under key ${member}`,
      };
    }
    return { kind: "record", record: parsed.data };
  } catch (err) {
    return { kind: "invalid", member, reason: (err as Error).message };
  }
}

/** What a member knows of one partition of a collection (a `PartitionLedger` record fits). */
export interface LocalPartition {
  partition: number;
  ownership: "unassigned" | "restoring" | "held";
  applied: number | undefined;
  highWatermark: number | undefined;
  restoredAtMs: number | undefined;
}

export interface LocalCollection {
  name: string;
  partitionCount: number | undefined;
  partitions: Iterable<LocalPartition>;
  /** False while the member's group membership is not current: held partitions are reported stale. */
  membershipCurrent: boolean;
}

export interface LocalMember {
  member: string;
  replicaGroup: string | null;
  url: string;
  startedAt: number;
}

/** The record a member writes now about itself. Unassigned partitions are left out. */
export function buildStatusRecord(
  self: LocalMember,
  collections: Iterable<LocalCollection>,
  nowMs: number,
): StatusRecord {
  const out: Record<string, CollectionStatus> = {};
  for (const c of collections) {
    const partitions: PartitionStatus[] = [];
    for (const p of c.partitions) {
      if (p.ownership === "unassigned") continue;
      const state: PartitionState =
        p.ownership === "restoring" ? "restoring" : c.membershipCurrent ? "held" : "stale";
      partitions.push({
        partition: p.partition,
        state,
        applied: p.applied ?? null,
        highWatermark: p.highWatermark ?? null,
        since: p.ownership === "held" ? (p.restoredAtMs ?? null) : null,
      });
    }
    partitions.sort((a, b) => a.partition - b.partition);
    out[c.name] = { partitionCount: c.partitionCount ?? null, partitions };
  }
  return { version: STATUS_VERSION, ...self, heartbeatAt: nowMs, collections: out };
}
