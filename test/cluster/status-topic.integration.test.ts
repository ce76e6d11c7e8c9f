/**
 * The status topic on the dev broker: members publish their records, a reader started later reads
 * the whole topic into a routing table, a tombstone removes a member, an expired record is ignored,
 * and the dev broker's missing CreateTopics falls back to the topic it auto-creates.
 */

import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { StatusPublisher } from "../../src/cluster/status-publisher.js";
import { StatusReader } from "../../src/cluster/status-reader.js";
import { ensureStatusTopic, StatusTopicError } from "../../src/cluster/status-topic.js";
import { buildStatusRecord, encodeStatus } from "../../src/cluster/status.js";
import type { StatusRecord } from "../../src/cluster/status.js";
import {
  DEV_BROKER_CONSUMER_SETTINGS,
  devBrokerUnavailableReason,
  isDevBrokerAvailable,
  startDevBroker,
} from "../support/dev-broker.js";
import type { DevBroker } from "../support/dev-broker.js";
import { connectedProducer, kafkaClient } from "../support/kafka-clients.js";
import { waitFor } from "../support/wait.js";

const available = isDevBrokerAvailable();
if (!available) console.warn(`skipping status topic tests: ${devBrokerUnavailableReason()}`);

const TOPIC = "vecstream.cluster-status";
const log = pino({ level: "silent" });
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function broker(): Promise<DevBroker> {
  const started = await startDevBroker({ topics: [{ name: TOPIC, partitions: 1 }] });
  cleanups.push(() => started.stop());
  return started;
}

function recordOf(member: string, partitions: number[], heartbeatAt: number): StatusRecord {
  return buildStatusRecord(
    { member, replicaGroup: "g", url: `http://127.0.0.1:1/${member}`, startedAt: 0 },
    [
      {
        name: "c",
        partitionCount: 2,
        membershipCurrent: true,
        partitions: partitions.map((partition) => ({
          partition,
          ownership: "held" as const,
          applied: 5,
          highWatermark: 6,
          restoredAtMs: 1,
        })),
      },
    ],
    heartbeatAt,
  );
}

async function reader(devBroker: DevBroker, member: string): Promise<StatusReader> {
  const r = new StatusReader({
    kafka: kafkaClient(devBroker, member),
    topic: TOPIC,
    member,
    groupIdPrefix: "test",
    expiryMs: 10_000,
    consumer: DEV_BROKER_CONSUMER_SETTINGS,
    log,
  });
  cleanups.push(() => r.stop());
  await r.start();
  return r;
}

const holders = (r: StatusReader, p: number) =>
  r
    .table()
    .holdersOf("c", p)
    .map((h) => h.member);

describe.skipIf(!available)("status topic on the dev broker", () => {
  it("gives a reader started later every member's latest record, and drops a member at its tombstone", async () => {
    const devBroker = await broker();
    const producer = await connectedProducer(kafkaClient(devBroker, "publishers"), {
      push: (c: () => Promise<void>) => cleanups.push(c),
    });
    const publishers = ["m1", "m2"].map((member, i) => {
      const publisher = new StatusPublisher({
        producer,
        topic: TOPIC,
        intervalMs: 200,
        build: () => recordOf(member, [i], Date.now()),
        log,
      });
      cleanups.push(() => publisher.stop());
      return publisher;
    });
    for (const p of publishers) await p.start();
    const r = await reader(devBroker, "observer");
    await waitFor(
      "both members in the table",
      () => holders(r, 0).length === 1 && holders(r, 1).length === 1,
    );
    expect([holders(r, 0), holders(r, 1)]).toEqual([["m1"], ["m2"]]);
    await publishers[1].stop();
    await waitFor("m2 gone", () => holders(r, 1).length === 0);
    expect(r.table().members.map((m) => m.member)).toEqual(["m1"]);
  });

  it("ignores a member whose last record is older than the expiry (a SIGKILLed member's key)", async () => {
    const devBroker = await broker();
    const producer = await connectedProducer(kafkaClient(devBroker, "p"), {
      push: (c: () => Promise<void>) => cleanups.push(c),
    });
    await producer.send({
      topic: TOPIC,
      messages: [
        encodeStatus(recordOf("dead", [0], Date.now() - 60_000)),
        encodeStatus(recordOf("live", [1], Date.now())),
      ],
    });
    const r = await reader(devBroker, "observer");
    await waitFor("both records read", () => r.table().members.length === 2);
    expect(holders(r, 0)).toEqual([]);
    expect(holders(r, 1)).toEqual(["live"]);
    expect(r.table().members.map((m) => [m.member, m.expired])).toEqual([
      ["dead", true],
      ["live", false],
    ]);
  });

  it("uses the topic the dev broker auto-creates, since it cannot create topics", async () => {
    const devBroker = await broker();
    const admin = kafkaClient(devBroker, "admin").admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    expect(await ensureStatusTopic(admin, "vecstream.status-new", log)).toBe("found");
  });

  it("stops the start with the topic's name and settings when it neither exists nor can be created", async () => {
    const devBroker = await broker();
    const admin = kafkaClient(devBroker, "admin", { retries: 0 }).admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    // Every broker refuses connections: the topic can be neither created nor looked up.
    await devBroker.command("down -1");
    const err = await ensureStatusTopic(admin, "missing.status", log).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatusTopicError);
    expect((err as Error).message).toMatch(/missing\.status .*cleanup\.policy=compact/);
  });
});
