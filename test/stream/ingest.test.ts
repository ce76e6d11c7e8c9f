import { describe, expect, it } from "vitest";
import { IngestConfigError, startIngest, type IngestOptions } from "../../src/stream/ingest.js";
import { MemorySink, RecordingObserver, silentLogger } from "./support/memory-sink.js";

function options(overrides: Partial<IngestOptions>): IngestOptions {
  return {
    kafka: { brokers: ["127.0.0.1:1"], clientId: "t", groupId: "g" },
    collections: [new MemorySink()],
    pipeline: {
      batchMaxMessages: 10,
      batchMaxMs: 5,
      highWaterMark: 100,
      lowWaterMark: 10,
      maxMessageBytes: 1024,
    },
    observer: new RecordingObserver(),
    logger: silentLogger,
    ...overrides,
  };
}

describe("startIngest configuration checks", () => {
  it("refuses two collections on one topic before connecting", () => {
    const collections = [new MemorySink({ name: "a" }), new MemorySink({ name: "b" })];
    expect(() => startIngest(options({ collections }))).toThrow(IngestConfigError);
  });

  it("refuses a low-water mark above the high-water mark", () => {
    const pipeline = {
      batchMaxMessages: 10,
      batchMaxMs: 5,
      highWaterMark: 10,
      lowWaterMark: 11,
      maxMessageBytes: 1024,
    };
    expect(() => startIngest(options({ pipeline }))).toThrow(/lowWaterMark/);
  });

  it("reports an unreachable broker through onError and rejects done and caughtUp", async () => {
    const errors: unknown[] = [];
    const run = startIngest(
      options({
        kafka: {
          brokers: ["127.0.0.1:1"],
          clientId: "t",
          groupId: "g",
          connectionTimeoutMs: 200,
          retry: { retries: 0 },
        },
        onError: (err) => errors.push(err),
      }),
    );
    await expect(run.done).rejects.toThrow();
    await expect(run.caughtUp).rejects.toThrow();
    expect(errors).toHaveLength(1);
    await run.stop(); // after a failure, stop() resolves and does nothing more
  });
});
