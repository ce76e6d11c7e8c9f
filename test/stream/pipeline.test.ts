import { describe, expect, it } from "vitest";
import { CollectionWriter, type PipelineSettings } from "../../src/stream/pipeline.js";
import type { RecordBatch } from "../../src/stream/batch.js";
import type { WireMessage } from "../../src/stream/wire.js";
import { IndexError } from "../../src/index/errors.js";
import { deadLetterRecord, DLQ_HEADERS } from "../../src/stream/dead-letter.js";
import {
  MemorySink,
  RecordingDeadLetters,
  RecordingObserver,
  silentLogger,
  type MemorySinkOptions,
} from "./support/memory-sink.js";

const settings: PipelineSettings = {
  batchMaxMessages: 4,
  batchMaxMs: 5,
  highWaterMark: 1000,
  lowWaterMark: 100,
  maxMessageBytes: 4096,
};

function upsert(offset: number, id = `p${offset}`, vector = [offset, 1, 2]): WireMessage {
  return {
    key: Buffer.from(id),
    value: Buffer.from(JSON.stringify({ vector })),
    offset: String(offset),
    timestamp: "1000",
  };
}
function tombstone(offset: number, id: string): WireMessage {
  return { key: Buffer.from(id), value: null, offset: String(offset), timestamp: "1000" };
}
function garbage(offset: number): WireMessage {
  return {
    key: Buffer.from(`g${offset}`),
    value: Buffer.from("not json"),
    offset: String(offset),
    timestamp: "1000",
  };
}
function batchOf(partition: number, messages: WireMessage[], highWatermark = 100): RecordBatch {
  const lastOffset = Number(messages[messages.length - 1].offset);
  return { topic: "vecstream.demo", partition, highWatermark, lastOffset, messages };
}

function setup(sinkOptions: MemorySinkOptions = {}, overrides: Partial<PipelineSettings> = {}) {
  const sink = new MemorySink(sinkOptions);
  const observer = new RecordingObserver();
  const deadLetters = new RecordingDeadLetters();
  const errors: unknown[] = [];
  const pauses: number[] = [];
  const resumes: number[] = [];
  const writer = new CollectionWriter({
    target: sink,
    topic: sink.topic,
    dlqTopic: "vecstream.demo.dlq",
    deadLetters,
    observer,
    settings: { ...settings, ...overrides },
    logger: silentLogger,
    onError: (err) => errors.push(err),
    now: () => 3000,
  });
  const push = (batch: RecordBatch) =>
    writer.push({
      batch,
      pause: () => {
        pauses.push(batch.partition);
        return () => resumes.push(batch.partition);
      },
    });
  return { sink, observer, deadLetters, errors, writer, push, pauses, resumes };
}

describe("CollectionWriter", () => {
  it("applies a batch in log order and resolves push only once all of it is applied", async () => {
    const { sink, push, writer, observer } = setup();
    const messages = [
      upsert(0),
      upsert(1),
      tombstone(2, "p0"),
      upsert(3),
      upsert(4, "p1", [9, 9, 9]),
      upsert(5),
    ];
    await push(batchOf(0, messages));
    expect(sink.log.map((op) => op.offset)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sink.offsets.get(0)).toBe(5);
    expect([...sink.points.keys()].sort()).toEqual(["p1", "p3", "p5"]);
    expect(Array.from(sink.points.get("p1")!.vector)).toEqual([9, 9, 9]);
    expect(sink.ledger.applied(0)).toBe(5);
    expect(writer.queued).toBe(0);
    // Chunks of at most batchMaxMessages.
    expect(observer.named("batch").every((e) => (e[3] as number) <= 4)).toBe(true);
    const applied = observer.named("applied").reduce((n, e) => n + (e[3] as number), 0);
    expect(applied).toBe(6);
    expect(observer.named("freshness")[0]).toEqual(["freshness", "demo", 2]);
  });

  it("applies the batches pushed in one turn as one chunk without waiting out batchMaxMs while idle", async () => {
    // A batchMaxMs far beyond the test timeout: only the idle flush can apply these.
    const { sink, push, observer } = setup({}, { batchMaxMs: 600_000, batchMaxMessages: 1000 });
    await Promise.all([push(batchOf(0, [upsert(0), upsert(1)])), push(batchOf(1, [upsert(2), upsert(3)]))]);
    expect(sink.log).toHaveLength(4);
    expect(observer.named("batch").map((e) => e[3])).toEqual([4]);
  });

  it("dead-letters invalid messages, marks them skipped, and applies the valid ones around them", async () => {
    const { sink, push, deadLetters, observer } = setup({ metric: "cosine" });
    const zero = upsert(3, "z", [0, 0, 0]);
    await push(batchOf(1, [upsert(1), garbage(2), zero, upsert(4)]));
    expect(sink.log.map((op) => op.offset)).toEqual([1, 4]);
    expect(sink.skipped).toEqual([
      { partition: 1, offset: 2 },
      { partition: 1, offset: 3 },
    ]);
    expect(deadLetters.published).toHaveLength(2);
    expect(deadLetters.published.map((p) => p.letter.reason)).toEqual(["bad_json", "zero_vector"]);
    expect(deadLetters.published[1].letter.original).toBe(zero);
    expect(observer.named("deadLetter")).toEqual([
      ["deadLetter", "demo", "bad_json"],
      ["deadLetter", "demo", "zero_vector"],
    ]);
    expect(sink.offsets.get(1)).toBe(4);
  });

  it("does not apply again the messages at or below the collection's applied offset", async () => {
    const { sink, push } = setup();
    await push(batchOf(0, [upsert(0), upsert(1)]));
    await push(batchOf(0, [upsert(0), upsert(1), upsert(2)]));
    expect(sink.log.map((op) => op.offset)).toEqual([0, 1, 2]);
  });

  it("pauses the partitions whose batches pass the high-water mark and resumes them below the low one", async () => {
    const { push, pauses, resumes, observer, sink } = setup(
      { applyDelayMs: 5 },
      { highWaterMark: 6, lowWaterMark: 2, batchMaxMessages: 2 },
    );
    const range = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => upsert(from + i, `q${from + i}`));
    await Promise.all([
      push(batchOf(0, range(0, 5))),
      push(batchOf(1, range(0, 5))),
      push(batchOf(2, range(0, 5))),
    ]);
    expect(pauses).toEqual([1, 2]);
    expect(resumes.sort()).toEqual([1, 2]);
    expect(observer.named("paused")).toEqual([
      ["paused", "demo", true],
      ["paused", "demo", false],
    ]);
    expect(sink.log).toHaveLength(15);
  });

  it("dead-letters an op the collection refuses with a reason from its code and applies the others once", async () => {
    const refuse = (op: { id: string }) =>
      op.id === "bad" ? new IndexError("DIMENSION_MISMATCH", "vector has 2 dimensions") : undefined;
    const { sink, push, deadLetters, observer } = setup({ refuse });
    await push(batchOf(0, [upsert(0), upsert(1, "bad"), upsert(2)]));
    expect(sink.log.map((op) => op.id)).toEqual(["p0", "p2"]);
    expect(deadLetters.published.map((p) => [p.letter.reason, p.letter.offset])).toEqual([
      ["wrong_dimension", 1],
    ]);
    expect(deadLetters.published[0].letter.original.key?.toString()).toBe("bad");
    expect(sink.ledger.applied(0)).toBe(2);
    expect(observer.named("deadLetter")).toEqual([["deadLetter", "demo", "wrong_dimension"]]);
    const applied = observer.named("applied").reduce((n, e) => n + (e[3] as number), 0);
    expect(applied).toBe(2);
  });

  it("runs a task queued with exclusive after the chunks queued before it and before those after it", async () => {
    const { sink, push, writer } = setup({ applyDelayMs: 2 }, { batchMaxMessages: 2 });
    const before = push(batchOf(0, [upsert(0), upsert(1), upsert(2)]));
    await new Promise((r) => setImmediate(r)); // let the decode enqueue the batch
    const seen = writer.exclusive(() => sink.log.length);
    const after = push(batchOf(0, [upsert(3)]));
    expect(await seen).toBe(3);
    await Promise.all([before, after]);
    expect(sink.log).toHaveLength(4);
  });

  it("rejects only the caller of a task that throws and keeps applying", async () => {
    const { sink, push, writer, errors } = setup();
    await expect(writer.exclusive(() => Promise.reject(new Error("snapshot disk full")))).rejects.toThrow(
      "snapshot disk full",
    );
    await push(batchOf(0, [upsert(0)]));
    expect(sink.log).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it("observes freshness only for timestamps it can believe and counts the others", async () => {
    const { push, observer } = setup();
    const at = (offset: number, timestamp: string) => ({ ...upsert(offset), timestamp });
    // now() is 3000: a 1 ms timestamp is 3 s old; 1 is treated as plausible here only because the
    // test clock starts at 3000, so use values relative to a maximum age of 7 days instead.
    await push(batchOf(0, [at(0, "2000"), at(1, String(3000 + 3_600_000)), at(2, "-1")]));
    expect(observer.named("freshness")).toEqual([["freshness", "demo", 1]]);
    expect(observer.named("untrusted")).toEqual([["untrusted", "demo"]]);
  });

  it("fails the writer on an unexpected apply error and rejects the pending push", async () => {
    const { push, errors, writer } = setup({ refuse: () => new Error("disk on fire") });
    await expect(push(batchOf(0, [upsert(0)]))).rejects.toThrow("disk on fire");
    await expect(writer.done).rejects.toThrow("disk on fire");
    expect(errors).toHaveLength(1);
    await expect(push(batchOf(0, [upsert(1)]))).rejects.toThrow("disk on fire");
  });

  it("yields to the event loop while it decodes a large batch, so queries are not held up", async () => {
    const { push, writer, sink } = setup({}, { applySliceMs: 0, batchMaxMessages: 1000 });
    const messages = Array.from({ length: 500 }, (_, i) => upsert(i, `y${i}`));
    const pushed = push(batchOf(0, messages));
    const queuedWhenOtherWorkRan = await new Promise<number>((resolve) =>
      setImmediate(() => resolve(writer.queued)),
    );
    expect(queuedWhenOtherWorkRan).toBe(0); // the decode was not finished: it had yielded
    await pushed;
    expect(sink.log).toHaveLength(500);
  });

  it("resolves done once complete() is called and the queue is drained", async () => {
    const { push, writer, sink } = setup({ applyDelayMs: 2 });
    const pending = push(batchOf(0, [upsert(0), upsert(1), upsert(2)]));
    await writer.complete();
    await pending;
    expect(sink.log).toHaveLength(3);
  });
});

describe("deadLetterRecord", () => {
  it("keeps the original key, value and headers and adds the reason and origin headers", () => {
    const original = {
      ...garbage(7),
      headers: { "content-type": "application/json", trace: "abc" },
      timestamp: "123",
    };
    const record = deadLetterRecord("vecstream.demo", {
      reason: "bad_json",
      message: "boom",
      partition: 3,
      offset: 7,
      original,
    });
    expect(record.key).toEqual(original.key);
    expect(record.value).toBe(original.value);
    expect(record.headers).toEqual({
      "content-type": "application/json",
      trace: "abc",
      [DLQ_HEADERS.reason]: "bad_json",
      [DLQ_HEADERS.error]: "boom",
      [DLQ_HEADERS.originTopic]: "vecstream.demo",
      [DLQ_HEADERS.originPartition]: "3",
      [DLQ_HEADERS.originOffset]: "7",
      [DLQ_HEADERS.originTimestamp]: "123",
    });
  });
});
