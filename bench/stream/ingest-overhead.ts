/**
 * Where ingest time goes outside the index: like `ingest-rate.ts` (vectors produced to the dev broker
 * first, then `startIngest` into one Collection until `caughtUp`), but shaped like `bench:stream` at
 * full speed (producer sends of `--send-batch` 500 over `--partitions` 13, efConstruction 200) and with
 * the pipeline knobs on the command line, so one knob can be varied at a time. It reports the
 * "apply busy" fraction: the summed time of writer chunks (`onBatchApplied`) over the ingest wall time
 * (first chunk's start to `caughtUp`). What is not busy is fetching, decoding, buffering and waiting.
 *
 *   npx tsx bench/stream/ingest-overhead.ts [--n 10000] [--partitions 13] [--send-batch 500]
 *     [--ef-construction 200] [--batch-max-ms 20] [--batch-max-messages 1000] [--slice-ms 4]
 *     [--max-wait-ms 200] [--json]
 *
 * Data: siftsmall base rows (128-d) when present, else seeded Gaussian vectors.
 */

import { Kafka, logLevel, Partitioners } from "kafkajs";
import { pino } from "pino";
import { Collection } from "../../src/collection/collection.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { encodeUpsert } from "../../src/producer/encode.js";
import { startIngest } from "../../src/stream/ingest.js";
import type { IngestObserver } from "../../src/stream/observer.js";
import { startDevBroker } from "../../test/support/dev-broker.js";
import { sampleVectors } from "./sample-vectors.js";

const num = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const n = num("n", 10000);
const partitions = num("partitions", 13);
const sendBatch = num("send-batch", 500);
const params = {
  dim: 128,
  metric: "l2" as const,
  M: 16,
  efConstruction: num("ef-construction", 200),
  seed: 42,
};
const pipeline = {
  batchMaxMessages: num("batch-max-messages", 1000),
  batchMaxMs: num("batch-max-ms", 20),
  highWaterMark: 20000,
  lowWaterMark: 5000,
  maxMessageBytes: 1 << 20,
  applySliceMs: num("slice-ms", 4),
};

async function produce(bootstrap: string[], rows: Float32Array[]): Promise<void> {
  const kafka = new Kafka({ clientId: "bench", brokers: bootstrap, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (let i = 0; i < rows.length; i += sendBatch) {
    const messages = rows.slice(i, i + sendBatch).map((v, j) => encodeUpsert(`p${i + j}`, v));
    await producer.send({ topic: "bench.overhead", messages });
  }
  await producer.disconnect();
}

const { rows } = sampleVectors(n);
const broker = await startDevBroker({ topics: [{ name: "bench.overhead", partitions }] });
try {
  await produce(broker.bootstrap, rows);
  const config = {
    ...params,
    name: "bench",
    topic: "bench.overhead",
    dlqTopic: "bench.overhead.dlq",
    ef: 64,
  };
  const collection = new Collection({
    config,
    index: new HnswIndex(params),
    applySliceMs: pipeline.applySliceMs,
  });
  const chunks: number[] = [];
  let firstApplyAt = NaN;
  let busySeconds = 0;
  const observer: IngestObserver = {
    onApplied: () => {},
    onDeadLetter: () => {},
    onBatchApplied: (_c, seconds, messages) => {
      if (chunks.length === 0) firstApplyAt = performance.now() - seconds * 1000;
      chunks.push(messages);
      busySeconds += seconds;
    },
    onFreshness: () => {},
    onLag: () => {},
  };
  const ingest = startIngest({
    kafka: { brokers: broker.bootstrap, clientId: "bench", groupId: "bench" },
    collections: [collection],
    pipeline,
    observer,
    logger: pino({ level: "silent" }),
    consumer: {
      consumerConfig: {
        sessionTimeout: 6000,
        heartbeatInterval: 500,
        maxWaitTimeInMs: num("max-wait-ms", 200),
      },
    },
  });
  await ingest.caughtUp;
  const wallSeconds = (performance.now() - firstApplyAt) / 1000;
  await ingest.stop();
  const result = {
    n,
    partitions,
    sendBatch,
    ...pipeline,
    ingestUpsertsPerSecond: Math.round(n / wallSeconds),
    applyBusy: +(busySeconds / wallSeconds).toFixed(3),
    appliedWhileBusyPerSecond: Math.round(n / busySeconds),
    notBusyMsPerChunk: +((1000 * (wallSeconds - busySeconds)) / chunks.length).toFixed(1),
    writerChunks: chunks.length,
    meanChunk: Math.round(n / chunks.length),
    points: collection.index.size,
  };
  if (process.argv.includes("--json")) console.log(JSON.stringify(result));
  else console.table([result]);
} finally {
  await broker.stop();
}
