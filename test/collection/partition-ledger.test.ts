import { describe, expect, it } from "vitest";
import {
  MAX_PENDING_LISTED,
  PartitionLedger,
  ReadYourWritesTimeoutError,
  offsetLag,
} from "../../src/collection/partition-ledger.js";

const ledger = () => new PartitionLedger({ label: "c" });

describe("PartitionLedger", () => {
  it("only ever raises a partition's applied offset", () => {
    const l = ledger();
    l.raiseApplied(0, 5);
    l.raiseApplied(0, 3);
    expect(l.applied(0)).toBe(5);
    expect([...l.appliedOffsets()]).toEqual([[0, 5]]);
  });

  it("reports the last offset applied or queued, whichever is further", () => {
    const l = ledger();
    expect(l.lastQueued(0)).toBeUndefined();
    l.noteEnqueued(0, 9);
    expect(l.lastQueued(0)).toBe(9);
    l.raiseApplied(0, 4);
    expect(l.lastQueued(0)).toBe(9);
    l.raiseApplied(0, 12);
    expect(l.lastQueued(0)).toBe(12);
  });

  it("computes lag from the last known log end, and none before one is known", () => {
    const l = ledger();
    l.raiseApplied(0, 4);
    expect(l.lag(0)).toBeUndefined();
    l.noteHighWatermark(0, 10);
    expect(l.lag(0)).toBe(5);
  });

  it("counts the messages from the next offset to the high watermark, never below zero", () => {
    expect(offsetLag(10, 4)).toBe(5);
    expect(offsetLag(10, 9)).toBe(0);
    expect(offsetLag(10, 12)).toBe(0);
    expect(offsetLag(10, undefined)).toBe(10);
    expect(offsetLag(10, undefined, 6)).toBe(4);
  });

  it("wakes a waiter only once every partition it names has reached its offset", async () => {
    const l = ledger();
    let woke = false;
    const waiting = l
      .waitFor(
        new Map([
          [0, 2],
          [1, 1],
        ]),
        10_000,
      )
      .then(() => (woke = true));
    l.raiseApplied(1, 1);
    await Promise.resolve();
    expect(woke).toBe(false);
    l.raiseApplied(0, 2);
    await waiting;
    expect(woke).toBe(true);
  });

  it("lists at most a bounded number of pending partitions in a timeout and counts the rest", async () => {
    const l = ledger();
    const wanted = new Map(Array.from({ length: 100 }, (_, p) => [p, 1] as [number, number]));
    const err = await l.waitFor(wanted, 5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadYourWritesTimeoutError);
    const details = (err as ReadYourWritesTimeoutError).details;
    expect(Object.keys(details.pending as object)).toHaveLength(MAX_PENDING_LISTED);
    expect(details.pending_count).toBe(100);
    expect((err as Error).message).toContain(`and ${100 - MAX_PENDING_LISTED} more`);
  });

  it("rejects a wait with the abort reason when its signal aborts", async () => {
    const l = ledger();
    const abort = new AbortController();
    const waiting = l.waitFor(new Map([[0, 1]]), Infinity, abort.signal);
    abort.abort(new Error("writer failed"));
    await expect(waiting).rejects.toThrow("writer failed");
  });

  it("counts a partition caught up once applied reaches the log end seen when reading began", () => {
    const l = ledger();
    l.expectCatchUp(0, 0, 10);
    l.expectCatchUp(1, 5, 5); // empty: caught up at once
    expect(l.caughtUp([1])).toBe(true);
    expect(l.caughtUp([0, 1])).toBe(false);
    expect([...l.behind([0, 1])]).toEqual([[0, 9]]);
    l.raiseApplied(0, 9);
    expect(l.caughtUp([0, 1])).toBe(true);
  });

  it("counts a partition caught up when everything up to its log end was applied before", () => {
    const l = ledger();
    l.restore(new Map([[0, 41]]));
    l.expectCatchUp(0, 0, 42);
    expect(l.caughtUp([0])).toBe(true);
  });
});
