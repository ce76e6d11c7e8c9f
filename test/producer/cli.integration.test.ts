/** The producer CLI against the dev broker: what it sends, and the last offsets it prints. */
import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kafka, KafkaMessage } from "kafkajs";
import { buildProgram } from "../../src/producer/cli.js";
import { decodeMessage } from "../../src/stream/wire.js";
import {
  DEV_BROKER_CONSUMER_SETTINGS,
  devBrokerUnavailableReason,
  isDevBrokerAvailable,
  type DevBroker,
} from "../support/dev-broker.js";
import { encodeVecs } from "../support/fvecs.js";
import { kafkaClient, startBrokerWithTopic } from "../support/kafka-clients.js";
import { pollUntil } from "../support/wait.js";

const available = isDevBrokerAvailable();
if (!available) console.warn(`skipping producer CLI tests: ${devBrokerUnavailableReason()}`);

const TOPIC = "vecstream.cli";
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function cli(
  b: DevBroker,
  ...args: string[]
): Promise<{ topic: string; sent: number; offsets: Record<string, number> }> {
  const lines: string[] = [];
  await buildProgram((l) => lines.push(l)).parseAsync([
    "node",
    "vecstream-produce",
    "--brokers",
    b.bootstrap.join(","),
    "--topic",
    TOPIC,
    ...args,
  ]);
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]);
}

async function readTopic(
  kafka: Kafka,
  count: number,
): Promise<Array<{ partition: number; message: KafkaMessage }>> {
  const consumer = kafka.consumer({ groupId: "cli-reader", ...DEV_BROKER_CONSUMER_SETTINGS });
  cleanups.push(() => consumer.disconnect());
  const got: Array<{ partition: number; message: KafkaMessage }> = [];
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => void got.push({ partition, message }),
  });
  await pollUntil(() => got.length >= count, 15_000);
  return got;
}

describe.skipIf(!available)("vecstream-produce against the dev broker", () => {
  it("sends fvecs rows --start..--start+--limit as keyed upserts and prints the last offset per partition", async () => {
    const b = await startBrokerWithTopic(cleanups, TOPIC, { partitions: 3, dlq: false });
    const dir = mkdtempSync(join(tmpdir(), "vecstream-cli-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const dim = 4;
    const rows = Array.from({ length: 25 }, (_, r) => Array.from({ length: dim }, (_, j) => r + j / 10));
    const file = join(dir, "base.fvecs");
    writeFileSync(file, encodeVecs(rows, "f32"));

    const upserts = await cli(
      b,
      "--batch-size",
      "4",
      "upsert",
      "--fvecs",
      file,
      "--start",
      "5",
      "--limit",
      "15",
      "--format",
      "f32",
      "--id-prefix",
      "row-",
    );
    expect(upserts.sent).toBe(15);
    const deletes = await cli(b, "delete", "row-5", "row-6", "--rate", "1000/s");
    expect(deletes.sent).toBe(2);

    const kafka = kafkaClient(b, "t");
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const highs = Object.fromEntries(
      (await admin.fetchTopicOffsets(TOPIC))
        .filter((o) => o.high !== "0")
        .map((o) => [String(o.partition), Number(o.high) - 1]),
    );
    // Each printed offset is the last one written there by that run; the later run moved its partitions on.
    expect({ ...upserts.offsets, ...deletes.offsets }).toEqual(highs);

    const got = await readTopic(kafka, 17);
    const decoded = got.map(({ partition, message }) =>
      decodeMessage(message, partition, { dim, metric: "l2", maxMessageBytes: 1 << 16 }),
    );
    const upserted = decoded.filter((d) => d.kind === "upsert");
    expect(upserted.map((d) => d.id).sort()).toEqual(
      Array.from({ length: 15 }, (_, i) => `row-${i + 5}`).sort(),
    );
    const row7 = upserted.find((d) => d.id === "row-7");
    expect(row7 && Array.from(row7.vector)).toEqual([7, 7.1, 7.2, 7.3].map(Math.fround));
    expect(
      decoded
        .filter((d) => d.kind === "delete")
        .map((d) => d.id)
        .sort(),
    ).toEqual(["row-5", "row-6"]);
  });
});
