import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { offsetsLostToRetention } from "../../src/stream/retention-gaps.js";

describe("offsetsLostToRetention", () => {
  it("counts the offsets between the expected one and a batch that starts at the log start", () => {
    // Applied through 99; retention moved the log start to 4000 and kafkajs reset the position there.
    expect(offsetsLostToRetention(100, 4000, 4000)).toBe(3900);
  });

  it("counts the gap when retention deleted even more after the batch was fetched", () => {
    expect(offsetsLostToRetention(100, 4000, 4500)).toBe(3900);
  });

  it("does not count a compaction gap, which begins past the log start", () => {
    // Compacted topic: log start stays 0, records 101..149 were compacted away.
    expect(offsetsLostToRetention(101, 150, 0)).toBe(0);
  });

  it("does not count a batch that starts where expected or earlier (a replay)", () => {
    expect(offsetsLostToRetention(100, 100, 100)).toBe(0);
    expect(offsetsLostToRetention(100, 40, 100)).toBe(0);
  });

  it("never counts a negative or a compaction gap, and counts retention gaps exactly", () => {
    fc.assert(
      fc.property(
        fc.nat(1e9),
        fc.nat(1e6),
        fc.integer({ min: -1e6, max: 1e6 }),
        (expected, gap, logStartShift) => {
          const first = expected + gap;
          const logStart = Math.max(0, first + logStartShift);
          const lost = offsetsLostToRetention(expected, first, logStart);
          expect(lost).toBe(gap > 0 && first <= logStart ? gap : 0);
        },
      ),
      { seed: 15 },
    );
  });
});
