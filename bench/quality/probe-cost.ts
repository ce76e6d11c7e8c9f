/**
 * What the live quality prober costs searches, in one process: search latency (p50/p99/max) and
 * event-loop delay on an `HnswIndex` (default 100k x 128, the synthetic mixture of bench/lib), first
 * with no prober, then with `startQualityProber` probing recall and LID every `--interval-ms`
 * (default 1000, the service's 16 recall queries and 100 LID points).
 *
 * Searches are paced by a timer (`--qps`, default 100) and a search's latency is measured from the
 * moment it was due, not from when the loop got to it, so time spent waiting behind a prober slice
 * counts, as it would for an HTTP request. The prober's `yieldToLoop` is wrapped to record how long
 * each slice held the loop (the time from one resume to the next yield; gaps over 250 ms are idle
 * time between probes and are dropped).
 *
 * With `PROBE_COST_TRACE=1` set, every slice over 8 ms is logged to stderr with the function that
 * ended it (how the fast path's remaining overruns were traced to preemption of a single step).
 *
 * Run: `npx tsx bench/quality/probe-cost.ts [--n 100000] [--seconds 15] [--qps 100]
 *       [--interval-ms 1000] [--ef-construction 100] [--ef 64]`. Prints one JSON object.
 */

import { monitorEventLoopDelay } from "node:perf_hooks";
import { HnswIndex } from "../../src/index/index.js";
import { startQualityProber } from "../../src/quality/prober.js";
import type { QualityProber } from "../../src/quality/prober.js";
import { defaultRecipe, generateSynthetic } from "../lib/synthetic.js";

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

const n = arg("n", 100_000);
const seconds = arg("seconds", 15);
const qps = arg("qps", 100);
const intervalMs = arg("interval-ms", 1000);
const efConstruction = arg("ef-construction", 100);
const ef = arg("ef", 64);
const dim = 128;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function summary(values: number[]): { n: number; p50: number; p99: number; max: number } {
  const sorted = values.slice().sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 100) / 100;
  return {
    n: sorted.length,
    p50: round(quantile(sorted, 0.5)),
    p99: round(quantile(sorted, 0.99)),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
  };
}

/** Paced searches for `seconds`; resolves with each search's latency from its due time (ms). */
function pacedSearches(index: HnswIndex, queries: Float32Array, nq: number): Promise<number[]> {
  const latencies: number[] = [];
  const period = 1000 / qps;
  const start = performance.now();
  const total = Math.floor(seconds * qps);
  return new Promise((resolve) => {
    let i = 0;
    const tick = (): void => {
      // Every search whose due time has passed runs now, each measured from its own due time.
      while (i < total && performance.now() >= start + i * period) {
        const due = start + i * period;
        const q = i % nq;
        index.search(queries.subarray(q * dim, (q + 1) * dim), 10, { ef });
        latencies.push(performance.now() - due);
        i++;
      }
      if (i >= total) resolve(latencies);
      else setTimeout(tick, Math.max(0, start + i * period - performance.now()));
    };
    tick();
  });
}

async function phase(index: HnswIndex, queries: Float32Array, nq: number, withProber: boolean) {
  const slices: number[] = [];
  let lastResume = -1;
  const probes = { recall: 0, lid: 0, lastRecall: Number.NaN, lastLid: Number.NaN };
  let prober: QualityProber | undefined;
  if (withProber) {
    prober = startQualityProber({
      collections: [{ name: "bench", index, defaultEf: ef }],
      config: {
        recallProbeIntervalMs: intervalMs,
        recallProbeQueries: 16,
        recallK: 10,
        lidIntervalMs: intervalMs,
        lidSampleSize: 100,
        lidK: 20,
      },
      onRecall: (_c, recall) => ((probes.recall += 1), (probes.lastRecall = recall)),
      onLid: (_c, lid) => ((probes.lid += 1), (probes.lastLid = lid)),
      onError: (_c, kind, error) => console.error(`${kind} probe failed`, error),
      budget: {
        yieldToLoop: () => {
          const held = performance.now() - lastResume;
          if (lastResume >= 0 && held < 250) slices.push(held);
          if (process.env.PROBE_COST_TRACE !== undefined && held > 8 && held < 250) {
            console.error(`slice ${held.toFixed(1)} ms ended at`, new Error().stack?.split("\n")[2]);
          }
          return new Promise((resolve) =>
            setImmediate(() => {
              lastResume = performance.now();
              resolve();
            }),
          );
        },
      },
    });
  }
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const latencies = await pacedSearches(index, queries, nq);
  loopDelay.disable();
  await prober?.stop();
  return {
    prober: withProber,
    searchMs: summary(latencies),
    loopDelayMs: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6 },
    ...(withProber ? { sliceMs: summary(slices), probes } : {}),
  };
}

async function main(): Promise<void> {
  const nq = 1000;
  const { base, queries } = generateSynthetic(defaultRecipe(n, nq));
  const index = new HnswIndex({ dim, metric: "l2", M: 16, efConstruction, seed: 1 });
  const buildStart = performance.now();
  for (let i = 0; i < n; i++) index.upsert(String(i), base.subarray(i * dim, (i + 1) * dim));
  const buildSeconds = (performance.now() - buildStart) / 1000;
  const without = await phase(index, queries, nq, false);
  const withProber = await phase(index, queries, nq, true);
  const config = { n, dim, efConstruction, ef, qps, seconds, intervalMs };
  console.log(JSON.stringify({ config, buildSeconds, without, with: withProber }, null, 2));
}

await main();
