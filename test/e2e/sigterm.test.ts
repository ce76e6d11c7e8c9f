/**
 * The real process (`tsx src/main.ts`) against the dev broker: it serves, and SIGTERM leaves a
 * snapshot and exits 0. A second start loads that snapshot.
 */

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Kafka, Partitioners, logLevel } from "kafkajs";
import { afterEach, describe, expect, it } from "vitest";
import { encodeUpsert } from "../../src/producer/encode.js";
import { devBrokerUnavailableReason, isDevBrokerAvailable, startDevBroker } from "../support/dev-broker.js";
import type { DevBroker } from "../support/dev-broker.js";

const available = isDevBrokerAvailable();
if (!available) console.warn(`skipping process tests: ${devBrokerUnavailableReason()}`);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Running {
  child: ChildProcess;
  url: string;
  lines: Record<string, unknown>[];
  exit: Promise<number | null>;
}

/** Starts the process and resolves once it logged its URL. */
function startProcess(configPath: string): Promise<Running> {
  // `node --import tsx` rather than the tsx wrapper, so a SIGKILL in cleanup reaches vecstream itself.
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { ...process.env, VECSTREAM_CONFIG: configPath, VECSTREAM_LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  cleanups.push(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const lines: Record<string, unknown>[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("vecstream did not log its URL in 20 s")), 20_000);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      lines.push(entry);
      if (entry.msg === "vecstream started") {
        clearTimeout(timer);
        resolve({ child, url: String(entry.url), lines, exit });
      }
    });
    void exit.then((code) => reject(new Error(`vecstream exited with ${code} before starting`)));
  });
}

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if ((await fetch(`${url}/readyz`)).status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("not ready within 20 s");
}

describe.skipIf(!available)("the vecstream process", () => {
  it("writes a snapshot and exits 0 on SIGTERM, and loads it on the next start", async () => {
    const broker: DevBroker = await startDevBroker({
      topics: [
        { name: "proc.points", partitions: 1 },
        { name: "proc.points.dlq", partitions: 1 },
      ],
    });
    cleanups.push(() => broker.stop());
    const dataDir = mkdtempSync(join(tmpdir(), "vecstream-proc-"));
    const configPath = join(dataDir, "config.json");
    writeFileSync(
      configPath,
      JSON.stringify({
        kafka: {
          brokers: broker.bootstrap,
          groupId: "proc",
          sessionTimeoutMs: 6000,
          heartbeatIntervalMs: 500,
        },
        http: { port: 0 },
        dataDir,
        collections: [
          { name: "proc", topic: "proc.points", dim: 3, metric: "l2", M: 8, efConstruction: 32, ef: 16 },
        ],
      }),
    );
    const kafka = new Kafka({ clientId: "proc-test", brokers: broker.bootstrap, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const sent = await producer.send({
      topic: "proc.points",
      messages: Array.from({ length: 20 }, (_, i) => encodeUpsert(`p${i}`, [i, 0, 1])),
    });

    const first = await startProcess(configPath);
    await waitReady(first.url);
    const res = await fetch(`${first.url}/collections/proc/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        vector: [19, 0, 1],
        k: 1,
        min_offsets: { "0": Number(sent[0].baseOffset) + 19 },
      }),
    });
    expect(((await res.json()) as { result: { id: string }[] }).result[0].id).toBe("p19");

    first.child.kill("SIGTERM");
    expect(await first.exit).toBe(0);
    expect(readdirSync(join(dataDir, "proc")).filter((f) => f.endsWith(".vss"))).toHaveLength(1);
    expect(first.lines.some((l) => l.msg === "snapshot written" && l.reason === "shutdown")).toBe(true);

    const second = await startProcess(configPath);
    await waitReady(second.url);
    expect(second.lines.some((l) => l.msg === "snapshot loaded" && l.points === 20)).toBe(true);
    second.child.kill("SIGINT");
    expect(await second.exit).toBe(0);
  });
});
