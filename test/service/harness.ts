/**
 * Runs the whole service in-process against the dev broker (a real Kafka protocol peer), with a
 * producer that reports offsets the way a client would use them for read-your-writes.
 */

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, Partitioners, logLevel } from "kafkajs";
import type { Consumer, Message, Producer } from "kafkajs";
import { Registry } from "prom-client";
import { deepMerge, loadConfig, parseConfig } from "../../src/config.js";
import type { Config } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startService, type ServiceOptions } from "../../src/service.js";
import type { Service } from "../../src/service.js";
import { DEV_BROKER_CONSUMER_SETTINGS, startDevBroker } from "../support/dev-broker.js";
import type { DevBroker } from "../support/dev-broker.js";

export const TOPIC = "svc.points";
export const DLQ = "svc.points.dlq";
export const DIM = 4;

export class Harness {
  readonly #cleanups: (() => Promise<void>)[] = [];
  broker!: DevBroker;
  producer!: Producer;
  dataDir = mkdtempSync(join(tmpdir(), "vecstream-svc-"));

  async start(partitions = 2): Promise<this> {
    this.broker = await startDevBroker({
      topics: [
        { name: TOPIC, partitions },
        { name: DLQ, partitions: 1 },
      ],
    });
    this.#cleanups.push(() => this.broker.stop());
    this.producer = this.kafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
    this.#cleanups.push(() => this.producer.disconnect());
    return this;
  }

  kafka(): Kafka {
    return new Kafka({
      clientId: "svc-test",
      brokers: this.broker.bootstrap,
      logLevel: logLevel.NOTHING,
      retry: { retries: 20, initialRetryTime: 50, maxRetryTime: 500 },
    });
  }

  config(overrides: Record<string, unknown> = {}): Config {
    const base = deepMerge(loadConfig({}), {
      logLevel: "silent",
      kafka: { brokers: this.broker.bootstrap, groupId: "svc-test", clientId: "svc" },
      http: { port: 0 },
      dataDir: this.dataDir,
      pipeline: { batchMaxMessages: 100, batchMaxMs: 5, highWaterMark: 2000, lowWaterMark: 200 },
      snapshots: { intervalMs: 3_600_000, everyMessages: 1_000_000, keep: 2 },
      collections: [
        {
          name: "pts",
          topic: TOPIC,
          dlqTopic: DLQ,
          dim: DIM,
          metric: "l2",
          M: 8,
          efConstruction: 64,
          ef: 64,
        },
      ],
    });
    return parseConfig(deepMerge(base, overrides));
  }

  async service(config = this.config(), extra: Partial<ServiceOptions> = {}): Promise<Service> {
    const service = await startService(config, {
      registry: new Registry(),
      logger: createLogger("silent"),
      consumer: { consumerConfig: { ...DEV_BROKER_CONSUMER_SETTINGS }, heartbeatIntervalMs: 500 },
      ...extra,
    });
    let stopped = false;
    const stop = service.stop;
    this.#cleanups.push(async () => {
      if (!stopped) await stop();
    });
    return {
      ...service,
      stop: async () => {
        stopped = true;
        await stop();
      },
    };
  }

  /**
   * Sends messages, each on a partition fixed by its key (so per-id order holds), and returns per
   * partition the offset of the last one: kafkajs's `send()` gives each partition's `baseOffset`, and
   * that partition's messages of this send follow it consecutively.
   */
  async send(messages: Message[], partitions = 2): Promise<Record<string, number>> {
    const placed = messages.map((m) => ({ ...m, partition: partitionOf(String(m.key ?? ""), partitions) }));
    const results = await this.producer.send({ topic: TOPIC, messages: placed, acks: -1 });
    const count = new Map<number, number>();
    for (const m of placed) count.set(m.partition, (count.get(m.partition) ?? 0) + 1);
    const out: Record<string, number> = {};
    for (const r of results)
      out[String(r.partition)] = Number(r.baseOffset) + (count.get(r.partition) ?? 1) - 1;
    return out;
  }

  /** Reads `count` dead letters from the DLQ topic (bounded). */
  async deadLetters(count: number, timeoutMs = 20_000): Promise<{ key: string | null; reason: string }[]> {
    const consumer: Consumer = this.kafka().consumer({
      groupId: `dlq-${Date.now()}`,
      ...DEV_BROKER_CONSUMER_SETTINGS,
    });
    await consumer.connect();
    await consumer.subscribe({ topic: DLQ, fromBeginning: true });
    const seen: { key: string | null; reason: string }[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${seen.length} of ${count} dead letters`)),
          timeoutMs,
        );
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen.push({
              key: message.key?.toString("utf8") ?? null,
              reason: String(message.headers?.["x-vecstream-reason"] ?? ""),
            });
            if (seen.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    return seen;
  }

  async close(): Promise<void> {
    for (const cleanup of this.#cleanups.splice(0).reverse()) await cleanup();
  }
}

export async function search(
  service: Service,
  body: Record<string, unknown>,
): Promise<{
  status: number;
  body: { result?: { id: string; distance: number; payload?: unknown }[]; error?: { code: string } };
}> {
  const res = await fetch(`${service.url}/collections/pts/search`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as never };
}

export const ids = (r: Awaited<ReturnType<typeof search>>) => (r.body.result ?? []).map((h) => h.id);

/** A stable key -> partition map for tests (FNV-1a); any stable function keeps per-id order. */
export function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h % partitions;
}
