import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CatchUpTracker, ContiguousProgress, offsetLag } from "../../src/stream/offsets.js";
import { toRecordBatch, unappliedMessages } from "../../src/stream/batch.js";

describe("ContiguousProgress", () => {
  it("advances the commit point only across a done prefix of registered offsets", () => {
    const p = new ContiguousProgress();
    p.register([3, 4, 7, 9]); // gaps, as after compaction
    p.markDone(4);
    expect(p.committed).toBeUndefined();
    p.markDone(3);
    expect(p.committed).toBe(4);
    p.markDone(9);
    expect(p.committed).toBe(4);
    p.markDone(7);
    expect(p.committed).toBe(9);
    expect(p.outstanding).toBe(0);
  });

  it("commits the largest done prefix whatever the completion order", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(10_000), { minLength: 1, maxLength: 60 }), fc.nat(), (raw, cut) => {
        const offsets = [...raw].sort((a, b) => a - b);
        const p = new ContiguousProgress();
        p.register(offsets);
        const doneCount = cut % (offsets.length + 1);
        const done = new Set(offsets.filter((_, i) => i % 2 === 0 || i < doneCount));
        for (const o of [...done].reverse()) p.markDone(o);
        let expected: number | undefined;
        for (const o of offsets) {
          if (!done.has(o)) break;
          expected = o;
        }
        expect(p.committed).toBe(expected);
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it("refuses an offset that does not increase", () => {
    const p = new ContiguousProgress();
    p.register([5]);
    expect(() => p.register([5])).toThrow(RangeError);
  });

  it("resolves whenDoneThrough once every registered offset up to it is done", async () => {
    const p = new ContiguousProgress();
    p.register([1, 2, 3]);
    let resolved = false;
    const waiting = p.whenDoneThrough(2).then(() => (resolved = true));
    p.markDone(2);
    await Promise.resolve();
    expect(resolved).toBe(false);
    p.markDone(1);
    await waiting;
    expect(resolved).toBe(true);
    // Nothing registered at or below 0, and offset 10 was never registered: both resolve at once.
    await p.whenDoneThrough(0);
    p.markDone(3);
    await p.whenDoneThrough(10);
  });
});

describe("offsetLag", () => {
  it("counts the messages from the next offset to the high watermark, never below zero", () => {
    expect(offsetLag(10, 4)).toBe(5);
    expect(offsetLag(10, 9)).toBe(0);
    expect(offsetLag(10, 12)).toBe(0);
    expect(offsetLag(10, undefined)).toBe(10);
    expect(offsetLag(10, undefined, 6)).toBe(4);
  });
});

describe("CatchUpTracker", () => {
  const bounds = new Map([
    [0, { low: 0, high: 5 }],
    [1, { low: 3, high: 3 }], // empty (retention removed everything)
    [2, { low: 0, high: 2 }],
  ]);

  it("is not caught up before the first assignment", () => {
    const t = new CatchUpTracker(bounds);
    expect(
      t.update(
        new Map([
          [0, 4],
          [2, 1],
        ]),
      ),
    ).toBe(false);
  });

  it("is caught up once every assigned partition reached the start high watermark minus one", () => {
    const t = new CatchUpTracker(bounds);
    t.assign([0, 1, 2]);
    expect(t.update(new Map([[0, 4]]))).toBe(false);
    expect(t.behind(new Map([[0, 4]]))).toEqual(new Map([[2, 1]]));
    expect(
      t.update(
        new Map([
          [0, 4],
          [2, 1],
        ]),
      ),
    ).toBe(true);
    expect(t.update(new Map())).toBe(true); // sticky
  });

  it("counts only the partitions assigned to this member", () => {
    const t = new CatchUpTracker(bounds);
    t.assign([2]);
    expect(t.update(new Map([[2, 1]]))).toBe(true);
  });
});

describe("record batches", () => {
  const msg = (offset: number) => ({ key: null, value: null, offset: String(offset), timestamp: "0" });
  const batch = toRecordBatch({
    topic: "t",
    partition: 2,
    highWatermark: "20",
    messages: [msg(10), msg(11), msg(13)],
    lastOffset: () => "14", // a control record after the last message
  });

  it("converts a kafkajs batch with numeric offsets and the last offset including control records", () => {
    expect(batch).toMatchObject({ topic: "t", partition: 2, highWatermark: 20, lastOffset: 14 });
  });

  it("drops the messages at or below the applied offset (replays) and keeps the rest", () => {
    expect(unappliedMessages(batch, undefined).map((m) => m.offset)).toEqual(["10", "11", "13"]);
    expect(unappliedMessages(batch, 11).map((m) => m.offset)).toEqual(["13"]);
    expect(unappliedMessages(batch, 9)).toBe(batch.messages);
    expect(unappliedMessages(batch, 13)).toEqual([]);
  });
});
