/**
 * The streaming benchmark's other processes: vecstream itself and the search client.
 *
 * Contract:
 * - `benchServiceConfig` is the service configuration of one run: one 128-d L2 collection with
 *   M = 16, efConstruction = 200, ef = 64 on its own topic and consumer group, snapshots pushed a day
 *   away (a snapshot of 100k points mid-run would skew every figure), and the quality prober either on
 *   at `probeIntervalMs` (recall and LID) or likewise pushed a day away.
 * - `startService` runs it with `ServiceProcess` (`node --import tsx src/main.ts`, temp dir, port 0)
 *   and resolves once `/readyz` answers 200. The caller ends it with `close()` (SIGKILL, temp dir
 *   removed): the data dir is thrown away, so a graceful shutdown's snapshot would only cost time.
 * - `serviceFigures(url)` reads the service's own `/metrics`: freshness quantiles from its histogram,
 *   its process CPU seconds and the time spent in batch applies.
 * - `SearcherClient.start()` forks `stream-searcher.ts` with an IPC channel; `request` sends one
 *   message and resolves with its reply (replies come in order, so a FIFO pairs them). `stop()` asks
 *   the searcher to exit and waits for it; a searcher still alive when this process exits is killed.
 */

import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ServiceProcess } from "../../test/support/service-process.js";
import type { SearcherReply, SearcherRequest } from "./stream-searcher.js";
import { histogramQuantile, parseHistogram, sampleValue } from "./stream-stats.js";

/** An interval that never fires during a benchmark (and stays below setInterval's 2^31-1 ms limit). */
const NEVER_MS = 86_400_000;

export const BENCH_COLLECTION = "bench";
export const BENCH_HNSW = { M: 16, efConstruction: 200, ef: 64, seed: 42 } as const;

export interface RunServiceOptions {
  brokers: string[];
  topic: string;
  dim: number;
  /** Quality probes (recall and LID) every this many ms, or undefined for off. */
  probeIntervalMs: number | undefined;
}

export function benchServiceConfig(o: RunServiceOptions): Record<string, unknown> {
  const probeMs = o.probeIntervalMs ?? NEVER_MS;
  return {
    logLevel: "info",
    kafka: {
      brokers: o.brokers,
      clientId: "vecstream-bench",
      groupId: `vecstream-bench-${o.topic}`,
      // The dev broker's mock makes a rejoining member wait sessionTimeout - 1 s; keep it short.
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
    },
    http: { host: "127.0.0.1", port: 0 },
    snapshots: { intervalMs: NEVER_MS, everyMessages: 1_000_000_000, keep: 1 },
    quality: { recallProbeIntervalMs: probeMs, lidIntervalMs: probeMs },
    collections: [
      {
        name: BENCH_COLLECTION,
        topic: o.topic,
        dlqTopic: `${o.topic}.dlq`,
        dim: o.dim,
        metric: "l2",
        ...BENCH_HNSW,
      },
    ],
  };
}

/** Starts vecstream for one run and waits until it is ready (caught up with its empty topic). */
export async function startService(o: RunServiceOptions): Promise<ServiceProcess> {
  const service = new ServiceProcess(benchServiceConfig(o), { startTimeoutMs: 60_000 });
  try {
    await service.start();
    await service.waitReady(60_000);
    return service;
  } catch (err) {
    await service.close();
    throw err;
  }
}

export interface ServiceFigures {
  freshnessP50Ms: number;
  freshnessP99Ms: number;
  /** `process_cpu_seconds_total` of the service process. */
  cpuSeconds: number;
  /** Time spent inside batch applies (`vecstream_batch_apply_seconds_sum`), yields between slices included. */
  applySeconds: number;
}

/** What the service's own `/metrics` says; read once the run's upserts are all applied. */
export async function serviceFigures(url: string): Promise<ServiceFigures> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const where = { collection: BENCH_COLLECTION };
  const buckets = parseHistogram(text, "vecstream_freshness_seconds", where);
  return {
    freshnessP50Ms: histogramQuantile(buckets, 0.5) * 1000,
    freshnessP99Ms: histogramQuantile(buckets, 0.99) * 1000,
    cpuSeconds: sampleValue(text, "process_cpu_seconds_total"),
    applySeconds: sampleValue(text, "vecstream_batch_apply_seconds_sum", where),
  };
}

const SEARCHER = fileURLToPath(new URL("./stream-searcher.ts", import.meta.url));

export class SearcherClient {
  readonly #child: ChildProcess;
  readonly #waiting: { resolve: (reply: SearcherReply) => void; reject: (err: Error) => void }[] = [];
  readonly #exited: Promise<void>;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on("message", (message) => this.#waiting.shift()?.resolve(message as SearcherReply));
    this.#exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        const err = new Error(`the search client exited (code ${code}, signal ${signal})`);
        for (const waiter of this.#waiting.splice(0)) waiter.reject(err);
        resolve();
      }),
    );
    process.once("exit", () => child.kill("SIGKILL"));
  }

  static start(): SearcherClient {
    return new SearcherClient(
      fork(SEARCHER, [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] }),
    );
  }

  request(message: SearcherRequest): Promise<SearcherReply> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#child.send(message);
    });
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      await this.request({ type: "stop" }).catch(() => undefined);
    }
    await this.#exited;
  }
}
