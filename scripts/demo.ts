/**
 * The quick-start demo: dev broker + vecstream (as a child process) + sample vectors + live queries.
 *
 * Steps: start the dev broker with the demo topic and its dead-letter topic; start `tsx src/main.ts`
 * with a generated config (temp data dir); stream the vectors with the producer (payload `{row}`),
 * which reports the last offset per partition; wait for /readyz and then for those offsets
 * (read-your-writes); run the queries over HTTP and print recall@10 against exact ground truth; print
 * the URLs. On a terminal it then runs until Ctrl-C; otherwise it stops vecstream with SIGTERM (which
 * writes a snapshot) and exits 0.
 */

import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Message } from "kafkajs";
import { encodeUpsert } from "../src/producer/encode.js";
import { produce } from "../src/producer/cli.js";
import { onStopSignal, startBroker, startVecstream, stopChild } from "./demo-procs.js";
import { loadDemoData } from "./demo-data.js";
import type { DemoData } from "./demo-data.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TOPIC = "vecstream.demo";
const say = (line = "") => process.stdout.write(`${line}\n`);

/** 8080 when free, else any free port. */
function pickPort(preferred = 8080): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(0));
    probe.listen(preferred, "127.0.0.1", () => probe.close(() => resolve(preferred)));
  });
}

async function http<T>(url: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(url, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function* messages(data: DemoData): AsyncGenerator<Message> {
  for (let row = 0; row < data.base.length; row++) yield encodeUpsert(String(row), data.base[row], { row });
}

/** Waits until every offset the producer wrote is applied, showing progress, via min_offsets. */
async function readYourWrites(url: string, offsets: Record<string, number>, dim: number): Promise<void> {
  for (;;) {
    const r = await http<{ error?: { code: string } }>(`${url}/collections/demo/search`, {
      vector: new Array(dim).fill(0),
      k: 1,
      min_offsets: offsets,
      timeout_ms: 2000,
    });
    if (r.status === 200) return;
    if (r.status !== 408) throw new Error(`search failed: ${JSON.stringify(r.json)}`);
    const info = await http<{ result: { points: number } }>(`${url}/collections/demo`);
    say(`  ... ${info.json.result.points} points searchable so far`);
  }
}

type Hit = { id: string; distance: number; payload: { row: number } | null };

async function runQueries(url: string, data: DemoData): Promise<void> {
  let recallSum = 0;
  const latencies: number[] = [];
  for (let q = 0; q < data.queries.length; q++) {
    const started = performance.now();
    const r = await http<{ result: Hit[] }>(`${url}/collections/demo/search`, {
      vector: Array.from(data.queries[q]),
      k: 10,
    });
    latencies.push(performance.now() - started);
    const truth = new Set(data.truth[q]);
    const recall = r.json.result.filter((h) => truth.has(h.id)).length / 10;
    recallSum += recall;
    if (q < 5) {
      const top = r.json.result
        .slice(0, 3)
        .map((h) => `${h.id} (${h.distance.toFixed(1)})`)
        .join(", ");
      say(`  query ${q}: top-3 ${top}   recall@10 ${recall.toFixed(2)}`);
    }
  }
  latencies.sort((a, b) => a - b);
  const p = (f: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(f * latencies.length))].toFixed(2);
  say(`  ${data.queries.length} queries: mean recall@10 ${(recallSum / data.queries.length).toFixed(3)}`);
  say(`  HTTP round trip p50 ${p(0.5)} ms, p99 ${p(0.99)} ms (client side, one at a time)`);
}

async function main(): Promise<void> {
  const data = loadDemoData(ROOT);
  say(`vecstream demo: ${data.name}, ${data.base.length} vectors, ${data.queries.length} queries`);
  let broker: { child: ChildProcess; bootstrap: string[] } | undefined;
  let child: ChildProcess | undefined;
  // Until the demo reaches its "running" phase a signal aborts it; then it ends that phase.
  let endRunningPhase: (() => void) | undefined;
  onStopSignal(async (signal) => {
    if (endRunningPhase) return endRunningPhase();
    say(`${signal}: stopping vecstream and the dev broker`);
    if (child) await stopChild(child, "SIGTERM");
    if (broker) await stopChild(broker.child, "SIGTERM");
    process.exit(130);
  });
  try {
    broker = await startBroker([
      { name: TOPIC, partitions: 3 },
      { name: `${TOPIC}.dlq`, partitions: 1 },
    ]);
    say(`dev broker: ${broker.bootstrap.join(",")}`);
    const dataDir = mkdtempSync(join(tmpdir(), "vecstream-demo-"));
    const configPath = join(dataDir, "config.json");
    const config = {
      kafka: {
        brokers: broker.bootstrap,
        groupId: "vecstream-demo",
        sessionTimeoutMs: 6000,
        heartbeatIntervalMs: 500,
      },
      http: { port: await pickPort() },
      dataDir,
      collections: [
        { name: "demo", topic: TOPIC, dim: data.dim, metric: "l2", M: 16, efConstruction: 100, ef: 64 },
      ],
    };
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    const started = await startVecstream(ROOT, configPath, say);
    child = started.child;
    const url = started.url;
    say(`vecstream: ${url} (config ${configPath})`);
    await waitFor("/readyz", async () => (await fetch(`${url}/readyz`)).status === 200, 60_000);

    const t0 = performance.now();
    const summary = await produce(messages(data), {
      brokers: broker.bootstrap,
      topic: TOPIC,
      clientId: "vecstream-demo",
      batchSize: 500,
      total: data.base.length,
      progress: process.stderr.isTTY === true,
    });
    say(`produced ${summary.sent} upserts; last offsets ${JSON.stringify(summary.offsets)}`);
    await readYourWrites(url, summary.offsets, data.dim);
    say(
      `all ${summary.sent} points searchable ${((performance.now() - t0) / 1000).toFixed(1)} s after the first send`,
    );
    await runQueries(url, data);

    say();
    say(`API:      ${url}/collections/demo   (POST ${url}/collections/demo/search)`);
    say(`metrics:  ${url}/metrics`);
    say(`try:      curl -s ${url}/collections/demo/points/42`);
    if (process.stdin.isTTY) {
      say("running; press Ctrl-C to stop (vecstream writes a snapshot on the way out)");
      await new Promise<void>((resolve) => (endRunningPhase = resolve));
    }
    const code = await stopChild(child, "SIGTERM");
    const snapshots = readdirSync(join(dataDir, "demo")).filter((f) => f.endsWith(".vss"));
    say(`vecstream exited with ${code}; snapshots in ${join(dataDir, "demo")}: ${snapshots.join(", ")}`);
    if (code !== 0) process.exitCode = 1;
  } finally {
    if (child) await stopChild(child, "SIGKILL");
    if (broker) await stopChild(broker.child, "SIGTERM");
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
