/**
 * Route plans: one holder per partition, this member first, least lag, replicas that have applied
 * the requested offsets, equal replicas spread across queries, and the partitions nobody holds.
 */

import { describe, expect, it } from "vitest";
import { planRoute } from "../../src/cluster/route-plan.js";
import { buildRoutingTable } from "../../src/cluster/routing-table.js";
import type { RoutePlan } from "../../src/cluster/route-plan.js";
import { statusOf } from "./records.js";

const NOW = 1_000_000;
const two = { partitionCount: 2 };

/** The cluster of ARCHITECTURE.md: replica groups a and b, two members each. */
const twoByTwo = () =>
  buildRoutingTable(
    [
      statusOf("a1", "a", [0, 2]),
      statusOf("a2", "a", [1, 3]),
      statusOf("b1", "b", [0, 1]),
      statusOf("b2", "b", [2, 3]),
    ],
    NOW,
    10_000,
  );

function shape(plan: RoutePlan) {
  return {
    local: plan.local?.partitions ?? [],
    remote: Object.fromEntries(plan.remote.map((c) => [c.member, c.partitions])),
    unavailable: plan.unavailable,
  };
}

describe("planRoute", () => {
  it("searches its own partitions in-process and asks its replica group's peer for the rest", () => {
    expect(shape(planRoute(twoByTwo(), { collection: "c", self: "a1" }))).toEqual({
      local: [0, 2],
      remote: { a2: [1, 3] },
      unavailable: [],
    });
  });

  it("spreads equal replicas across queries by replica group, covering each partition once", () => {
    const table = twoByTwo();
    const a = shape(planRoute(table, { collection: "c", self: "router", spread: 0 }));
    const b = shape(planRoute(table, { collection: "c", self: "router", spread: 1 }));
    expect(a.remote).toEqual({ a1: [0, 2], a2: [1, 3] });
    expect(b.remote).toEqual({ b1: [0, 1], b2: [2, 3] });
  });

  it("prefers the replica with the least lag", () => {
    const table = buildRoutingTable(
      [
        statusOf("a1", "a", [{ partition: 0, applied: 50, highWatermark: 100 }]),
        statusOf("b1", "b", [{ partition: 0, applied: 98, highWatermark: 100 }]),
      ],
      NOW,
      10_000,
    );
    expect(shape(planRoute(table, { collection: "c", self: "x", spread: 0 })).remote).toEqual({ b1: [0] });
  });

  it("prefers a replica that has applied the requested offsets, even over itself", () => {
    const table = buildRoutingTable(
      [
        statusOf(
          "a1",
          "a",
          [
            { partition: 0, applied: 10 },
            { partition: 1, applied: 10 },
          ],
          two,
        ),
        statusOf(
          "b1",
          "b",
          [
            { partition: 0, applied: 30 },
            { partition: 1, applied: 5 },
          ],
          two,
        ),
      ],
      NOW,
      10_000,
    );
    const plan = planRoute(table, { collection: "c", self: "a1", minOffsets: new Map([[0, 20]]) });
    expect(shape(plan)).toEqual({ local: [1], remote: { b1: [0] }, unavailable: [] });
    expect(plan.remote[0].minOffsets).toEqual(new Map([[0, 20]]));
  });

  it("still chooses a holder, which will wait, when no replica has applied the requested offsets", () => {
    const table = buildRoutingTable([statusOf("a1", "a", [{ partition: 0, applied: 10 }])], NOW, 10_000);
    const plan = planRoute(table, {
      collection: "c",
      self: "r",
      partitions: [0],
      minOffsets: new Map([[0, 99]]),
    });
    expect(shape(plan).remote).toEqual({ a1: [0] });
  });

  it("moves the partitions of a member that failed to another replica", () => {
    const plan = planRoute(twoByTwo(), { collection: "c", self: "a1", exclude: new Set(["a2"]) });
    expect(shape(plan)).toEqual({ local: [0, 2], remote: { b1: [1], b2: [3] }, unavailable: [] });
  });

  it("chooses a member that failed recent requests only for partitions nobody else holds", () => {
    const table = buildRoutingTable(
      [statusOf("a1", "a", [0, 1]), statusOf("b1", "b", [0]), statusOf("me", "m", [])],
      NOW,
      10_000,
    );
    const plan = planRoute(table, {
      collection: "c",
      self: "me",
      partitions: [0, 1],
      avoid: new Set(["a1"]),
    });
    expect(shape(plan).remote).toEqual({ b1: [0], a1: [1] });
  });

  it("lists the partitions no live holder is left for", () => {
    const plan = planRoute(twoByTwo(), { collection: "c", self: "a1", exclude: new Set(["a2", "b1"]) });
    expect(shape(plan)).toEqual({ local: [0, 2], remote: { b2: [3] }, unavailable: [1] });
    const none = planRoute(twoByTwo(), { collection: "nope", self: "a1", partitions: [0, 1] });
    expect(none.unavailable).toEqual([0, 1]);
  });

  it("covers partitions up to the partition count even when nobody holds the last ones", () => {
    const table = buildRoutingTable([statusOf("a1", null, [0, 1], { partitionCount: 3 })], NOW, 10_000);
    expect(planRoute(table, { collection: "c", self: "a1" }).unavailable).toEqual([2]);
  });
});
