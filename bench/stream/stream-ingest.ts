/**
 * One ingest pass of the streaming benchmark: the bench process produces `n` upserts to the run's
 * topic and watches the service until every one is visible.
 *
 * Producing: kafkajs, raw float32 messages (`encodeUpsert(..., {format: "f32"})`: 512 bytes at 128-d,
 * a third of the JSON size, so the producer and the decoder cost little next to the index), batches of
 * `batchSize` at full speed, or at a fixed rate through the producer CLI's `RateLimiter` (a token bucket
 * without burst credit beyond one batch: message i is not sent before start + i / rate) with
 * `sendsPerSecond` sends a second, acks = all. Each message carries the batch's send time as its Kafka timestamp, which is
 * what the service's `vecstream_freshness_seconds` measures against.
 *
 * Watching: a poller reads `GET /collections/:name` every `pollMs` and compares its `applied_offsets`
 * with the last offset each send reached on every partition (`OffsetTrackingSender`). A batch is
 * visible once every partition's applied offset is at or past that mark, and its end-to-end freshness
 * is the poll's answer time minus the batch's send time (so it is exact to within `pollMs` plus one
 * loopback round trip). Throughput is `n` over the time from the first send to the poll that saw the
 * last batch visible. The pass fails with a typed error if applied offsets stop advancing for
 * `stallTimeoutMs`.
 */

import { Kafka, logLevel, Partitioners } from "kafkajs";
import type { Message } from "kafkajs";
import { encodeUpsert } from "../../src/producer/encode.js";
import { RateLimiter } from "../../src/producer/rate.js";
import { OffsetTrackingSender } from "../../src/producer/send.js";
import { StreamBenchError } from "./stream-errors.js";

export interface IngestPassOptions {
  brokers: string[];
  topic: string;
  /** Row-major vectors; row i is sent as the upsert of id `p<i>`. */
  vectors: Float32Array;
  dim: number;
  /** Messages per second, or undefined for as fast as acks allow. */
  rate: number | undefined;
  /** Messages per send at full speed. */
  batchSize: number;
  /** Sends per second at a fixed rate (each of rate / sendsPerSecond messages). */
  sendsPerSecond: number;
  serviceUrl: string;
  collection: string;
  pollMs: number;
  stallTimeoutMs: number;
  /** Called about every 10 s with progress, for a long run's log. */
  onProgress?: (line: string) => void;
}

export interface IngestPassResult {
  sent: number;
  /** First send to the moment every upsert was seen visible. */
  seconds: number;
  /** Seconds the producer took to hand everything to the broker. */
  produceSeconds: number;
  throughputPerSecond: number;
  /** End-to-end freshness of every batch, ms (send time to seen visible). */
  freshnessMs: number[];
  /**
   * Live points the service reported once every offset was applied: `sent` unless the service skipped
   * upserts (refused by the index, dead-lettered), which would make the throughput meaningless.
   */
  pointsAtEnd: number;
}

interface SentBatch {
  sentAtMs: number;
  /** Per partition, the offset the log had reached once this batch was acknowledged. */
  mark: Record<string, number>;
}

/** Produces every row, paced, recording each batch's send time and offset mark in `sent`. */
async function produceAll(o: IngestPassOptions, sent: SentBatch[]): Promise<number> {
  const kafka = new Kafka({ clientId: "vecstream-bench", brokers: o.brokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  try {
    await Promise.all([admin.connect(), producer.connect()]);
    const metadata = await admin.fetchTopicMetadata({ topics: [o.topic] });
    const sender = new OffsetTrackingSender(producer, o.topic, metadata.topics[0].partitions);
    const limiter = o.rate === undefined ? undefined : new RateLimiter(o.rate);
    const batchSize = o.rate === undefined ? o.batchSize : Math.max(1, Math.ceil(o.rate / o.sendsPerSecond));
    const rows = o.vectors.length / o.dim;
    for (let start = 0; start < rows; start += batchSize) {
      const end = Math.min(rows, start + batchSize);
      const wait = limiter?.delayBefore(end - start) ?? 0;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const sentAtMs = Date.now();
      const batch: Message[] = [];
      for (let i = start; i < end; i++) {
        const vector = o.vectors.subarray(i * o.dim, (i + 1) * o.dim);
        batch.push({
          ...encodeUpsert(`p${i}`, vector, undefined, { format: "f32" }),
          timestamp: String(sentAtMs),
        });
      }
      await sender.send(batch);
      sent.push({ sentAtMs, mark: sender.lastOffsets() });
    }
    return sender.sent;
  } finally {
    await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
  }
}

interface CollectionState {
  applied: Record<string, number>;
  points: number;
}

async function collectionState(url: string, collection: string): Promise<CollectionState> {
  const res = await fetch(`${url}/collections/${collection}`);
  if (res.status !== 200) {
    throw new StreamBenchError("SERVICE_UNREACHABLE", `GET /collections/${collection}: HTTP ${res.status}`);
  }
  const body = (await res.json()) as { result: { applied_offsets: Record<string, number>; points: number } };
  return { applied: body.result.applied_offsets, points: body.result.points };
}

const covers = (applied: Record<string, number>, mark: Record<string, number>) =>
  Object.entries(mark).every(([partition, offset]) => (applied[partition] ?? -1) >= offset);

const appliedCount = (applied: Record<string, number>) =>
  Object.values(applied).reduce((sum, offset) => sum + offset + 1, 0);

/** Runs one pass: produce everything while polling visibility; resolves once all of it is visible. */
export async function runIngestPass(o: IngestPassOptions): Promise<IngestPassResult> {
  const sent: SentBatch[] = [];
  const freshnessMs: number[] = [];
  const rows = o.vectors.length / o.dim;
  const producer = { count: -1, doneMs: 0, error: undefined as unknown };
  const producing = produceAll(o, sent).then(
    (count) => Object.assign(producer, { count, doneMs: Date.now() }),
    (error: unknown) => Object.assign(producer, { error }),
  );

  let seen = 0;
  let visibleAtMs = Date.now();
  let lastAdvanceMs = visibleAtMs;
  let lastProgressMs = visibleAtMs;
  let lastApplied = -1;
  let points = 0;
  while (producer.count < 0 || seen < sent.length) {
    await new Promise((resolve) => setTimeout(resolve, o.pollMs));
    if (producer.error !== undefined) throw producer.error;
    const state = await collectionState(o.serviceUrl, o.collection);
    const applied = state.applied;
    points = state.points;
    const nowMs = Date.now();
    while (seen < sent.length && covers(applied, sent[seen].mark)) {
      freshnessMs.push(nowMs - sent[seen].sentAtMs);
      seen++;
      visibleAtMs = nowMs;
    }
    const count = appliedCount(applied);
    if (count > lastApplied) [lastApplied, lastAdvanceMs] = [count, nowMs];
    if (nowMs - lastAdvanceMs > o.stallTimeoutMs) {
      const why = `applied offsets stuck at ${count} of ${rows} upserts for ${o.stallTimeoutMs} ms`;
      throw new StreamBenchError("INGEST_STALLED", why);
    }
    if (o.onProgress && nowMs - lastProgressMs >= 10_000) {
      lastProgressMs = nowMs;
      const acked = sent.length === 0 ? 0 : appliedCount(sent[sent.length - 1].mark);
      o.onProgress(`acknowledged ${acked}, visible ${count} of ${rows} upserts`);
    }
  }
  await producing;
  const firstSendMs = sent.length > 0 ? sent[0].sentAtMs : visibleAtMs;
  const seconds = (visibleAtMs - firstSendMs) / 1000;
  return {
    sent: producer.count,
    seconds,
    produceSeconds: (producer.doneMs - firstSendMs) / 1000,
    throughputPerSecond: producer.count / seconds,
    freshnessMs,
    pointsAtEnd: points,
  };
}
