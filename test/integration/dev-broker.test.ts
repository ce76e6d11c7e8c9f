/**
 * The dev broker (librdkafka 2.0.2's mock cluster) as kafkajs 2.2.4 sees it: what vecstream relies on
 * works (keyed produce with headers and timestamps, tombstones, group consumption with eachBatch and
 * commits, high watermarks, retries through injected errors and a broker outage), and what does not or
 * differs from production is asserted too (admin.createTopics, auto-created topics, the idempotent
 * producer, offsets by timestamp, group admin APIs), so a change in either shows up here. Every test
 * starts its own broker, so faults never leak between tests.
 */
import { Kafka, Partitioners, logLevel } from "kafkajs";
import type { EachBatchPayload, KafkaMessage, ProducerConfig } from "kafkajs";
import { afterEach, describe, expect, it } from "vitest";
import {
  DEV_BROKER_CONSUMER_SETTINGS,
  devBrokerUnavailableReason,
  isDevBrokerAvailable,
  startDevBroker,
} from "../support/dev-broker.js";
import type { DevBroker, DevBrokerOptions } from "../support/dev-broker.js";
import { pollUntil } from "../support/wait.js";

const available = isDevBrokerAvailable();
if (!available) console.warn(`skipping dev broker tests: ${devBrokerUnavailableReason()}`);

const TOPIC = "vectors";
const running: Array<{ stop(): Promise<void> }> = [];

afterEach(async () => {
  // Clients first, broker last, so clients do not spend the teardown reconnecting.
  for (const item of running.splice(0).reverse()) await item.stop();
});

async function broker(options: DevBrokerOptions): Promise<DevBroker> {
  const started = await startDevBroker(options);
  running.push(started);
  return started;
}

/**
 * A kafkajs client that retries fast (the mock answers in microseconds) and logs nowhere; its error
 * log entries go to `errorLog` when given, so a test can wait for kafkajs to notice a fault.
 */
function client(devBroker: DevBroker, errorLog?: string[]): Kafka {
  return new Kafka({
    clientId: "dev-broker-test",
    brokers: devBroker.bootstrap,
    logLevel: errorLog ? logLevel.ERROR : logLevel.NOTHING,
    logCreator: () => (entry) => errorLog?.push(`${entry.log.message} ${String(entry.log.error ?? "")}`),
    retry: { initialRetryTime: 50, maxRetryTime: 500, retries: 20 },
  });
}

async function connectedProducer(kafka: Kafka, config: ProducerConfig = {}) {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...config });
  await producer.connect();
  running.push({ stop: () => producer.disconnect() });
  return producer;
}

/**
 * Runs a group consumer with eachBatch, resolving and committing each batch, until `count` messages
 * arrived in total (or `timeoutMs` passed); returns the messages and the consumer, still running.
 */
async function consumeUntil(kafka: Kafka, groupId: string, count: number, timeoutMs = 15_000) {
  const consumer = kafka.consumer({ groupId, ...DEV_BROKER_CONSUMER_SETTINGS });
  await consumer.connect();
  running.push({ stop: () => consumer.disconnect() });
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  const received: KafkaMessage[] = [];
  await consumer.run({
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }: EachBatchPayload) => {
      for (const message of batch.messages) {
        received.push(message);
        resolveOffset(message.offset);
      }
      await commitOffsetsIfNecessary();
    },
  });
  await pollUntil(() => received.length >= count, timeoutMs);
  return { consumer, received };
}

describe.skipIf(!available)("kafkajs 2.2.4 against the dev broker", () => {
  it("delivers keys, headers, explicit timestamps and null-value tombstones through eachBatch", async () => {
    const kafka = client(await broker({ topics: [{ name: TOPIC, partitions: 1 }] }));
    const producer = await connectedProducer(kafka);
    await producer.send({
      topic: TOPIC,
      messages: [
        {
          key: "p1",
          value: '{"vector":[1,2]}',
          headers: { "content-type": "json" },
          timestamp: "1700000000000",
        },
        { key: "p1", value: null, timestamp: "1700000000500" },
        { key: "p2", value: '{"vector":[3,4]}', timestamp: "1600000000000" },
      ],
    });
    const { received } = await consumeUntil(kafka, "g-delivery", 3);
    expect(
      received.map((m) => [m.offset, m.key?.toString(), m.value?.toString() ?? null, m.timestamp]),
    ).toEqual([
      ["0", "p1", '{"vector":[1,2]}', "1700000000000"],
      ["1", "p1", null, "1700000000500"],
      ["2", "p2", '{"vector":[3,4]}', "1600000000000"],
    ]);
    expect(received[1].value).toBeNull();
    expect(received[0].headers?.["content-type"]?.toString()).toBe("json");
  });

  it("resumes a restarted consumer group from its committed offsets", async () => {
    const kafka = client(await broker({ topics: [{ name: TOPIC, partitions: 2 }] }));
    const producer = await connectedProducer(kafka);
    const batch = (from: number) =>
      Array.from({ length: 4 }, (_, i) => ({ key: `k${from + i}`, value: `${from + i}` }));
    await producer.send({ topic: TOPIC, messages: batch(0) });
    const first = await consumeUntil(kafka, "g-resume", 4);
    expect(first.received).toHaveLength(4);
    await first.consumer.disconnect(); // leaves the group; the next member waits out its session (see harness)

    const admin = kafka.admin();
    await admin.connect();
    running.push({ stop: () => admin.disconnect() });
    const committed = await admin.fetchOffsets({ groupId: "g-resume", topics: [TOPIC] });
    const committedTotal = committed[0].partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    expect(committedTotal).toBe(4);

    await producer.send({ topic: TOPIC, messages: batch(4) });
    const second = await consumeUntil(kafka, "g-resume", 4);
    expect(second.received.map((m) => m.value?.toString()).sort()).toEqual(["4", "5", "6", "7"]);
  });

  it("reports per-partition high watermarks through admin.fetchTopicOffsets", async () => {
    const kafka = client(await broker({ topics: [{ name: TOPIC, partitions: 3 }] }));
    const producer = await connectedProducer(kafka);
    await producer.send({
      topic: TOPIC,
      messages: [0, 0, 1].map((p, i) => ({ partition: p, value: `${i}` })),
    });
    const admin = kafka.admin();
    await admin.connect();
    running.push({ stop: () => admin.disconnect() });
    const offsets = await admin.fetchTopicOffsets(TOPIC);
    const byPartition = Object.fromEntries(offsets.map((o) => [o.partition, [o.low, o.high]]));
    expect(byPartition).toEqual({ 0: ["0", "2"], 1: ["0", "1"], 2: ["0", "0"] });
  });

  it("rejects admin.createTopics with KafkaJSBrokerNotFound, while the broker's own topic command works", async () => {
    // The mock names controller 0, which is no broker (ids start at 1), and implements no CreateTopics.
    const devBroker = await broker({ brokers: 3 });
    const admin = client(devBroker).admin();
    await admin.connect();
    running.push({ stop: () => admin.disconnect() });
    await expect(
      admin.createTopics({ topics: [{ topic: "made-by-client", numPartitions: 2 }] }),
    ).rejects.toMatchObject({
      name: "KafkaJSBrokerNotFound",
      message: "Broker 0 not found in the cached metadata",
    });
    expect(await admin.listTopics()).not.toContain("made-by-client");

    await devBroker.createTopic("made-by-broker", 2);
    expect((await admin.fetchTopicOffsets("made-by-broker")).map((o) => o.partition).sort()).toEqual([0, 1]);
  });

  it("retries injected retriable Produce errors until the send succeeds", async () => {
    const devBroker = await broker({ topics: [{ name: TOPIC, partitions: 1 }] });
    const producer = await connectedProducer(client(devBroker));
    let produceRequests = 0;
    producer.on(producer.events.REQUEST, (event) => {
      if (event.payload.apiName === "Produce") produceRequests += 1;
    });
    await devBroker.pushRequestErrors("Produce", 2, "NOT_LEADER_FOR_PARTITION");
    const [result] = await producer.send({ topic: TOPIC, messages: [{ key: "k", value: "v" }] });
    expect(result).toMatchObject({ errorCode: 0, baseOffset: "0" });
    expect(produceRequests).toBe(3);
  });

  it("surfaces an injected Produce error when the producer may not retry", async () => {
    const devBroker = await broker({ topics: [{ name: TOPIC, partitions: 1 }] });
    const producer = await connectedProducer(client(devBroker), { retry: { retries: 0 } });
    await devBroker.pushRequestErrors("Produce", 1, "NOT_LEADER_FOR_PARTITION");
    await expect(producer.send({ topic: TOPIC, messages: [{ value: "v" }] })).rejects.toThrow(
      /not the leader/,
    );
  });

  it("keeps a consumer going after its partition leader goes down and comes back up", async () => {
    const devBroker = await broker({ brokers: 3, topics: [{ name: TOPIC, partitions: 1 }] });
    const errorLog: string[] = [];
    const kafka = client(devBroker, errorLog);
    await devBroker.setLeader(TOPIC, 0, 2); // a known leader, and not broker 1, so bootstrap keeps working
    const producer = await connectedProducer(kafka);
    await producer.send({ topic: TOPIC, messages: [{ value: "before" }] });
    const { received } = await consumeUntil(kafka, "g-outage", 1);

    await devBroker.brokerDown(2);
    const refused = `ECONNREFUSED ${devBroker.bootstrap[1]}`; // the consumer's fetch reconnecting to broker 2
    await pollUntil(() => errorLog.some((line) => line.includes(refused)), 10_000);
    expect(errorLog.some((line) => line.includes(refused))).toBe(true);
    await devBroker.brokerUp(2);
    await producer.send({ topic: TOPIC, messages: [{ value: "after" }] });
    await pollUntil(() => received.some((m) => m.value?.toString() === "after"), 15_000);
    expect(received.map((m) => m.value?.toString())).toEqual(["before", "after"]);
  });
});

describe.skipIf(!available)("what the dev broker does differently from a production cluster", () => {
  it("auto-creates an unknown topic with 4 partitions on produce, even with allowAutoTopicCreation off", async () => {
    const kafka = client(await broker({ topics: [{ name: TOPIC, partitions: 1 }] }));
    const producer = await connectedProducer(kafka, { allowAutoTopicCreation: false });
    await producer.send({ topic: "typo", messages: [{ value: "v" }] });
    const admin = kafka.admin();
    await admin.connect();
    running.push({ stop: () => admin.disconnect() });
    expect((await admin.fetchTopicOffsets("typo")).map((o) => o.partition).sort()).toEqual([0, 1, 2, 3]);
  });

  it("rejects an idempotent producer with KafkaJSBrokerNotFound, so producers keep idempotence off", async () => {
    const kafka = client(await broker({ topics: [{ name: TOPIC, partitions: 1 }] }));
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    running.push({ stop: () => producer.disconnect() });
    const connectAndSend = async () => {
      await producer.connect();
      await producer.send({ topic: TOPIC, messages: [{ value: "v" }] });
    };
    await expect(connectAndSend()).rejects.toMatchObject({ name: "KafkaJSBrokerNotFound" });
  });

  it("answers fetchTopicOffsetsByTimestamp with the high watermark, whatever the timestamp", async () => {
    const kafka = client(await broker({ topics: [{ name: TOPIC, partitions: 1 }] }));
    const producer = await connectedProducer(kafka);
    const timestamps = ["1000", "2000", "3000"];
    await producer.send({
      topic: TOPIC,
      messages: timestamps.map((timestamp) => ({ value: "v", timestamp })),
    });
    const admin = kafka.admin();
    await admin.connect();
    running.push({ stop: () => admin.disconnect() });
    // A real broker answers offset 1, the first message at or after 1500.
    expect(await admin.fetchTopicOffsetsByTimestamp(TOPIC, 1500)).toEqual([{ partition: 0, offset: "3" }]);
  });

  it("does not implement the group admin APIs (describeGroups, listGroups, so no admin.setOffsets)", async () => {
    const kafka = client(await broker({ topics: [{ name: TOPIC, partitions: 1 }] }));
    const admin = kafka.admin();
    await admin.connect();
    running.push({ stop: () => admin.disconnect() });
    const unsupported = /does not support the requested API version/;
    await expect(admin.describeGroups(["g"])).rejects.toThrow(unsupported);
    await expect(admin.listGroups()).rejects.toThrow(unsupported);
    const partitions = [{ partition: 0, offset: "0" }];
    await expect(admin.setOffsets({ groupId: "g", topic: TOPIC, partitions })).rejects.toThrow(unsupported);
  });
});
