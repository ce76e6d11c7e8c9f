import { describe, expect, it } from "vitest";
import { toRecordBatch, unappliedMessages } from "../../src/stream/batch.js";

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
