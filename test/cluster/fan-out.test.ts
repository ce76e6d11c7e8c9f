/**
 * The fan-out over fake members: every partition answered once, a failed member's partitions moved
 * to another replica, missing partitions named, non-retriable errors passed on, calls bounded.
 */

import { describe, expect, it } from "vitest";
import { fanOut, PeerHealth } from "../../src/cluster/fan-out.js";
import type { FanOutDeps } from "../../src/cluster/fan-out.js";
import { PeerError } from "../../src/cluster/peer-client.js";
import { buildRoutingTable } from "../../src/cluster/routing-table.js";
import type { PlannedCall } from "../../src/cluster/route-plan.js";
import { statusOf } from "./records.js";

const table = buildRoutingTable(
  [
    statusOf("a1", "a", [0, 2]),
    statusOf("a2", "a", [1, 3]),
    statusOf("b1", "b", [0, 1]),
    statusOf("b2", "b", [2, 3]),
  ],
  1_000_000,
  10_000,
);

type Behaviour = (call: PlannedCall, options: { signal: AbortSignal; timeoutMs: number }) => Promise<string>;

function deps(
  self: string,
  behaviour: Record<string, Behaviour> = {},
  clock = { t: 0 },
): FanOutDeps<string> & { calls: string[] } {
  const calls: string[] = [];
  const run: Behaviour = (call, options) => {
    calls.push(`${call.member}:${call.partitions.join(",")}`);
    return (behaviour[call.member] ?? (async (c) => `${c.member}[${c.partitions.join(",")}]`))(call, options);
  };
  return {
    calls,
    self,
    table: () => table,
    local: (call) => run(call, { signal: new AbortController().signal, timeoutMs: 0 }),
    remote: run,
    callTimeoutMs: () => 500,
    now: () => clock.t,
  };
}

const down =
  (failure: "network" | "timeout" = "network"): Behaviour =>
  async (c) => {
    throw new PeerError(`http://${c.member}`, failure, "down");
  };

describe("fanOut", () => {
  it("asks each chosen member once and answers every partition in one round", async () => {
    const d = deps("a1");
    const result = await fanOut(d, { collection: "c", spread: 0, deadline: 1000 });
    expect(result.answers.map((a) => [a.member, a.partitions, a.answer])).toEqual([
      ["a1", [0, 2], "a1[0,2]"],
      ["a2", [1, 3], "a2[1,3]"],
    ]);
    expect([result.missing, result.failures, result.rounds]).toEqual([[], [], 1]);
  });

  it("moves the partitions of a member that failed to another replica, with no failed answer", async () => {
    const d = deps("a1", { a2: down() });
    const result = await fanOut(d, { collection: "c", spread: 0, deadline: 1000 });
    expect(result.answers.map((a) => a.answer).sort()).toEqual(["a1[0,2]", "b1[1]", "b2[3]"]);
    expect(result.missing).toEqual([]);
    expect(result.failures.map((f) => [f.member, f.partitions])).toEqual([["a2", [1, 3]]]);
    expect(result.rounds).toBe(2);
  });

  it("names the partitions whose every holder failed", async () => {
    const d = deps("a1", { a2: down(), b1: down("timeout") });
    const result = await fanOut(d, { collection: "c", spread: 0, deadline: 1000 });
    expect(result.missing).toEqual([1]);
    expect(result.answers.map((a) => a.answer).sort()).toEqual(["a1[0,2]", "b2[3]"]);
  });

  it("stops retrying once the deadline has passed, naming what was left", async () => {
    const clock = { t: 0 };
    const slow: Behaviour = async (c) => {
      clock.t = 2000;
      throw new PeerError(c.member, "timeout", "slow");
    };
    const result = await fanOut(deps("a1", { a2: slow }, clock), {
      collection: "c",
      spread: 0,
      deadline: 1000,
    });
    expect(result.missing).toEqual([1, 3]);
    expect(result.rounds).toBe(1);
  });

  it("bounds each remote call by its own timeout and by what is left of the deadline", async () => {
    const bounds: number[] = [];
    const record: Behaviour = async (c, o) => {
      bounds.push(o.timeoutMs);
      return c.member;
    };
    const clock = { t: 800 };
    await fanOut(deps("x", { a1: record, a2: record }, clock), {
      collection: "c",
      spread: 0,
      deadline: 1000,
    });
    expect(bounds).toEqual([200, 200]);
    clock.t = 0;
    bounds.length = 0;
    await fanOut(deps("x", { a1: record, a2: record }, clock), {
      collection: "c",
      spread: 0,
      deadline: 1000,
    });
    expect(bounds).toEqual([500, 500]);
  });

  it("aborts the calls still running when the fan-out ends with an error", async () => {
    let aborted = false;
    const hung: Behaviour = (_c, o) =>
      new Promise((_resolve, reject) => {
        o.signal.addEventListener("abort", () => {
          aborted = true;
          reject(new PeerError("a2", "aborted", "aborted"));
        });
      });
    const bad: Behaviour = async () => {
      throw new PeerError("a1", "status", "bad request", 400);
    };
    await expect(
      fanOut(deps("x", { a1: bad, a2: hung }), { collection: "c", spread: 0, deadline: 1000 }),
    ).rejects.toThrow("bad request");
    expect(aborted).toBe(true);
  });

  it("passes a non-retriable error on, as a single node would answer", async () => {
    const bad: Behaviour = async () => {
      throw new PeerError("a2", "status", "bad request", 400);
    };
    await expect(
      fanOut(deps("a1", { a2: bad }), { collection: "c", spread: 0, deadline: 1000 }),
    ).rejects.toThrow("bad request");
    const localFails: Behaviour = async () => {
      throw new Error("read-your-writes timeout");
    };
    await expect(
      fanOut(deps("a1", { a1: localFails }), { collection: "c", spread: 0, deadline: 1000 }),
    ).rejects.toThrow("read-your-writes timeout");
  });

  it("chooses a member that failed a recent request last, until it succeeds or the suspicion expires", async () => {
    const clock = { t: 0 };
    const health = new PeerHealth(5000, () => clock.t);
    const first = { ...deps("x", { a1: down() }, clock), health };
    await fanOut(first, { collection: "c", spread: 0, deadline: 1000 });
    expect(health.suspects()).toEqual(new Set(["a1"]));
    const second = { ...deps("x", {}, clock), health };
    await fanOut(second, { collection: "c", spread: 0, deadline: 1000 });
    expect(second.calls.some((c) => c.startsWith("a1"))).toBe(false);
    clock.t = 6000;
    expect(health.suspects()).toEqual(new Set());
  });
});
