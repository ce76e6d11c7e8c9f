/**
 * The routing table: live holders per partition across replica groups, expired records ignored, and
 * one counted claim per replica group when two members claim a partition during a rebalance.
 */

import { describe, expect, it } from "vitest";
import { buildRoutingTable } from "../../src/cluster/routing-table.js";
import { statusOf } from "./records.js";

const NOW = 1_000_000;
const EXPIRY = 10_000;
const members = (holders: readonly { member: string }[]) => holders.map((h) => h.member);

describe("buildRoutingTable", () => {
  it("lists one holder per replica group for each partition, across groups", () => {
    const table = buildRoutingTable(
      [
        statusOf("a1", "a", [0, 2]),
        statusOf("a2", "a", [1, 3]),
        statusOf("b1", "b", [0, 1]),
        statusOf("b2", "b", [2, 3]),
      ],
      NOW,
      EXPIRY,
    );
    expect(members(table.holdersOf("c", 0))).toEqual(["a1", "b1"]);
    expect(members(table.holdersOf("c", 3))).toEqual(["a2", "b2"]);
    expect(table.collections.get("c")?.partitionCount).toBe(4);
    expect(table.holdersOf("other", 0)).toEqual([]);
  });

  it("ignores a member whose record is older than the expiry, but still lists it as expired", () => {
    const table = buildRoutingTable(
      [statusOf("a1", null, [0, 1]), statusOf("dead", null, [0, 1], { heartbeatAt: NOW - EXPIRY - 1 })],
      NOW,
      EXPIRY,
    );
    expect(members(table.holdersOf("c", 0))).toEqual(["a1"]);
    expect(table.members.map((m) => [m.member, m.expired])).toEqual([
      ["a1", false],
      ["dead", true],
    ]);
  });

  it("takes the earlier of the writer's heartbeat and the time the record was received as its age", () => {
    // An old record read back at start (received now, heartbeat long ago) is expired...
    const old = statusOf("old", null, [0], { heartbeatAt: NOW - 60_000, receivedAt: NOW });
    // ...and a writer whose clock runs ahead lives no longer than the reader has seen its record.
    const ahead = statusOf("ahead", null, [0], { heartbeatAt: NOW + 60_000, receivedAt: NOW - EXPIRY - 5 });
    const table = buildRoutingTable([old, ahead], NOW, EXPIRY);
    expect(table.holdersOf("c", 0)).toEqual([]);
  });

  it("counts, within one replica group, the claim that took the partition over most recently", () => {
    const table = buildRoutingTable(
      [
        statusOf("a1", "a", [{ partition: 0, since: 100, applied: 500 }]),
        statusOf("a2", "a", [{ partition: 0, since: 200, applied: 10 }]),
      ],
      NOW,
      EXPIRY,
    );
    expect(members(table.holdersOf("c", 0))).toEqual(["a2"]);
  });

  it("breaks a tie of takeover times by the larger applied offset, then by member name", () => {
    const tie = buildRoutingTable(
      [
        statusOf("a1", "a", [{ partition: 0, since: 100, applied: 5 }]),
        statusOf("a2", "a", [{ partition: 0, since: 100, applied: 9 }]),
      ],
      NOW,
      EXPIRY,
    );
    expect(members(tie.holdersOf("c", 0))).toEqual(["a2"]);
    const names = buildRoutingTable(
      [statusOf("a2", "a", [{ partition: 0 }]), statusOf("a1", "a", [{ partition: 0 }])],
      NOW,
      EXPIRY,
    );
    expect(members(names.holdersOf("c", 0))).toEqual(["a1"]);
  });

  it("routes only held partitions, not restoring or stale ones", () => {
    const table = buildRoutingTable(
      [
        statusOf("a1", null, [{ partition: 0, state: "restoring" }]),
        statusOf("b1", null, [{ partition: 0, state: "stale" }]),
        statusOf("c1", null, [{ partition: 0 }]),
      ],
      NOW,
      EXPIRY,
    );
    expect(members(table.holdersOf("c", 0))).toEqual(["c1"]);
  });

  it("orders the holders of a partition by lag, least first, unknown lag last", () => {
    const table = buildRoutingTable(
      [
        statusOf("x", null, [{ partition: 0, applied: 49, highWatermark: 100 }]),
        statusOf("y", null, [{ partition: 0, applied: 99, highWatermark: 100 }]),
        statusOf("z", null, [{ partition: 0, applied: 99, highWatermark: null }]),
        statusOf("w", null, [{ partition: 0, applied: null, highWatermark: 10 }]),
      ],
      NOW,
      EXPIRY,
    );
    const holders = table.holdersOf("c", 0);
    expect(holders.map((h) => [h.member, h.lag])).toEqual([
      ["y", 0],
      ["w", 10],
      ["x", 50],
      ["z", undefined],
    ]);
    expect(holders.find((h) => h.member === "w")?.applied).toBeUndefined();
  });

  it("takes the largest partition count any live member reported", () => {
    const table = buildRoutingTable(
      [statusOf("a", null, [0], { partitionCount: 4 }), statusOf("b", null, [0], { partitionCount: 6 })],
      NOW,
      EXPIRY,
    );
    expect(table.collections.get("c")?.partitionCount).toBe(6);
  });
});
