/**
 * `npm run bench:stream`: vecstream end to end. Upserts stream through the dev broker into the
 * service (its own process) while a second process searches over HTTP; every figure is taken from
 * outside the service, as a client would see it, plus the service's own freshness histogram.
 *
 *   npm run bench:stream                        100,000 upserts at full speed, 1000/s and 5000/s,
 *                                               plus 1000/s again with the quality prober every 1 s
 *   npm run bench:stream -- --quick             10,000 upserts, short idle phase (a smoke run)
 *   npm run bench:stream -- --n 20000 --rates full,2000 --probe-rates none --search-qps 100
 *
 * Data: the seeded synthetic Gaussian mixture of `bench/lib/synthetic.ts` (128-d, seed 42), base rows
 * as the upserts and its query rows as the searches; no ground truth is needed, so nothing is cached.
 * Per run (rate x prober on/off): a fresh topic and a fresh service process (M=16, efConstruction=200,
 * ef=64, snapshots off, temp dir; `src/main.ts` with a short `kafka.fetchMaxWaitMs`); the searcher records the "ingest" phase from the first send until every upsert is visible,
 * then an "idle" phase of `--idle-seconds` against the loaded index; then the service is killed.
 * Before the runs, the same vectors are inserted into an in-process `HnswIndex` with the same
 * parameters (no Kafka, no HTTP): the engine's bare insert rate. Results: a Markdown table on stdout
 * and `bench/results/stream.json`. Nothing here asserts a figure.
 */

import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { parseRate } from "../../src/producer/rate.js";
import { startDevBroker } from "../../test/support/dev-broker.js";
import type { DevBroker } from "../../test/support/dev-broker.js";
import { positiveInt } from "../lib/cli.js";
import { writeJson } from "../lib/report.js";
import { defaultRecipe, generateSynthetic } from "../lib/synthetic.js";
import { codeVersion, engineInsertRate } from "./stream-env.js";
import { StreamBenchError } from "./stream-errors.js";
import { runIngestPass } from "./stream-ingest.js";
import { SearcherClient } from "./stream-searcher-client.js";
import { BENCH_COLLECTION, BENCH_HNSW, BenchService, serviceFigures } from "./stream-service.js";
import { probeDeltas, probeDeltaTable, resultsTable, toRecord } from "./stream-report.js";
import type { StreamRecord } from "./stream-report.js";
import type { SearcherReport } from "./stream-searcher.js";

type Rate = number | "full";

interface BenchOptions {
  n: number;
  rates: Rate[];
  probeRates: Rate[];
  probeIntervalMs: number;
  idleSeconds: number;
  searchQps: number;
  partitions: number;
  batchSize: number;
  sendsPerSecond: number;
  pollMs: number;
  fetchMaxWaitMs: number;
  engine: boolean;
  out: string;
}

const DIM = 128;
/** Records a dev-broker partition keeps (older ones are deleted), and what the default plans for. */
const DEV_BROKER_RETAINED = 10_000;
const PER_PARTITION = 8_000;
const FRESHNESS_SOURCE =
  "bench: Kafka timestamp set at send -> batch seen applied via GET /collections/:name (poll interval + 1 RTT resolution)";
const say = (line = "") => process.stdout.write(`${line}\n`);
const load1m = () => loadavg()[0];

function rateList(value: string): Rate[] {
  if (value.trim() === "none") return [];
  return value.split(",").map((item) => {
    if (item.trim() === "full") return "full";
    try {
      return parseRate(item);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  });
}

function parseOptions(argv: string[]): BenchOptions {
  const program = new Command("bench:stream")
    .description("Streaming ingest + concurrent search benchmark through the dev broker.")
    .option("--quick", "10,000 upserts and a 3 s idle phase: a smoke run", false)
    .option("--n <n>", "upserts per run (default 100000; 10000 with --quick)", positiveInt)
    .option(
      "--rates <list>",
      "target rates: full and/or messages per second",
      rateList,
      rateList("full,1000,5000"),
    )
    .option(
      "--probe-rates <list>",
      "rates run again with the quality prober on ('none': skip)",
      rateList,
      [1000],
    )
    .option("--probe-interval-ms <ms>", "recall and LID probe interval when on", positiveInt, 1000)
    .option("--idle-seconds <s>", "length of the idle search phase (default 20; 3 with --quick)", positiveInt)
    .option("--search-qps <n>", "searches per second sent by the search process", positiveInt, 50)
    .option("--partitions <n>", "partitions of each run's topic (default: n / 8000, at least 3)", positiveInt)
    .option("--batch-size <n>", "messages per send at full speed", positiveInt, 500)
    .option("--sends-per-second <n>", "producer sends per second at a fixed rate", positiveInt, 5)
    .option("--poll-ms <ms>", "visibility poll interval (freshness resolution)", positiveInt, 20)
    .option("--fetch-max-wait-ms <ms>", "kafkajs maxWaitTimeInMs of the service's consumer", positiveInt, 200)
    .option("--no-engine", "skip the in-process engine insert rate")
    .option("--out <file>", "JSON results", resolve("bench/results/stream.json"))
    .parse(argv);
  const o = program.opts<
    Omit<BenchOptions, "n" | "idleSeconds" | "partitions"> & {
      quick: boolean;
      n?: number;
      idleSeconds?: number;
      partitions?: number;
    }
  >();
  const n = o.n ?? (o.quick ? 10_000 : 100_000);
  // The dev broker keeps only the newest 10,000 records of a partition (measured): a consumer further
  // behind than that is reset past the rest. Spread each run so no partition ever holds more.
  const partitions = o.partitions ?? Math.max(3, Math.ceil(n / PER_PARTITION));
  if (n / partitions > DEV_BROKER_RETAINED) {
    say(`warning: ${Math.ceil(n / partitions)} upserts per partition exceed the dev broker's 10,000`);
  }
  return { ...o, n, partitions, idleSeconds: o.idleSeconds ?? (o.quick ? 3 : 20) };
}

async function report(searcher: SearcherClient): Promise<SearcherReport> {
  const reply = await searcher.request({ type: "report" });
  if (reply.type !== "report")
    throw new StreamBenchError("SEARCHER_FAILED", "the search client answered a report request with ok");
  if (reply.errors > 0)
    say(`  ${reply.errors} searches failed in phase ${reply.phase}; first: ${reply.firstError}`);
  return reply;
}

interface RunContext {
  options: BenchOptions;
  broker: DevBroker;
  searcher: SearcherClient;
  vectors: Float32Array;
  queries: number[][];
  engineRate: number | null;
}

/** The ingest phase then the idle phase against one running service. */
async function measure(ctx: RunContext, service: BenchService, rate: Rate, topic: string) {
  const { options: o, broker, searcher } = ctx;
  const target = { url: service.url, collection: BENCH_COLLECTION, k: 10, qps: o.searchQps };
  await searcher.request({ type: "target", ...target, queries: ctx.queries });
  const before = await serviceFigures(service.url);
  await searcher.request({ type: "phase", name: "ingest" });
  const pass = await runIngestPass({
    brokers: broker.bootstrap,
    topic,
    vectors: ctx.vectors,
    dim: DIM,
    rate: rate === "full" ? undefined : rate,
    batchSize: o.batchSize,
    sendsPerSecond: o.sendsPerSecond,
    serviceUrl: service.url,
    collection: BENCH_COLLECTION,
    pollMs: o.pollMs,
    stallTimeoutMs: 120_000,
    onProgress: (line) => say(`  ${line}`),
  });
  const ingest = await report(searcher);
  const after = await serviceFigures(service.url);
  await searcher.request({ type: "phase", name: "idle" });
  await new Promise((r) => setTimeout(r, o.idleSeconds * 1000));
  const idle = await report(searcher);
  const end = await serviceFigures(service.url);
  for (const problem of service.problems()) say(`  service logged: ${problem}`);
  return { pass, ingest, idle, before, after, end };
}

async function runOnce(ctx: RunContext, rate: Rate, probes: boolean, index: number): Promise<StreamRecord> {
  const { options: o, broker, searcher } = ctx;
  const topic = `bench-stream-${index}`;
  await broker.createTopic(topic, o.partitions);
  await broker.createTopic(`${topic}.dlq`, 1);
  const loadStart = load1m();
  const probeIntervalMs = probes ? o.probeIntervalMs : undefined;
  const service = await BenchService.start({
    brokers: broker.bootstrap,
    topic,
    dim: DIM,
    probeIntervalMs,
    fetchMaxWaitMs: o.fetchMaxWaitMs,
  });
  try {
    const measured = await measure(ctx, service, rate, topic);
    return toRecord({
      rate,
      probes,
      ...measured,
      freshnessSource: FRESHNESS_SOURCE,
      engineRate: ctx.engineRate,
      load1m: [loadStart, load1m()],
    });
  } finally {
    await searcher.request({ type: "pause" }).catch(() => undefined);
    await service.close();
  }
}

/** The runs in order: each probe-on run right after its probe-off twin, so both see similar load. */
function plan(o: BenchOptions): { rate: Rate; probes: boolean }[] {
  const runs: { rate: Rate; probes: boolean }[] = [];
  for (const rate of o.rates) {
    runs.push({ rate, probes: false });
    if (o.probeRates.includes(rate)) runs.push({ rate, probes: true });
  }
  for (const rate of o.probeRates) if (!o.rates.includes(rate)) runs.push({ rate, probes: true });
  return runs;
}

const loads = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");

/** Every planned run against one broker and one search process, which are stopped whatever happens. */
async function runAll(
  o: BenchOptions,
  ctx: Omit<RunContext, "broker" | "searcher">,
): Promise<StreamRecord[]> {
  const broker = await startDevBroker();
  const searcher = SearcherClient.start();
  const records: StreamRecord[] = [];
  try {
    for (const [i, run] of plan(o).entries()) {
      const rate = run.rate === "full" ? "full speed" : `${run.rate}/s`;
      say(`run ${i + 1}: ${rate}, quality probes ${run.probes ? "on" : "off"}`);
      const r = await runOnce({ ...ctx, broker, searcher }, run.rate, run.probes, i);
      records.push(r);
      if (r.points_at_end !== r.n) {
        say(
          `  WARNING: ${r.points_at_end} live points after ${r.n} upserts: the service skipped some; void run`,
        );
      }
      say(
        `  ${r.throughput_upserts_per_s} upserts/s applied in ${r.ingest_seconds} s; ` +
          `search p99 under ingest ${r.search_p99_ms_ingest} ms, idle ${r.search_p99_ms_idle} ms`,
      );
    }
  } finally {
    await searcher.stop();
    await broker.stop();
  }
  return records;
}

function printReport(o: BenchOptions, records: StreamRecord[], loadStart: number[], loadEnd: number[]): void {
  const deltas = probeDeltas(records);
  say();
  say(resultsTable(records));
  if (deltas.length > 0) {
    say();
    say(`Quality prober (recall + LID probes every ${o.probeIntervalMs} ms) on vs off, search p99 (ms):`);
    say(probeDeltaTable(deltas));
  }
  say();
  say(`fresh: ${FRESHNESS_SOURCE}.`);
  say("svc fresh: the service's vecstream_freshness_seconds histogram, per message, bucket interpolation.");
  say("sent/s: the producer's achieved rate; svc CPU: service CPU time / ingest wall time (100% = 1 core);");
  say(
    "apply busy: wall time inside batch applies / ingest wall time (near 100%: the writer is the bottleneck).",
  );
  say(`idle/ingest: client-side HTTP search round trip (ms) from a second process, ${o.searchQps}/s, k=10.`);
  say(
    `Load average (1m 5m 15m): ${loads(loadStart)} at start, ${loads(loadEnd)} at end; ${cpus().length} cores.`,
  );
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv);
  const startedAt = new Date();
  const loadStart = loadavg();
  say(`bench:stream: ${o.n} upserts of ${DIM}-d per run; load average ${loads(loadStart)}`);
  const { base, queries } = generateSynthetic(defaultRecipe(o.n, 1000));
  const queryRows = Array.from({ length: queries.length / DIM }, (_, q) =>
    Array.from(queries.subarray(q * DIM, (q + 1) * DIM)),
  );
  let engineRate: number | null = null;
  if (o.engine) {
    engineRate = engineInsertRate(base, DIM, o.n);
    say(`engine alone (in-process HnswIndex, same parameters): ${Math.round(engineRate)} inserts/s`);
  }
  const records = await runAll(o, { options: o, vectors: base, queries: queryRows, engineRate });
  const loadEnd = loadavg();
  printReport(o, records, loadStart, loadEnd);
  writeJson(o.out, {
    environment: {
      node: process.version,
      cores: cpus().length,
      loadavg_start: loadStart,
      loadavg_end: loadEnd,
      date: startedAt.toISOString(),
      code: codeVersion(),
    },
    params: {
      ...o,
      dim: DIM,
      hnsw: BENCH_HNSW,
      dataset: "synthetic Gaussian mixture (bench/lib/synthetic.ts)",
    },
    records,
    probe_deltas: probeDeltas(records),
  });
  say(`wrote ${o.out}`);
}

// Exit through process.exit so the exit hooks kill the service, the searcher and the broker.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

main().catch((err: unknown) => {
  process.stderr.write(
    `bench:stream failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
