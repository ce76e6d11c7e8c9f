/**
 * `npm run bench:soak`: sustained ingest and concurrent searches against the vecstream process for a
 * configurable duration (default ten minutes), sampled every `--sample` seconds.
 *
 * Setup: the dev broker, vecstream as a child process (`test/support/service-process.ts`), a seeded
 * producer (`seededEntries`: upserts, replacements and tombstones over a fixed id space, so the live
 * set plateaus and memory must too) paced at `--rate` messages/s with one wrong-dimension message per
 * thousand (they must all reach the dead-letter topic), and `--concurrency` search loops, each sending
 * its next k-NN search as soon as the last one answered.
 *
 * Per sample it records: messages applied per second (from vecstream's `vecstream_messages_total`),
 * consumer lag, search p50/p99 of the window (client-side round trip), vecstream's event-loop delay p99
 * (prom-client's `nodejs_eventloop_lag_p99_seconds`), heap used and RSS, and error counts. The summary
 * fits a least-squares line to heap and RSS over the second half of the run (after warm-up fills the
 * id space) and calls memory bounded when the RSS slope stays under `--max-rss-slope` MiB/min. It writes
 * `bench/results/soak.json` (or `--out`) and exits 1 if memory was not bounded or vecstream failed.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { Kafka, Partitioners, logLevel } from "kafkajs";
import type { Message } from "kafkajs";
import { SeededRandom } from "../src/index/random.js";
import { startDevBroker } from "../test/support/dev-broker.js";
import { seededEntries, toMessage } from "../test/support/seeded-log.js";
import { ServiceProcess } from "../test/support/service-process.js";
import { summarize } from "./stream/stream-stats.js";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: process.env.SOAK_DURATION_S ?? "600" },
    rate: { type: "string", default: "500" },
    dim: { type: "string", default: "64" },
    ids: { type: "string", default: "20000" },
    concurrency: { type: "string", default: "2" },
    sample: { type: "string", default: "10" },
    "max-rss-slope": { type: "string", default: "4" },
    seed: { type: "string", default: "20261127" },
    out: { type: "string", default: "bench/results/soak.json" },
  },
});
const num = (name: keyof typeof args, min = Number.MIN_VALUE) => {
  const v = Number(args[name]);
  if (!Number.isFinite(v) || v < min)
    throw new Error(`--${name} must be a number >= ${min}, got ${args[name]}`);
  return v;
};
const O = {
  durationS: num("duration"),
  rate: num("rate"),
  dim: num("dim"),
  ids: num("ids"),
  concurrency: num("concurrency", 0),
  sampleS: num("sample"),
  maxRssSlopeMiBPerMin: num("max-rss-slope"),
  seed: num("seed"),
};
const COLLECTION = "soak";
const TOPIC = "soak.points";
const MiB = 1024 * 1024;

interface Sample {
  t: number;
  appliedPerSecond: number;
  consumerLag: number;
  searches: number;
  searchP50Ms: number;
  searchP99Ms: number;
  eventLoopP99Ms: number;
  heapUsedMiB: number;
  rssMiB: number;
  searchErrors: number;
  produceErrors: number;
  deadLetters: number;
}

const counters = {
  searches: [] as number[],
  searchErrors: 0,
  produceErrors: 0,
  produced: 0,
  invalidProduced: 0,
  lastOffset: -1,
};
const errorExamples: string[] = [];
let running = true;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function noteError(what: string): void {
  if (errorExamples.length < 20) errorExamples.push(what.slice(0, 300));
}

/** Sends `rate` messages/s in 100 ms ticks; a tick that falls behind is not made up (no bursts). */
async function produceLoop(kafka: Kafka): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const entries = seededEntries({ seed: O.seed, count: Infinity, idSpace: O.ids, dim: O.dim });
  const perTick = Math.max(1, Math.round(O.rate / 10));
  let next = Date.now();
  while (running) {
    const messages: Message[] = [];
    for (let i = 0; i < perTick; i++) {
      if ((counters.produced + i) % 1000 === 999) {
        messages.push({ key: `bad-${counters.produced + i}`, value: JSON.stringify({ vector: [1, 2] }) });
      } else messages.push(toMessage(entries.next().value!));
    }
    try {
      const [sent] = await producer.send({ topic: TOPIC, acks: -1, messages });
      counters.lastOffset = Number(sent.baseOffset) + messages.length - 1;
      counters.produced += messages.length;
      counters.invalidProduced += messages.filter((m) => String(m.key).startsWith("bad-")).length;
    } catch (err) {
      counters.produceErrors++;
      noteError(`produce: ${String(err)}`);
    }
    next = Math.max(next + 100, Date.now() - 100);
    await sleep(Math.max(0, next - Date.now()));
  }
  await producer.disconnect();
}

async function searchLoop(url: string, seed: number): Promise<void> {
  const rnd = new SeededRandom(seed);
  while (running) {
    const vector = Array.from({ length: O.dim }, () => rnd.next() * 2 - 1);
    const started = performance.now();
    try {
      const res = await fetch(`${url}/collections/${COLLECTION}/search`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ vector, k: 10, with_payload: false }),
      });
      const body = await res.text();
      if (res.status === 200) counters.searches.push(performance.now() - started);
      else {
        counters.searchErrors++;
        noteError(`search ${res.status}: ${body}`);
      }
    } catch (err) {
      counters.searchErrors++;
      noteError(`search: ${String(err)}`);
      await sleep(100);
    }
  }
}

/** Sum of the samples of `name` whose label text contains every `labels` pair. */
function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      sum += Number(line.split(" ").pop());
  }
  return sum;
}

/** Least-squares slope of y over t (seconds), per minute. */
function slopePerMinute(points: readonly { t: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.y - my);
    den += (p.t - mt) ** 2;
  }
  return (num / den) * 60;
}

async function sampleLoop(url: string, started: number, samples: Sample[]): Promise<void> {
  let lastApplied = 0;
  let lastT = 0;
  while (running) {
    await sleep(O.sampleS * 1000);
    const text = await (await fetch(`${url}/metrics`)).text();
    const t = (Date.now() - started) / 1000;
    const applied = metric(text, "vecstream_messages_total", { collection: COLLECTION, outcome: "applied" });
    const window = summarize(counters.searches.splice(0));
    const sample: Sample = {
      t: Math.round(t),
      appliedPerSecond: Math.round((applied - lastApplied) / (t - lastT)),
      consumerLag: metric(text, "vecstream_consumer_lag", { collection: COLLECTION }),
      searches: window.count,
      searchP50Ms: +window.p50.toFixed(2),
      searchP99Ms: +window.p99.toFixed(2),
      eventLoopP99Ms: +(metric(text, "nodejs_eventloop_lag_p99_seconds") * 1000).toFixed(2),
      heapUsedMiB: +(metric(text, "nodejs_heap_size_used_bytes") / MiB).toFixed(1),
      rssMiB: +(metric(text, "process_resident_memory_bytes") / MiB).toFixed(1),
      searchErrors: counters.searchErrors,
      produceErrors: counters.produceErrors,
      deadLetters: metric(text, "vecstream_dead_letters_total", { collection: COLLECTION }),
    };
    [lastApplied, lastT] = [applied, t];
    samples.push(sample);
    console.log(JSON.stringify(sample));
  }
}

/** After the run: waits (read-your-writes, bounded) until vecstream applied the last produced offset. */
async function drain(url: string): Promise<{ drained: boolean; deadLettered: number; applied: number }> {
  const res = await fetch(`${url}/collections/${COLLECTION}/search`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      vector: new Array(O.dim).fill(0),
      k: 1,
      min_offsets: { "0": counters.lastOffset },
      timeout_ms: 60_000,
    }),
  });
  const text = await (await fetch(`${url}/metrics`)).text();
  return {
    drained: res.status === 200,
    deadLettered: metric(text, "vecstream_dead_letters_total", { collection: COLLECTION }),
    applied: metric(text, "vecstream_messages_total", { collection: COLLECTION, outcome: "applied" }),
  };
}

function summary(
  samples: readonly Sample[],
  end: Awaited<ReturnType<typeof drain>>,
  exitCode: number | null,
) {
  const secondHalf = samples.filter((s) => s.t >= O.durationS / 2);
  const rssSlope = slopePerMinute(secondHalf.map((s) => ({ t: s.t, y: s.rssMiB })));
  const heapSlope = slopePerMinute(secondHalf.map((s) => ({ t: s.t, y: s.heapUsedMiB })));
  const steady = samples.slice(1);
  const p99s = steady.map((s) => s.searchP99Ms).sort((a, b) => a - b);
  return {
    appliedPerSecondMean: Math.round(
      steady.reduce((s, x) => s + x.appliedPerSecond, 0) / Math.max(1, steady.length),
    ),
    searchesPerSecond: Math.round(
      steady.reduce((s, x) => s + x.searches, 0) / Math.max(1, steady.length) / O.sampleS,
    ),
    searchP99MsMedianWindow: p99s[p99s.length >> 1] ?? null,
    searchP99MsWorstWindow: p99s[p99s.length - 1] ?? null,
    eventLoopP99MsWorstWindow: Math.max(...steady.map((s) => s.eventLoopP99Ms)),
    heapSlopeMiBPerMin: +heapSlope.toFixed(3),
    rssSlopeMiBPerMin: +rssSlope.toFixed(3),
    memoryBounded: secondHalf.length >= 3 && rssSlope < O.maxRssSlopeMiBPerMin,
    errors: {
      search: counters.searchErrors,
      produce: counters.produceErrors,
      produced: counters.produced,
      invalidProduced: counters.invalidProduced,
      appliedAfterDrain: end.applied,
      deadLetteredAfterDrain: end.deadLettered,
      drainedWithin60s: end.drained,
      examples: errorExamples,
    },
    vecstreamExitCodeOnSigterm: exitCode,
  };
}

async function main(): Promise<void> {
  const broker = await startDevBroker({
    topics: [
      { name: TOPIC, partitions: 1 },
      { name: `${TOPIC}.dlq`, partitions: 1 },
    ],
  });
  const proc = new ServiceProcess({
    logLevel: "info",
    kafka: { brokers: broker.bootstrap, groupId: "soak", sessionTimeoutMs: 6000, heartbeatIntervalMs: 500 },
    snapshots: { intervalMs: 60_000, everyMessages: 200_000, keep: 2 },
    collections: [
      { name: COLLECTION, topic: TOPIC, dim: O.dim, metric: "l2", M: 16, efConstruction: 100, ef: 64 },
    ],
  });
  try {
    await proc.start();
    await proc.waitReady();
    const kafka = new Kafka({ clientId: "soak", brokers: broker.bootstrap, logLevel: logLevel.NOTHING });
    console.log(
      `soak: ${O.durationS} s, ${O.rate} msg/s, dim ${O.dim}, ${O.ids} ids, ${O.concurrency} search loops`,
    );
    const started = Date.now();
    const samples: Sample[] = [];
    const loops = [
      produceLoop(kafka),
      ...Array.from({ length: O.concurrency }, (_, i) => searchLoop(proc.url, O.seed + i + 1)),
      sampleLoop(proc.url, started, samples),
    ];
    await sleep(O.durationS * 1000);
    running = false;
    await Promise.all(loops);
    const end = await drain(proc.url);
    const exit = await proc.kill("SIGTERM");
    const result = {
      options: O,
      startedAt: new Date(started).toISOString(),
      summary: summary(samples, end, exit.code),
      samples,
    };
    mkdirSync(dirname(args.out!), { recursive: true });
    writeFileSync(args.out!, `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result.summary, null, 2));
    console.log(`written to ${args.out}`);
    const lost = end.drained && end.deadLettered !== counters.invalidProduced;
    if (!result.summary.memoryBounded || exit.code !== 0 || lost) process.exitCode = 1;
  } finally {
    await proc.close();
    await broker.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
