/**
 * In-process ingest rate: vectors produced to the dev broker beforehand, then `startIngest` into a
 * Collection over an HnswIndex until `caughtUp`; beside it, the same vectors inserted into a bare
 * HnswIndex. The gap between the two is what Kafka fetching, decoding, batching and committing cost.
 * The ingest rate is timed from the first chunk's apply (after the group join) to `caughtUp`.
 * (`bench:stream` measures the whole service over HTTP; this isolates the ingest pipeline.)
 *
 *   npx tsx bench/stream/ingest-rate.ts [--n 10000] [--format f32|json] [--partitions 3] [--json]
 *
 * Data: siftsmall base rows (128-d) when present, else seeded Gaussian vectors.
 */

import { Kafka, logLevel, Partitioners } from "kafkajs";
import { pino } from "pino";
import { Collection } from "../../src/collection/collection.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { encodeUpsert, type WireFormat } from "../../src/producer/encode.js";
import { startIngest } from "../../src/stream/ingest.js";
import type { IngestObserver } from "../../src/stream/observer.js";
import { startDevBroker } from "../../test/support/dev-broker.js";
import { sampleVectors } from "./sample-vectors.js";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const n = Number(arg("n", "10000"));
const format = arg("format", "f32") as WireFormat;
const partitions = Number(arg("partitions", "3"));
const params = { dim: 128, metric: "l2" as const, M: 16, efConstruction: 100, seed: 42 };

const { rows } = sampleVectors(n);
let t0 = performance.now();
const bare = new HnswIndex(params);
rows.forEach((v, i) => bare.upsert(`p${i}`, v));
const engineSeconds = (performance.now() - t0) / 1000;

const broker = await startDevBroker({ topics: [{ name: "bench.ingest", partitions }] });
try {
  const kafka = new Kafka({ clientId: "bench", brokers: broker.bootstrap, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (let i = 0; i < n; i += 1000) {
    const messages = rows
      .slice(i, i + 1000)
      .map((v, j) => encodeUpsert(`p${i + j}`, v, undefined, { format }));
    await producer.send({ topic: "bench.ingest", messages });
  }
  await producer.disconnect();

  const config = { ...params, name: "bench", topic: "bench.ingest", dlqTopic: "bench.ingest.dlq", ef: 64 };
  const collection = new Collection({ config, index: new HnswIndex(params), applySliceMs: 4 });
  let batches = 0;
  let firstApplyAt = NaN;
  const observer: IngestObserver = {
    onApplied: () => {},
    onDeadLetter: () => {},
    onBatchApplied: (_c, seconds) => {
      // When the first chunk's apply began: the group join (~3 s on the dev broker) is over by then.
      if (batches++ === 0) firstApplyAt = performance.now() - seconds * 1000;
    },
    onFreshness: () => {},
    onLag: () => {},
  };
  const pipeline = {
    batchMaxMessages: 1000,
    batchMaxMs: 20,
    highWaterMark: 20000,
    lowWaterMark: 5000,
    maxMessageBytes: 1 << 20,
    applySliceMs: 4,
  };
  t0 = performance.now();
  const ingest = startIngest({
    kafka: { brokers: broker.bootstrap, clientId: "bench", groupId: "bench" },
    collections: [collection],
    pipeline,
    observer,
    logger: pino({ level: "silent" }),
    consumer: { consumerConfig: { sessionTimeout: 6000, heartbeatInterval: 500 } },
  });
  await ingest.caughtUp;
  const caughtUpAt = performance.now();
  await ingest.stop();
  const result = {
    n,
    format,
    partitions,
    engineUpsertsPerSecond: Math.round(n / engineSeconds),
    ingestUpsertsPerSecond: Math.round(n / ((caughtUpAt - firstApplyAt) / 1000)),
    joinSeconds: +((firstApplyAt - t0) / 1000).toFixed(2),
    ingestSeconds: +((caughtUpAt - firstApplyAt) / 1000).toFixed(2),
    writerChunks: batches,
    points: collection.index.size,
  };
  if (process.argv.includes("--json")) console.log(JSON.stringify(result));
  else console.table([result]);
} finally {
  await broker.stop();
}
