/**
 * KafkaSource's eachBatch handling against a stand-in kafkajs consumer (no broker): how the batches of
 * one fetch are resolved and committed.
 */

import { describe, expect, it } from "vitest";
import type { EachBatchPayload, Kafka } from "kafkajs";
import { KafkaSource, type SourceBatch } from "../../src/stream/kafka-source.js";
import { silentLogger } from "./support/memory-sink.js";

/** A kafkajs consumer that records `run`'s eachBatch and nothing else. */
function fakeKafka() {
  const run: { eachBatch?: (payload: EachBatchPayload) => Promise<void> } = {};
  const consumer = {
    events: { GROUP_JOIN: "join", CRASH: "crash" },
    on: () => undefined,
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (config: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => {
      run.eachBatch = config.eachBatch;
    },
  };
  return { kafka: { consumer: () => consumer } as unknown as Kafka, run };
}

function payloadFor(partition: number, resolved: string[], commits: { count: number }) {
  const message = { offset: "7", timestamp: "1000", key: null, value: null };
  return {
    batch: { topic: "t", partition, highWatermark: "8", messages: [message], lastOffset: () => "7" },
    isStale: () => false,
    isRunning: () => true,
    pause: () => () => undefined,
    heartbeat: async () => undefined,
    resolveOffset: (offset: string) => resolved.push(`${partition}:${offset}`),
    commitOffsetsIfNecessary: async () => {
      commits.count++;
    },
  } as unknown as EachBatchPayload;
}

describe("KafkaSource", () => {
  it("commits the batches that settle together once, after resolving each of them", async () => {
    const { kafka, run } = fakeKafka();
    const source = new KafkaSource({
      kafka,
      groupId: "g",
      topics: ["t"],
      startOffset: () => "0",
      onCrash: () => undefined,
      logger: silentLogger,
    });
    const received: SourceBatch[] = [];
    source.batches.subscribe((b) => received.push(b));
    await source.start();
    const resolved: string[] = [];
    const commits = { count: 0 };
    const handlers = [0, 1, 2].map((p) => run.eachBatch!(payloadFor(p, resolved, commits)));
    expect(received).toHaveLength(3);
    for (const b of received) b.complete();
    await Promise.all(handlers);
    expect(resolved.sort()).toEqual(["0:7", "1:7", "2:7"]);
    expect(commits.count).toBe(1);
  });
});
