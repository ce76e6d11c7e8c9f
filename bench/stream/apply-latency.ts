/**
 * Search latency while the writer applies a 10k-upsert batch: does slicing the apply (`applySliceMs`,
 * a yield to the event loop between slices) keep queries flowing?
 *
 * A Collection over an HnswIndex (siftsmall, 128-d L2, or seeded Gaussian vectors when the data is
 * absent) holds `preload` points; then one batch of `batch` upserts is applied while a query client
 * issues a search every `intervalMs`. A query's latency is from when it was due to when its answer was
 * ready, so time spent waiting behind the writer counts. Run per `applySliceMs` value, side by side.
 *
 *   npx tsx bench/stream/apply-latency.ts [--batch 10000] [--preload 1000] [--slices 4,1e9] [--json]
 */

import { existsSync } from "node:fs";
import { Collection } from "../../src/collection.js";
import { readFvecs } from "../../src/datasets/index.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { SeededRandom } from "../../src/index/random.js";
import type { MutationOp } from "../../src/stream/ops.js";

const SIFT = new URL("../../../shared/data/siftsmall/siftsmall_base.fvecs", import.meta.url).pathname;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

function vectors(count: number): { dim: number; rows: Float32Array[]; source: string } {
  if (existsSync(SIFT)) {
    const { dim, count: n, data } = readFvecs(SIFT);
    const rows = Array.from({ length: count }, (_, i) => data.slice((i % n) * dim, (i % n) * dim + dim));
    return { dim, rows, source: `siftsmall (rows reused past ${n})` };
  }
  const rng = new SeededRandom(7);
  const dim = 128;
  const rows = Array.from({ length: count }, () =>
    Float32Array.from({ length: dim }, () => rng.nextGaussian()),
  );
  return { dim, rows, source: "seeded Gaussian (siftsmall absent)" };
}

function percentile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function run(applySliceMs: number, preload: number, batch: number, intervalMs: number) {
  const { dim, rows, source } = vectors(preload + batch);
  const config = {
    name: "bench",
    topic: "t",
    dlqTopic: "t.dlq",
    dim,
    metric: "l2" as const,
    M: 16,
    efConstruction: 100,
    ef: 64,
    seed: 42,
  };
  const collection = new Collection({
    config,
    index: new HnswIndex({ dim, metric: "l2", M: 16, efConstruction: 100, seed: 42 }),
    applySliceMs,
  });
  const op = (i: number): MutationOp => ({
    kind: "upsert",
    id: `p${i}`,
    vector: rows[i],
    partition: 0,
    offset: i,
    timestampMs: 0,
  });
  await collection.apply(Array.from({ length: preload }, (_, i) => op(i)));

  const latencies: number[] = [];
  let running = true;
  let q = 0;
  const client = (async () => {
    let due = performance.now();
    while (running) {
      due += intervalMs;
      const wait = due - performance.now();
      await new Promise((r) => setTimeout(r, Math.max(0, wait)));
      collection.search(rows[q++ % preload], 10);
      latencies.push(performance.now() - due);
      if (performance.now() > due + intervalMs) due = performance.now(); // do not queue a backlog of queries
    }
  })();
  const t0 = performance.now();
  await collection.apply(Array.from({ length: batch }, (_, i) => op(preload + i)));
  const applySeconds = (performance.now() - t0) / 1000;
  running = false;
  await client;
  latencies.sort((a, b) => a - b);
  return {
    applySliceMs,
    source,
    batch,
    applySeconds: +applySeconds.toFixed(2),
    upsertsPerSecond: Math.round(batch / applySeconds),
    searchesDuringApply: latencies.length,
    p50Ms: +percentile(latencies, 0.5).toFixed(2),
    p99Ms: +percentile(latencies, 0.99).toFixed(2),
    maxMs: +(latencies[latencies.length - 1] ?? NaN).toFixed(2),
  };
}

const batch = Number(arg("batch", "10000"));
const preload = Number(arg("preload", "1000"));
const intervalMs = Number(arg("interval", "5"));
const results = [];
for (const slice of arg("slices", "4,1e9").split(",").map(Number))
  results.push(await run(slice, preload, batch, intervalMs));
if (process.argv.includes("--json")) console.log(JSON.stringify(results));
else console.table(results);
