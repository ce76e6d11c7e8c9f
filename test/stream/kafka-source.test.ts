/**
 * KafkaSource's eachBatch handling against a stand-in kafkajs consumer (no broker): how the batches of
 * one fetch are resolved and committed.
 */

import { describe, expect, it } from "vitest";
import type { EachBatchPayload, Kafka } from "kafkajs";
import { KafkaSource, type SourceBatch } from "../../src/stream/kafka-source.js";
import { silentLogger } from "./support/memory-sink.js";

/** A kafkajs consumer that records `run`'s eachBatch and its event listeners, and nothing else. */
function fakeKafka() {
  const run: { eachBatch?: (payload: EachBatchPayload) => Promise<void> } = {};
  const listeners = new Map<string, (event: { payload: unknown }) => void>();
  const consumer = {
    events: { GROUP_JOIN: "join", HEARTBEAT: "heartbeat", CRASH: "crash", STOP: "stop", DISCONNECT: "disc" },
    on: (name: string, listener: (event: { payload: unknown }) => void) => listeners.set(name, listener),
    seek: () => undefined,
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (config: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => {
      run.eachBatch = config.eachBatch;
    },
  };
  return { kafka: { consumer: () => consumer } as unknown as Kafka, run, listeners };
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
    const received: SourceBatch[] = [];
    const completions: (() => void)[] = [];
    const source = new KafkaSource({
      kafka,
      groupId: "g",
      topics: ["t"],
      startOffset: () => "0",
      onBatch: (b) => {
        received.push(b);
        return new Promise<void>((resolve) => completions.push(resolve));
      },
      onCrash: () => undefined,
      logger: silentLogger,
    });
    await source.start();
    const resolved: string[] = [];
    const commits = { count: 0 };
    const handlers = [0, 1, 2].map((p) => run.eachBatch!(payloadFor(p, resolved, commits)));
    expect(received).toHaveLength(3);
    expect(resolved).toEqual([]); // nothing is resolved before its batch is applied
    for (const complete of completions) complete();
    await Promise.all(handlers);
    expect(resolved.sort()).toEqual(["0:7", "1:7", "2:7"]);
    expect(commits.count).toBe(1);
  });

  it("counts as a group member only while its last join or heartbeat is younger than the session", () => {
    const { kafka, listeners } = fakeKafka();
    const source = new KafkaSource({
      kafka,
      groupId: "g",
      topics: ["t"],
      startOffset: () => "0",
      onBatch: async () => undefined,
      onCrash: () => undefined,
      logger: silentLogger,
      consumerConfig: { sessionTimeout: 10_000 },
    });
    expect(source.membership().current).toBe(false); // not joined yet
    listeners.get("join")!({ payload: { memberAssignment: { t: [0, 2] } } });
    const joinedAt = source.membership().lastAliveMs!;
    expect(source.membership(joinedAt + 5_000)).toMatchObject({ current: true });
    expect(source.membership().assignment.get("t")).toEqual([0, 2]);
    // No heartbeat for a whole session: the broker has evicted us, whatever kafkajs believes.
    expect(source.membership(joinedAt + 10_000).current).toBe(false);
    listeners.get("heartbeat")!({ payload: {} });
    expect(source.membership(source.membership().lastAliveMs! + 5_000).current).toBe(true);
    listeners.get("stop")!({ payload: {} });
    expect(source.membership().current).toBe(false);
  });
});
