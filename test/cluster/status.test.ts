/**
 * The member status record: what a member reports of itself, and how a reader decodes what it finds
 * on the status topic (never throwing, one member per key).
 */

import { describe, expect, it } from "vitest";
import { buildStatusRecord, decodeStatus, encodeStatus, STATUS_VERSION } from "../../src/cluster/status.js";
import type { LocalPartition } from "../../src/cluster/status.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const self = { member: "a1", replicaGroup: "a", url: "http://127.0.0.1:8080", startedAt: 5 };

function partition(p: number, ownership: LocalPartition["ownership"], applied?: number): LocalPartition {
  return {
    partition: p,
    ownership,
    applied,
    highWatermark: 40,
    restoredAtMs: ownership === "held" ? 7 : undefined,
  };
}

describe("buildStatusRecord", () => {
  it("reports held and restoring partitions with their offsets, and leaves unassigned ones out", () => {
    const record = buildStatusRecord(
      self,
      [
        {
          name: "c",
          partitionCount: 4,
          membershipCurrent: true,
          partitions: [partition(2, "restoring"), partition(0, "held", 39), partition(1, "unassigned", 3)],
        },
      ],
      1234,
    );
    expect(record).toEqual({
      version: STATUS_VERSION,
      ...self,
      heartbeatAt: 1234,
      collections: {
        c: {
          partitionCount: 4,
          partitions: [
            { partition: 0, state: "held", applied: 39, highWatermark: 40, since: 7 },
            { partition: 2, state: "restoring", applied: null, highWatermark: 40, since: null },
          ],
        },
      },
    });
  });

  it("reports held partitions as stale while the group membership is not current", () => {
    const record = buildStatusRecord(
      self,
      [
        {
          name: "c",
          partitionCount: undefined,
          membershipCurrent: false,
          partitions: [partition(0, "held", 3)],
        },
      ],
      1,
    );
    expect(record.collections.c.partitions[0].state).toBe("stale");
    expect(record.collections.c.partitionCount).toBeNull();
  });
});

describe("decodeStatus", () => {
  const record = buildStatusRecord(
    self,
    [{ name: "c", partitionCount: 2, membershipCurrent: true, partitions: [partition(1, "held", 10)] }],
    99,
  );

  it("reads back what encodeStatus wrote", () => {
    const { key, value } = encodeStatus(record);
    expect(decodeStatus(bytes(key), bytes(value))).toEqual({ kind: "record", record });
  });

  it("takes a null value as the member's tombstone", () => {
    expect(decodeStatus(bytes("a1"), null)).toEqual({ kind: "tombstone", member: "a1" });
  });

  it("ignores fields it does not know, so a newer member's record still reads", () => {
    const newer = { ...record, version: STATUS_VERSION + 1, zone: "eu-1" };
    const decoded = decodeStatus(bytes("a1"), bytes(JSON.stringify(newer)));
    expect(decoded.kind).toBe("record");
  });

  it("refuses a record filed under another member's key, naming both", () => {
    const decoded = decodeStatus(bytes("b1"), bytes(encodeStatus(record).value));
    expect(decoded).toEqual({ kind: "invalid", member: "b1", reason: "record of member a1 under key b1" });
  });

  it("says which field is wrong in a malformed record, and what is not JSON, without throwing", () => {
    const bad = { ...record, heartbeatAt: "soon" };
    const decoded = decodeStatus(bytes("a1"), bytes(JSON.stringify(bad)));
    expect(decoded.kind).toBe("invalid");
    expect(decoded.kind === "invalid" && decoded.reason).toMatch(/^heartbeatAt: /);
    expect(decodeStatus(bytes("a1"), bytes("{not json")).kind).toBe("invalid");
    expect(decodeStatus(null, bytes("{}"))).toEqual({ kind: "invalid", member: null, reason: "no key" });
    expect(decodeStatus(bytes("a1"), Uint8Array.of(0xff, 0xfe)).kind).toBe("invalid");
  });
});
