/**
 * startIngest against the dev broker (librdkafka's mock cluster, a real Kafka protocol peer; kafkajs is
 * never mocked). The collection is an in-memory fake sink, which is ours to fake.
 */
import { afterEach, describe, expect, it } from "vitest";
import { pino } from "pino";
import type { Kafka, Producer, KafkaMessage } from "kafkajs";
import {
  DEV_BROKER_CONSUMER_SETTINGS,
  devBrokerUnavailableReason,
  isDevBrokerAvailable,
  startDevBroker,
  type DevBroker,
} from "../support/dev-broker.js";
import { connectedProducer, kafkaClient, startBrokerWithTopic } from "../support/kafka-clients.js";
import { waitFor } from "../support/wait.js";
import { startIngest, type Ingest, type IngestOptions } from "../../src/stream/ingest.js";
import { encodeDelete, encodeUpsert } from "../../src/producer/encode.js";
import { DLQ_HEADERS } from "../../src/stream/dead-letter.js";
import { MemorySink, RecordingObserver, type MemorySinkOptions } from "./support/memory-sink.js";
import { Collection } from "../../src/collection/collection.js";
import { devBrokerIngestOptions } from "./support/ingest-options.js";
import { BruteForceIndex } from "../../src/index/brute-force-index.js";

const available = isDevBrokerAvailable();
if (!available) console.warn(`skipping ingest integration tests: ${devBrokerUnavailableReason()}`);

const TOPIC = "vecstream.demo";
const DLQ = "vecstream.demo.dlq";
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The demo topic with `partitions` partitions and its dead-letter topic DLQ. */
const broker = (partitions = 2): Promise<DevBroker> => startBrokerWithTopic(cleanups, TOPIC, { partitions });

const kafkaFor = (b: DevBroker): Kafka => kafkaClient(b, "test");

const producer = (b: DevBroker): Promise<Producer> => connectedProducer(kafkaFor(b), cleanups);

function ingest(
  b: DevBroker,
  sink: MemorySink | Collection,
  observer: RecordingObserver,
  extra: Partial<IngestOptions> = {},
  groupId = "vecstream",
): Ingest {
  const errors: unknown[] = [];
  const run = startIngest({
    ...devBrokerIngestOptions(b, sink, observer, { clientId: "vecstream-test", groupId }),
    onError: (err) => errors.push(err),
    ...extra,
  });
  cleanups.push(() => run.stop());
  return run;
}

const vec = (i: number) => [i, i + 1, i + 2];

/** Offsets applied per partition must be strictly increasing: no duplicates, log order. */
function offsetsByPartition(sink: MemorySink): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const op of sink.log) out.set(op.partition, [...(out.get(op.partition) ?? []), op.offset]);
  for (const p of sink.skipped)
    out.set(
      p.partition,
      [...(out.get(p.partition) ?? []), p.offset].sort((a, b) => a - b),
    );
  return out;
}

function expectNoGapsNoDuplicates(sink: MemorySink, highWatermarks: Map<number, number>): void {
  const byPartition = offsetsByPartition(sink);
  for (const [partition, high] of highWatermarks) {
    expect(byPartition.get(partition) ?? [], `partition ${partition}`).toEqual(
      Array.from({ length: high }, (_, i) => i),
    );
  }
}

async function highWatermarks(b: DevBroker): Promise<Map<number, number>> {
  const admin = kafkaFor(b).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(TOPIC);
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

describe.skipIf(!available)("startIngest against the dev broker", () => {
  it("applies upserts and deletes from the broker in log order, then resolves caughtUp and follows the log", async () => {
    const b = await broker();
    const p = await producer(b);
    await p.send({
      topic: TOPIC,
      messages: Array.from({ length: 40 }, (_, i) => encodeUpsert(`id${i}`, vec(i), { i })),
    });
    await p.send({
      topic: TOPIC,
      messages: [encodeDelete("id3"), encodeDelete("id7"), encodeUpsert("id5", [9, 9, 9])],
    });
    const sink = new MemorySink({ topic: TOPIC });
    const observer = new RecordingObserver();
    const run = ingest(b, sink, observer);
    await run.caughtUp;
    expect(sink.points.size).toBe(38);
    expect(sink.points.has("id3")).toBe(false);
    expect(Array.from(sink.points.get("id5")!.vector)).toEqual([9, 9, 9]);
    expect(sink.points.get("id9")!.payload).toEqual({ i: 9 });
    expectNoGapsNoDuplicates(sink, await highWatermarks(b));
    expect([0, 1].map((p) => sink.ledger.lag(p))).toEqual([0, 0]);

    await p.send({ topic: TOPIC, messages: [encodeUpsert("late", [1, 1, 1], undefined, { format: "f32" })] });
    await waitFor("the late upsert", () => sink.points.has("late"));
    expect(observer.named("freshness").length).toBe(44);
    await run.stop();
    await run.done;
  });

  it("sends bad messages to the dead-letter topic with reason and origin headers and applies the valid ones around them", async () => {
    const b = await broker(1);
    const p = await producer(b);
    await p.send({
      topic: TOPIC,
      messages: [
        encodeUpsert("a", vec(1)),
        { key: "b", value: "{not json" },
        { key: null, value: JSON.stringify({ vector: vec(2) }) },
        { key: "c", value: JSON.stringify({ vector: [1, 2] }) },
        encodeUpsert("d", vec(4)),
      ],
    });
    const sink = new MemorySink({ topic: TOPIC });
    const observer = new RecordingObserver();
    const run = ingest(b, sink, observer);
    await run.caughtUp;
    expect(sink.log.map((op) => op.id)).toEqual(["a", "d"]);
    expect(sink.skipped.map((s) => s.offset)).toEqual([1, 2, 3]);
    expect(observer.named("deadLetter").map((e) => e[2])).toEqual(["bad_json", "no_key", "wrong_dimension"]);

    const dead = await consumeAll(b, DLQ, 3);
    const headers = (m: KafkaMessage, h: string) => m.headers?.[h]?.toString();
    expect(dead.map((m) => headers(m, DLQ_HEADERS.reason))).toEqual([
      "bad_json",
      "no_key",
      "wrong_dimension",
    ]);
    expect(dead.map((m) => headers(m, DLQ_HEADERS.originOffset))).toEqual(["1", "2", "3"]);
    expect(dead.every((m) => headers(m, DLQ_HEADERS.originTopic) === TOPIC)).toBe(true);
    expect(dead.every((m) => headers(m, DLQ_HEADERS.originPartition) === "0")).toBe(true);
    expect(dead[0].key?.toString()).toBe("b");
    expect(dead[0].value?.toString()).toBe("{not json");
    expect(dead[1].key).toBeNull();
    expect(headers(dead[2], DLQ_HEADERS.error)).toMatch(/2 dimensions/);
  });

  it("resumes after a restart from the collection's applied offsets, with no duplicates and no gaps", async () => {
    const b = await broker();
    const p = await producer(b);
    const batch = (from: number) =>
      Array.from({ length: 30 }, (_, i) => encodeUpsert(`id${from + i}`, vec(from + i)));
    await p.send({ topic: TOPIC, messages: batch(0) });
    const sink = new MemorySink({ topic: TOPIC });
    const first = ingest(b, sink, new RecordingObserver());
    await first.caughtUp;
    await first.stop();
    await p.send({ topic: TOPIC, messages: batch(30) });
    // A fresh group id: no group commits to resume from, so only the seek to applied + 1 avoids a replay.
    const second = ingest(b, sink, new RecordingObserver(), {}, "vecstream-restarted");
    await second.caughtUp;
    expect(sink.points.size).toBe(60);
    expectNoGapsNoDuplicates(sink, await highWatermarks(b));
  });

  it("pauses fetching while a slow collection works through its queue and resumes when it drains", async () => {
    const b = await broker();
    const p = await producer(b);
    await p.send({
      topic: TOPIC,
      messages: Array.from({ length: 200 }, (_, i) => encodeUpsert(`id${i}`, vec(i))),
    });
    const sink = new MemorySink({ topic: TOPIC, applyDelayMs: 5 } satisfies MemorySinkOptions);
    const observer = new RecordingObserver();
    const run = ingest(b, sink, observer, {
      pipeline: {
        batchMaxMessages: 10,
        batchMaxMs: 5,
        highWaterMark: 20,
        lowWaterMark: 5,
        maxMessageBytes: 1 << 16,
      },
      consumer: {
        consumerConfig: { ...DEV_BROKER_CONSUMER_SETTINGS, maxBytesPerPartition: 4096 },
        partitionsConsumedConcurrently: 2,
        heartbeatIntervalMs: 500,
      },
    });
    await run.caughtUp;
    const paused = observer.named("paused").map((e) => e[2]);
    expect(paused.length).toBeGreaterThanOrEqual(2);
    expect(paused.filter((v, i) => v === (i % 2 === 0))).toEqual(paused); // true, false, true, false...
    expect(paused[paused.length - 1]).toBe(false);
    const lags = observer.named("lag").map((e) => e[3] as number);
    expect(Math.max(...lags)).toBeGreaterThan(0); // behind at start...
    expect([0, 1].map((p) => sink.ledger.lag(p))).toEqual([0, 0]); // ...and level with the log at the end
    expect(sink.points.size).toBe(200);
    expectNoGapsNoDuplicates(sink, await highWatermarks(b));
  });

  it("feeds the service's real Collection, whose searches then see the points and not the tombstones", async () => {
    const b = await broker();
    const p = await producer(b);
    await p.send({
      topic: TOPIC,
      messages: Array.from({ length: 20 }, (_, i) => encodeUpsert(`id${i}`, vec(i), { i })),
    });
    await p.send({ topic: TOPIC, messages: [encodeDelete("id0"), { key: "bad", value: "[]" }] });
    const config = {
      name: "demo",
      topic: TOPIC,
      dlqTopic: DLQ,
      dim: 3,
      metric: "l2" as const,
      M: 16,
      efConstruction: 64,
      ef: 32,
      seed: 1,
    };
    const collection = new Collection({
      config,
      index: new BruteForceIndex({ dim: 3, metric: "l2" }),
      applySliceMs: 4,
    });
    const run = ingest(b, collection, new RecordingObserver());
    await run.caughtUp;
    await waitFor("the skipped offset to be recorded", () => {
      const applied = [...collection.appliedOffsets().values()].reduce((a: number, o) => a + o + 1, 0);
      return applied === 22;
    });
    const hits = collection.search(vec(0), 2);
    expect(hits.map((h) => h.id)).toEqual(["id1", "id2"]);
    expect(hits[0].payload).toEqual({ i: 1 });
  });

  it("reports a collection failure through onError, rejects done, and stops consuming", async () => {
    const b = await broker(1);
    const p = await producer(b);
    await p.send({ topic: TOPIC, messages: [encodeUpsert("a", vec(1))] });
    const errors: unknown[] = [];
    const sink = new MemorySink({ topic: TOPIC, refuse: () => new Error("disk full") });
    const run = ingest(b, sink, new RecordingObserver(), { onError: (err) => errors.push(err) });
    await expect(run.done).rejects.toThrow("disk full");
    await expect(run.caughtUp).rejects.toThrow("disk full");
    expect(errors).toHaveLength(1);
    expect(sink.log).toEqual([]);
  });

  it("rides out an outage of the partition leader and applies what was written after it, once", async () => {
    const b = await startDevBroker({
      brokers: 3,
      topics: [
        { name: TOPIC, partitions: 1 },
        { name: DLQ, partitions: 1 },
      ],
    });
    cleanups.push(() => b.stop());
    await b.setLeader(TOPIC, 0, 2); // not broker 1, so the bootstrap address keeps answering
    const p = await producer(b);
    await p.send({
      topic: TOPIC,
      messages: Array.from({ length: 10 }, (_, i) => encodeUpsert(`id${i}`, vec(i))),
    });
    const kafkaErrors: string[] = [];
    const logger = pino({ level: "error" }, { write: (line: string) => void kafkaErrors.push(line) });
    const errors: unknown[] = [];
    const sink = new MemorySink({ topic: TOPIC });
    const run = ingest(b, sink, new RecordingObserver(), { logger, onError: (err) => errors.push(err) });
    await run.caughtUp;

    await b.brokerDown(2);
    await waitFor("the consumer to notice the outage", () =>
      kafkaErrors.some((l) => l.includes("ECONNREFUSED")),
    );
    await b.brokerUp(2);
    await p.send({ topic: TOPIC, messages: [encodeUpsert("after", vec(99))] });
    await waitFor("the message written after the outage", () => sink.points.has("after"), 25_000);
    expect(errors).toEqual([]);
    expectNoGapsNoDuplicates(sink, await highWatermarks(b));
  });

  it("keeps feeding one collection while another is stuck in an apply", async () => {
    const other = "vecstream.other";
    const b = await startDevBroker({
      topics: [TOPIC, DLQ, other, `${other}.dlq`].map((name) => ({ name, partitions: 1 })),
    });
    cleanups.push(() => b.stop());
    const p = await producer(b);
    await p.send({ topic: TOPIC, messages: [encodeUpsert("stuck", vec(1))] });
    let release!: () => void;
    const stuck = new MemorySink({ name: "stuck", topic: TOPIC, gate: new Promise((r) => (release = r)) });
    const flowing = new MemorySink({ name: "flowing", topic: other });
    const run = ingest(b, stuck, new RecordingObserver(), { collections: [stuck, flowing] });
    cleanups.push(async () => release()); // runs before run.stop(), so a failing test cannot hang
    await waitFor("the stuck collection to start its apply", () => stuck.applyCalls > 0);
    // Written only now: it must be fetched while the other collection's batch is still in hand.
    await p.send({ topic: other, messages: [encodeUpsert("flows", vec(2))] });
    await waitFor("the other collection's upsert", () => flowing.points.has("flows"));
    expect(stuck.points.size).toBe(0);
    release();
    await run.caughtUp;
    expect(stuck.points.has("stuck")).toBe(true);
  });

  it("resolves caughtUp at once when the topic is empty", async () => {
    const b = await broker();
    const sink = new MemorySink({ topic: TOPIC });
    const run = ingest(b, sink, new RecordingObserver());
    await run.caughtUp;
    expect([0, 1].map((p) => sink.ledger.lag(p))).toEqual([0, 0]);
  });
});

async function consumeAll(b: DevBroker, topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = kafkaFor(b).consumer({ groupId: `reader-${topic}`, ...DEV_BROKER_CONSUMER_SETTINGS });
  cleanups.push(() => consumer.disconnect());
  const received: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void received.push(message) });
  await waitFor(`${count} messages on ${topic}`, () => received.length >= count);
  return received;
}
