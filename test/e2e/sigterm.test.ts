/**
 * The real process (`node --import tsx src/main.ts`, through ServiceProcess) against the dev broker:
 * it serves, and SIGTERM leaves a snapshot and exits 0. A second start loads that snapshot.
 */

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { encodeUpsert } from "../../src/producer/encode.js";
import { devBrokerUnavailableReason, isDevBrokerAvailable } from "../support/dev-broker.js";
import { connectedProducer, kafkaClient, startBrokerWithTopic } from "../support/kafka-clients.js";
import { ServiceProcess } from "../support/service-process.js";

const available = isDevBrokerAvailable();
if (!available) console.warn(`skipping process tests: ${devBrokerUnavailableReason()}`);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(!available)("the vecstream process", () => {
  it("writes a snapshot and exits 0 on SIGTERM, and loads it on the next start", async () => {
    const broker = await startBrokerWithTopic(cleanups, "proc.points");
    const proc = new ServiceProcess({
      logLevel: "info",
      kafka: {
        brokers: broker.bootstrap,
        groupId: "proc",
        sessionTimeoutMs: 6000,
        heartbeatIntervalMs: 500,
      },
      collections: [
        { name: "proc", topic: "proc.points", dim: 3, metric: "l2", M: 8, efConstruction: 32, ef: 16 },
      ],
    });
    cleanups.push(() => proc.close());
    const producer = await connectedProducer(kafkaClient(broker, "proc-test"), cleanups);
    const sent = await producer.send({
      topic: "proc.points",
      messages: Array.from({ length: 20 }, (_, i) => encodeUpsert(`p${i}`, [i, 0, 1])),
    });

    await proc.start();
    await proc.waitReady(20_000);
    const res = await fetch(`${proc.url}/collections/proc/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        vector: [19, 0, 1],
        k: 1,
        min_offsets: { "0": Number(sent[0].baseOffset) + 19 },
      }),
    });
    expect(((await res.json()) as { result: { id: string }[] }).result[0].id).toBe("p19");

    expect((await proc.kill("SIGTERM")).code).toBe(0);
    expect(readdirSync(join(proc.dataDir, "proc")).filter((f) => f.endsWith(".vss"))).toHaveLength(1);
    expect(proc.logged("snapshot written", 1).some((l) => l.reason === "shutdown")).toBe(true);

    await proc.start();
    await proc.waitReady(20_000);
    expect(proc.logged("snapshot loaded", 2).some((l) => l.points === 20)).toBe(true);
    expect((await proc.kill("SIGINT")).code).toBe(0);
  });
});
