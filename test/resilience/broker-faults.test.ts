/**
 * Broker faults, with the dev broker's fault commands, against the vecstream process: the broker down
 * and back up while a producer keeps sending, and injected request errors on Fetch (a leader change,
 * a dropped connection), OffsetCommit and Produce (vecstream's dead-letter writes and the producer's).
 *
 * Throughout, a client searches and asks `/readyz` every 50 ms: every answer must be a 200 (the index
 * in memory stays consistent and servable while Kafka is away). After each fault the process must
 * still be the same process, catch up (read-your-writes on the last offset), and at the end hold
 * exactly the log's state, with `vecstream_messages_total{outcome="applied"}` equal to the number of
 * valid messages (nothing lost, nothing applied twice), every invalid message in the dead-letter
 * topic, `vecstream_ready` 1 and `vecstream_consumer_lag` 0.
 *
 * The mock answers each injected Fetch error with a consumer-group rejoin that takes it about 10 s,
 * so each Fetch fault is injected once.
 */

import { Kafka, logLevel } from "kafkajs";
import type { Message } from "kafkajs";
import { afterEach, describe, expect, it } from "vitest";
import { devBrokerUnavailableReason, isDevBrokerAvailable } from "../support/dev-broker.js";
import type { KafkaApiName } from "../support/dev-broker.js";
import { expectedState, generateSeededLog, toMessage } from "../support/seeded-log.js";
import { ServiceProcess } from "../support/service-process.js";
import { sleep } from "../support/wait.js";
import {
  compareWithExpected,
  metrics,
  metricValue,
  postJson,
  processConfig,
  sendMessages,
  startBrokerAndProducer,
  waitApplied,
} from "./helpers.js";

const available = isDevBrokerAvailable();
if (!available) console.warn(`skipping broker-fault tests: ${devBrokerUnavailableReason()}`);

const SEED = Number(process.env.VECSTREAM_FAULT_SEED ?? 20261127);
const SPEC = { name: "faults", topic: "faults.points", dim: 8 };
const ID_SPACE = 300;
const SEGMENT = 200;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** Searches and asks /readyz every 50 ms until stopped; keeps every non-200 answer. */
class Watcher {
  searches = 0;
  readyChecks = 0;
  readonly failures: string[] = [];
  /** /readyz answers that said the membership was lost; the last /readyz status seen. */
  notMember = 0;
  lastReady = 0;
  #stopped = false;
  readonly #loop: Promise<void>;

  constructor(url: string) {
    this.#loop = this.#run(url);
  }

  async #run(url: string): Promise<void> {
    while (!this.#stopped) {
      try {
        const search = await postJson(`${url}/collections/${SPEC.name}/search`, {
          vector: new Array(SPEC.dim).fill(0.1),
          k: 5,
        });
        this.searches++;
        if (search.status !== 200)
          this.failures.push(`search ${search.status} ${JSON.stringify(search.body)}`);
        const ready = await fetch(`${url}/readyz`);
        this.readyChecks++;
        const text = await ready.text();
        // A broker outage as long as the session timeout costs the group membership: /readyz then
        // says so (not_member) until kafkajs rejoins. Anything else is a failure.
        if (ready.status === 503 && text.includes('"not_member"')) this.notMember++;
        else if (ready.status !== 200) this.failures.push(`readyz ${ready.status} ${text}`);
        this.lastReady = ready.status;
      } catch (err) {
        this.failures.push(String(err));
      }
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }
}

/** Samples the lag and applied-offset gauges every 250 ms until `last` is applied. */
async function observeUntilApplied(url: string, last: number): Promise<{ lag: number; applied: number }[]> {
  const samples: { lag: number; applied: number }[] = [];
  let done = false;
  const waiting = waitApplied(url, SPEC.name, SPEC.dim, last).finally(() => (done = true));
  while (!done) {
    const text = await metrics(url);
    samples.push({
      lag: metricValue(text, "vecstream_consumer_lag", { collection: SPEC.name }),
      applied: metricValue(text, "vecstream_applied_offset", { collection: SPEC.name }),
    });
    await sleep(250);
  }
  await waiting;
  return samples;
}

/** Wrong-dimension upserts: each must reach the dead-letter topic. */
const invalidMessages = (tag: string, n: number): Message[] =>
  Array.from({ length: n }, (_, i) => ({
    key: `bad-${tag}-${i}`,
    value: JSON.stringify({ vector: [1, 2, 3] }),
  }));

describe.skipIf(!available)("broker faults", () => {
  it(
    "keeps answering, reconnects, catches up and loses nothing through broker outages and injected request errors",
    { timeout: 180_000 },
    async () => {
      const { broker, producer } = await startBrokerAndProducer(cleanups, SPEC);
      const proc = new ServiceProcess(processConfig(broker, SPEC));
      cleanups.push(() => proc.close());
      const log = generateSeededLog({ seed: SEED, count: 6 * SEGMENT, idSpace: ID_SPACE, dim: SPEC.dim });
      let nextEntry = 0;
      let invalidSent = 0;
      /** The next segment of the log with `invalid` bad messages in its middle. */
      const segment = (tag: string, invalid: number): Message[] => {
        const part = log.entries.slice(nextEntry, nextEntry + SEGMENT).map(toMessage);
        nextEntry += SEGMENT;
        invalidSent += invalid;
        return [...part.slice(0, SEGMENT / 2), ...invalidMessages(tag, invalid), ...part.slice(SEGMENT / 2)];
      };
      const deliver = async (messages: Message[]) =>
        waitApplied(proc.url, SPEC.name, SPEC.dim, await sendMessages(producer, SPEC.topic, messages));

      await proc.start();
      await proc.waitReady();
      const pid = proc.pid;
      const watcher = new Watcher(proc.url);
      await deliver(segment("start", 2));

      // The broker goes down while the producer sends; it comes back 6 s later.
      await broker.brokerDown(1);
      const sendingWhileDown = sendMessages(producer, SPEC.topic, segment("down", 2));
      await sleep(6000);
      await broker.brokerUp(1);
      await waitApplied(proc.url, SPEC.name, SPEC.dim, await sendingWhileDown);

      const faults: [KafkaApiName, number, string][] = [
        ["Fetch", 1, "NOT_LEADER_FOR_PARTITION"],
        ["Fetch", 1, "_TRANSPORT"],
        ["OffsetCommit", 3, "REQUEST_TIMED_OUT"],
        ["Produce", 3, "NOT_LEADER_FOR_PARTITION"],
      ];
      for (const [api, count, code] of faults) {
        await broker.pushRequestErrors(api, count, code);
        const last = await sendMessages(producer, SPEC.topic, segment(`${api}-${code}`, 2));
        const observed = await observeUntilApplied(proc.url, last);
        // The applied-offset gauge never runs ahead of what searches can see.
        expect(observed.every((o) => o.applied <= last)).toBe(true);
        console.info(
          `${api} ${code}: ${observed.length} samples while catching up, lag gauge ${observed.map((o) => o.lag).join(",")}`,
        );
      }
      await watcher.stop();

      expect(proc.pid).toBe(pid);
      expect(proc.running).toBe(true);
      expect(watcher.failures).toEqual([]);
      expect(watcher.searches).toBeGreaterThan(50);
      // 6 s without a heartbeat (the session timeout): /readyz said the membership was lost...
      expect(watcher.notMember).toBeGreaterThan(0);
      expect(watcher.lastReady).toBe(200); // ...and is ready again once the group is rejoined

      const ids = Array.from({ length: ID_SPACE }, (_, i) => `p${i}`);
      expect(await compareWithExpected(proc.url, SPEC.name, ids, expectedState(log))).toEqual([]);
      const text = await metrics(proc.url);
      expect(
        metricValue(text, "vecstream_messages_total", { collection: SPEC.name, outcome: "applied" }),
      ).toBe(log.entries.length);
      expect(metricValue(text, "vecstream_dead_letters_total", { collection: SPEC.name })).toBe(invalidSent);
      expect(metricValue(text, "vecstream_ready")).toBe(1);
      expect(metricValue(text, "vecstream_consumer_lag", { collection: SPEC.name })).toBe(0);

      const admin = new Kafka({
        clientId: "faults-admin",
        brokers: broker.bootstrap,
        logLevel: logLevel.NOTHING,
      }).admin();
      await admin.connect();
      cleanups.push(() => admin.disconnect());
      const [dlq] = await admin.fetchTopicOffsets(`${SPEC.topic}.dlq`);
      expect(Number(dlq.high) - Number(dlq.low)).toBe(invalidSent);
    },
  );
});
