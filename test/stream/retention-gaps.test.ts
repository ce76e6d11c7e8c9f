import { describe, expect, it } from "vitest";
import type { Admin } from "kafkajs";
import { RetentionGapCheck, type BatchStart } from "../../src/stream/retention-gaps.js";
import { RecordingObserver, silentLogger } from "./support/memory-sink.js";

class SkipRecordingObserver extends RecordingObserver {
  onOffsetsSkipped(c: string, partition: number, count: number): void {
    this.events.push(["skipped", c, partition, count]);
  }
}

/** An admin whose only call is `fetchTopicOffsets`, answering with `low` for partition 0. */
function fakeAdmin(low: number | Error): { admin: Admin; calls: () => number } {
  let calls = 0;
  const admin = {
    fetchTopicOffsets: async () => {
      calls++;
      if (low instanceof Error) throw low;
      return [{ partition: 0, offset: "0", low: String(low), high: "100000" }];
    },
  } as unknown as Admin;
  return { admin, calls: () => calls };
}

const start = (expected: number | undefined, firstOffset: number | undefined): BatchStart => ({
  collection: "demo",
  topic: "t",
  partition: 0,
  expected,
  firstOffset,
});

/** Lets the background confirmation (one awaited admin call) finish. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("RetentionGapCheck", () => {
  it("reports the skipped offsets when the batch starts at the current log start", async () => {
    const { admin } = fakeAdmin(4000);
    const observer = new SkipRecordingObserver();
    new RetentionGapCheck(admin, observer, silentLogger).check(start(100, 4000));
    await settle();
    expect(observer.named("skipped")).toEqual([["skipped", "demo", 0, 3900]]);
  });

  it("reports nothing for a compaction gap, which starts past the log start", async () => {
    const { admin, calls } = fakeAdmin(0);
    const observer = new SkipRecordingObserver();
    new RetentionGapCheck(admin, observer, silentLogger).check(start(101, 150));
    await settle();
    expect(calls()).toBe(1);
    expect(observer.named("skipped")).toEqual([]);
  });

  it("asks the broker nothing when the batch starts where expected", async () => {
    const { admin, calls } = fakeAdmin(0);
    const check = new RetentionGapCheck(admin, new SkipRecordingObserver(), silentLogger);
    check.check(start(100, 100));
    check.check(start(100, 90));
    check.check(start(100, undefined));
    check.check(start(undefined, 500));
    await settle();
    expect(calls()).toBe(0);
  });

  it("counts nothing when the log start cannot be fetched", async () => {
    const { admin, calls } = fakeAdmin(new Error("broker gone"));
    const observer = new SkipRecordingObserver();
    new RetentionGapCheck(admin, observer, silentLogger).check(start(100, 4000));
    await settle();
    expect(calls()).toBe(1);
    expect(observer.named("skipped")).toEqual([]);
  });
});
