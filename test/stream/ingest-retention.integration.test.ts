/**
 * Offsets lost to retention, against the dev broker (librdkafka's mock keeps only the newest ~5 MB of
 * a partition): with the collection blocked in its first apply, more records are produced than the
 * partition keeps, so the consumer's next offset is deleted; kafkajs resets it to the log start, and
 * ingest must count every skipped offset (`onOffsetsSkipped`) instead of losing them silently.
 */
import { afterEach, describe, expect, it } from "vitest";
import { devBrokerUnavailableReason, isDevBrokerAvailable } from "../support/dev-broker.js";
import { connectedProducer, kafkaClient, startBrokerWithTopic } from "../support/kafka-clients.js";
import { waitFor } from "../support/wait.js";
import { startIngest } from "../../src/stream/ingest.js";
import { encodeUpsert } from "../../src/producer/encode.js";
import { devBrokerIngestOptions } from "./support/ingest-options.js";
import { MemorySink, RecordingObserver } from "./support/memory-sink.js";

const available = isDevBrokerAvailable();
if (!available) console.warn(`skipping ingest retention tests: ${devBrokerUnavailableReason()}`);

const TOPIC = "retention.points";
/** 5,000 records of ~2 KB: twice what the mock keeps per partition. */
const PRODUCED_WHILE_BLOCKED = 5_000;
const SEND_SIZE = 200;
const PADDING = { note: "x".repeat(2_000) };
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

class SkipRecordingObserver extends RecordingObserver {
  onOffsetsSkipped(c: string, partition: number, count: number): void {
    this.events.push(["skipped", c, partition, count]);
  }
}

describe.skipIf(!available)("offsets deleted from the log before they were applied", () => {
  it("counts every offset kafkajs skipped when it reset the position to the log start", async () => {
    const broker = await startBrokerWithTopic(cleanups, TOPIC);
    const kafka = kafkaClient(broker, "retention-test");
    const producer = await connectedProducer(kafka, cleanups);
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sink = new MemorySink({ name: "retained", topic: TOPIC, gate });
    const observer = new SkipRecordingObserver();
    const run = startIngest(
      devBrokerIngestOptions(broker, sink, observer, {
        clientId: "vecstream-retention",
        groupId: "retention",
      }),
    );
    cleanups.push(async () => {
      release();
      await run.stop();
    });
    await run.caughtUp;

    // Offset 0 reaches the collection, whose apply blocks: the consumer's next offset stays 1.
    await producer.send({ topic: TOPIC, messages: [encodeUpsert("first", [0, 0, 0])] });
    await waitFor("the blocked apply", () => sink.applyCalls === 1);
    for (let sent = 0; sent < PRODUCED_WHILE_BLOCKED; sent += SEND_SIZE) {
      const messages = Array.from({ length: SEND_SIZE }, (_, i) =>
        encodeUpsert(`p${sent + i}`, [sent + i, 1, 2], PADDING),
      );
      await producer.send({ topic: TOPIC, messages });
    }
    const [bounds] = await admin.fetchTopicOffsets(TOPIC);
    const logStart = Number(bounds.low);
    const high = Number(bounds.high);
    expect(high).toBe(PRODUCED_WHILE_BLOCKED + 1);
    expect(logStart).toBeGreaterThan(1); // offset 1 is gone: the premise of the test

    release();
    await waitFor("everything left in the log applied", () => sink.offsets.get(0) === high - 1);
    await waitFor("the skipped offsets reported", () => observer.named("skipped").length > 0);
    // Offsets 1 .. logStart - 1 were deleted unapplied: exactly that many are reported, on partition 0.
    expect(observer.named("skipped")).toEqual([["skipped", "retained", 0, logStart - 1]]);
    // Nothing else is missing: offset 0, the skipped range, and everything from the log start applied.
    expect(sink.log.length + logStart - 1).toBe(high);
    expect(sink.log[1].offset).toBe(logStart);
  });
});
