/**
 * Consumer lag while nothing is fetched, against the dev broker: ingest polls the topic's high
 * watermarks (`lagPollMs`), so the lag it reports rises as messages arrive even when the consumer is
 * stuck (here: the collection blocks its first apply, so kafkajs fetches nothing more), and falls back
 * to 0 once the collection catches up.
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
if (!available) console.warn(`skipping ingest lag poll tests: ${devBrokerUnavailableReason()}`);

const TOPIC = "lag.points";
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(!available)("consumer lag while the consumer is not fetching", () => {
  it("rises with every message produced while the collection is blocked, then falls to 0 once it applies them", async () => {
    const broker = await startBrokerWithTopic(cleanups, TOPIC);
    const producer = await connectedProducer(kafkaClient(broker, "lag-test"), cleanups);

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sink = new MemorySink({ name: "lagged", topic: TOPIC, gate });
    const observer = new RecordingObserver();
    const run = startIngest({
      ...devBrokerIngestOptions(broker, sink, observer, { clientId: "vecstream-lag", groupId: "lag" }),
      lagPollMs: 100,
    });
    cleanups.push(async () => {
      release();
      await run.stop();
    });
    await run.caughtUp; // the topic is empty: caught up once assigned
    const lagNow = () => sink.ledger.lag(0);
    expect(lagNow()).toBe(0);

    // The first message reaches the collection, whose apply blocks: the consumer fetches nothing more.
    await producer.send({ topic: TOPIC, messages: [encodeUpsert("first", [0, 0, 0])] });
    await waitFor("the blocked apply", () => sink.applyCalls === 1);
    const fetchedBatches = observer.named("batch").length;
    await producer.send({
      topic: TOPIC,
      messages: Array.from({ length: 20 }, (_, i) => encodeUpsert(`p${i}`, [i, 1, 2])),
    });

    // High watermark 21, nothing applied: 21 messages wait, and the gauge says so without a fetch.
    await waitFor("the lag to reach 21", () => lagNow() === 21);
    expect(observer.named("lag").filter((e) => e[2] === 0 && e[3] === 21).length).toBeGreaterThan(0);
    expect(sink.applyCalls).toBe(1);
    expect(sink.log).toEqual([]);
    expect(observer.named("batch")).toHaveLength(fetchedBatches);

    release();
    await waitFor("all 21 messages applied", () => sink.offsets.get(0) === 20);
    await waitFor("the lag back at 0", () => lagNow() === 0);
    expect(observer.named("lag").at(-1)).toEqual(["lag", "lagged", 0, 0]);
  });
});
