/**
 * Search latency while a 10k-upsert batch is ingested: does slicing (`applySliceMs`, a yield to the
 * event loop between slices of decoding and of applying) keep queries flowing?
 *
 * A Collection over an HnswIndex (siftsmall, 128-d L2, or seeded Gaussian vectors when the data is
 * absent) holds `preload` points; then `batch` upserts arrive while a query client issues a search
 * every `intervalMs`. A query's latency runs from when it was due to when its answer was ready, so
 * time spent waiting behind the writer counts. Two paths:
 * - `collection`: `Collection.apply` of decoded ops (the apply alone);
 * - `writer`: one JSON-encoded Kafka record batch through `CollectionWriter.push` (decode, buffer by
 *   `batchMaxMessages`, apply): everything ingest does after the fetch.
 *
 *   npx tsx bench/stream/apply-latency.ts [--batch 10000] [--preload 1000] [--json]
 *       [--runs collection:4,collection:1e9,writer:4]
 */

import { pino } from "pino";
import { Collection } from "../../src/collection/collection.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { encodeUpsert } from "../../src/producer/encode.js";
import type { MutationOp } from "../../src/collection/ops.js";
import type { IngestObserver } from "../../src/stream/observer.js";
import { CollectionWriter } from "../../src/stream/pipeline.js";
import type { WireMessage } from "../../src/stream/wire.js";
import { sampleVectors } from "./sample-vectors.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

function percentile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const noObserver: IngestObserver = {
  onApplied: () => {},
  onDeadLetter: () => {},
  onBatchApplied: () => {},
  onFreshness: () => {},
  onLag: () => {},
};

/**
 * Prepares (untimed: encoding is the producer's work) feeding the rows after `preload` into
 * `collection` by the chosen path; the returned function does the timed part.
 */
function prepare(
  path: string,
  collection: Collection,
  rows: Float32Array[],
  preload: number,
  sliceMs: number,
): () => Promise<void> {
  if (path === "collection") {
    const ops = rows.slice(preload).map((vector, i): MutationOp => ({
      kind: "upsert",
      id: `p${preload + i}`,
      vector,
      partition: 0,
      offset: preload + i,
      timestampMs: 0,
    }));
    return async () => {
      await collection.apply(ops);
    };
  }
  const messages: WireMessage[] = rows.slice(preload).map((vector, i) => {
    const m = encodeUpsert(`p${preload + i}`, vector);
    return {
      key: Buffer.from(`p${preload + i}`),
      value: Buffer.from(m.value as string),
      offset: String(preload + i),
      timestamp: "0",
    };
  });
  const writer = new CollectionWriter({
    target: collection,
    topic: "t",
    dlqTopic: "t.dlq",
    deadLetters: { publish: async () => {} },
    observer: noObserver,
    settings: {
      batchMaxMessages: 1000,
      batchMaxMs: 20,
      highWaterMark: 1e9,
      lowWaterMark: 0,
      maxMessageBytes: 1 << 20,
      applySliceMs: sliceMs,
    },
    logger: pino({ level: "silent" }),
    onError: (err) => console.error(err),
  });
  const lastOffset = preload + messages.length - 1;
  const batch = { topic: "t", partition: 0, highWatermark: lastOffset + 1, lastOffset, messages };
  return () => writer.push({ batch, pause: () => () => {} });
}

async function run(path: string, sliceMs: number, preload: number, batch: number, intervalMs: number) {
  const { dim, rows, source } = sampleVectors(preload + batch);
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
  const index = new HnswIndex({ dim, metric: "l2", M: 16, efConstruction: 100, seed: 42 });
  const collection = new Collection({ config, index, applySliceMs: sliceMs });
  await prepare("collection", collection, rows.slice(0, preload), 0, sliceMs)();
  const ingest = prepare(path, collection, rows, preload, sliceMs);

  const latencies: number[] = [];
  let running = true;
  const client = (async () => {
    let due = performance.now();
    for (let q = 0; running; q++) {
      due += intervalMs;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      collection.search(rows[q % preload], 10);
      latencies.push(performance.now() - due);
      if (performance.now() > due + intervalMs) due = performance.now(); // no backlog of queries
    }
  })();
  const t0 = performance.now();
  await ingest();
  const seconds = (performance.now() - t0) / 1000;
  running = false;
  await client;
  latencies.sort((a, b) => a - b);
  return {
    path,
    sliceMs,
    source,
    batch,
    seconds: +seconds.toFixed(2),
    upsertsPerSecond: Math.round(batch / seconds),
    searches: latencies.length,
    p50Ms: +percentile(latencies, 0.5).toFixed(2),
    p99Ms: +percentile(latencies, 0.99).toFixed(2),
    maxMs: +(latencies[latencies.length - 1] ?? NaN).toFixed(2),
  };
}

const batch = Number(arg("batch", "10000"));
const preload = Number(arg("preload", "1000"));
const intervalMs = Number(arg("interval", "5"));
const results = [];
for (const spec of arg("runs", "collection:4,collection:1e9,writer:4").split(",")) {
  const [path, slice] = spec.split(":");
  results.push(await run(path, Number(slice), preload, batch, intervalMs));
}
if (process.argv.includes("--json")) console.log(JSON.stringify(results));
else console.table(results);
