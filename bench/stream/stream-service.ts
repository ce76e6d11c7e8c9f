/**
 * vecstream as one benchmark run's own process, and what the benchmark reads from it.
 *
 * Contract:
 * - `benchServiceConfig` is the service configuration of one run: one 128-d L2 collection with
 *   M = 16, efConstruction = 200, ef = 64 on its own topic and consumer group, snapshots pushed a day
 *   away (a snapshot of 100k points mid-run would skew every figure), and the quality prober either on
 *   at `probeIntervalMs` (recall and LID) or likewise pushed a day away.
 * - `BenchService.start` writes it to a temp dir and runs `node --import tsx src/main.ts`, the
 *   service as production runs it. The config sets `kafka.fetchMaxWaitMs` short: the dev broker
 *   (librdkafka's mock) answers a fetch that finds no new data only after the full wait, even when
 *   records arrive meanwhile, where a real broker answers at once; with kafkajs's long wait the
 *   benchmark would report the mock's wait, not vecstream's freshness (measured: one message every
 *   100 ms, delivery p50 3.1 s at 5000 ms vs 0.12 s at 200 ms). It resolves once the service logged its URL, `/readyz` answers
 *   200 and the consumer logged its partition assignment (the dev broker's mock holds the first join
 *   of a group 3 s; producing before it would count that delay as freshness). It rejects, with the
 *   output tail, if the process exits first or `timeoutMs` passes.
 * - `problems()` lists the warnings and errors it logged (counted by message), for the run's output.
 * - `close()` SIGKILLs the process and removes the temp dir: the data is thrown away, so a graceful
 *   shutdown's snapshot would only cost time. A process still alive when this one exits is killed.
 * - `serviceFigures(url)` reads the service's own `/metrics`: freshness quantiles from its histogram,
 *   its process CPU seconds, the time spent in batch applies, and its event-loop delay since the
 *   previous scrape.
 */

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { StreamBenchError } from "./stream-errors.js";
import { histogramQuantile, parseHistogram, sampleValue } from "./stream-stats.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENTRY = "src/main.ts";
const OUTPUT_TAIL_LINES = 30;

/** An interval that never fires during a benchmark (and stays below setInterval's 2^31-1 ms limit). */
const NEVER_MS = 86_400_000;

export const BENCH_COLLECTION = "bench";
export const BENCH_HNSW = { M: 16, efConstruction: 200, ef: 64, seed: 42 } as const;

export interface RunServiceOptions {
  brokers: string[];
  topic: string;
  dim: number;
  /** kafkajs `maxWaitTimeInMs` of the service consumer. */
  fetchMaxWaitMs: number;
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
      fetchMaxWaitMs: o.fetchMaxWaitMs,
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

export class BenchService {
  readonly #dir = mkdtempSync(join(tmpdir(), "vecstream-bench-"));
  readonly #child: ChildProcess;
  readonly #exited: Promise<string>;
  readonly #tail: string[] = [];
  /** The first log entry of each message text, for the waits of `start`. */
  readonly #seen = new Map<string, Record<string, unknown>>();
  readonly #lineListeners = new Set<() => void>();
  /** Warnings and errors the service logged (level >= 40), by message: how many and the first one. */
  readonly #problems = new Map<string, { count: number; first: string }>();

  private constructor(o: RunServiceOptions) {
    const configPath = join(this.#dir, "config.json");
    const config = { ...benchServiceConfig(o), dataDir: join(this.#dir, "data") };
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    this.#child = spawn(process.execPath, ["--import", "tsx", ENTRY], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        VECSTREAM_CONFIG: configPath,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    // This process exits without close() (a signal, a crash): kill the service and drop its files.
    const kill = () => {
      this.#child.kill("SIGKILL");
      rmSync(this.#dir, { recursive: true, force: true });
    };
    process.once("exit", kill);
    this.#exited = new Promise((resolve) =>
      this.#child.once("exit", (code, signal) => {
        process.off("exit", kill);
        resolve(`vecstream exited (code ${code}, signal ${signal})`);
      }),
    );
    createInterface({ input: this.#child.stdout! }).on("line", (line) => this.#output(line));
    createInterface({ input: this.#child.stderr! }).on("line", (line) => this.#output(line));
  }

  static async start(o: RunServiceOptions, timeoutMs = 90_000): Promise<BenchService> {
    const service = new BenchService(o);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StreamBenchError("SERVICE_START_FAILED", `vecstream not ready in ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([service.#ready(), timeout]);
      return service;
    } catch (err) {
      await service.close();
      const tail = service.#tail.join("\n");
      throw new StreamBenchError(
        "SERVICE_START_FAILED",
        `${(err as Error).message}; its last output:\n${tail}`,
        {
          cause: err,
        },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  get url(): string {
    return String(this.#seen.get("vecstream started")?.url ?? "");
  }

  async close(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill("SIGKILL");
    await this.#exited;
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #output(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > OUTPUT_TAIL_LINES) this.#tail.shift();
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (typeof entry.msg === "string" && !this.#seen.has(entry.msg)) this.#seen.set(entry.msg, entry);
      if (typeof entry.level === "number" && entry.level >= 40) this.#problem(String(entry.msg), line);
    } catch {
      // Not pino JSON (a stack trace on stderr, say): kept in the tail only.
    }
    for (const listener of this.#lineListeners) listener();
  }

  #problem(msg: string, line: string): void {
    const known = this.#problems.get(msg);
    if (known) known.count++;
    else this.#problems.set(msg, { count: 1, first: line });
  }

  /** The warnings and errors logged so far, one line per message text, with a count and the first. */
  problems(): string[] {
    return [...this.#problems].map(([msg, p]) => `${p.count} x "${msg}"; first: ${p.first.slice(0, 400)}`);
  }

  /** Resolves once a log entry with message `msg` was seen; rejects if the process exits first. */
  #logged(msg: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!this.#seen.has(msg)) return;
        this.#lineListeners.delete(check);
        resolve();
      };
      this.#lineListeners.add(check);
      check();
      void this.#exited.then((why) =>
        reject(new StreamBenchError("SERVICE_START_FAILED", `${why} while waiting for '${msg}'`)),
      );
    });
  }

  async #ready(): Promise<void> {
    await this.#logged("vecstream started");
    for (;;) {
      const res = await fetch(`${this.url}/readyz`).catch(() => undefined);
      if (res?.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await this.#logged("kafka partitions assigned");
  }
}

export interface ServiceFigures {
  freshnessP50Ms: number;
  freshnessP99Ms: number;
  /** `process_cpu_seconds_total` of the service process. */
  cpuSeconds: number;
  /** Time spent inside batch applies (`vecstream_batch_apply_seconds_sum`), yields between slices included. */
  applySeconds: number;
  /**
   * Event-loop delay p99 and max since the previous scrape (prom-client resets its
   * `monitorEventLoopDelay` histogram on every scrape): a blocked loop and a process the OS did not
   * run both show here.
   */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** What the service's own `/metrics` says now (cumulative figures, and loop delay since the last scrape). */
export async function serviceFigures(url: string): Promise<ServiceFigures> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const where = { collection: BENCH_COLLECTION };
  const buckets = parseHistogram(text, "vecstream_freshness_seconds", where);
  return {
    freshnessP50Ms: histogramQuantile(buckets, 0.5) * 1000,
    freshnessP99Ms: histogramQuantile(buckets, 0.99) * 1000,
    cpuSeconds: sampleValue(text, "process_cpu_seconds_total"),
    applySeconds: sampleValue(text, "vecstream_batch_apply_seconds_sum", where),
    loopDelayP99Ms: sampleValue(text, "nodejs_eventloop_lag_p99_seconds") * 1000,
    loopDelayMaxMs: sampleValue(text, "nodejs_eventloop_lag_max_seconds") * 1000,
  };
}
