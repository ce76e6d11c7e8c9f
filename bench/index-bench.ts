/**
 * `npm run bench:index`: vecstream's HnswIndex against hnswlib-node, same M, efConstruction and seed,
 * same machine and run, one thread, queries one at a time (ann-benchmarks' single-query mode).
 *
 * Per dataset and engine it measures the build rate, recall@10 and QPS over an ef sweep, and bytes per
 * vector; then the QPS at the smallest ef reaching recall@10 >= 0.95 and the ratios vecstream /
 * hnswlib-node. It prints Markdown tables and writes `bench/results/index.json` (one record per dataset,
 * engine and ef) and `bench/results/index-summary.json`. Missing datasets are skipped with a message.
 */

import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";

import { Command, Option } from "commander";

import { choiceList, positiveInt, positiveIntList } from "./lib/cli.js";
import type { BenchDataset, DatasetName } from "./lib/bench-datasets.js";
import { DATASET_NAMES, loadBenchDataset } from "./lib/bench-datasets.js";
import type { BenchEngine, EngineName, MemoryFigure } from "./lib/engines.js";
import { createEngine, ENGINE_NAMES, prepareQueries } from "./lib/engines.js";
import type { DatasetSummary, IndexRecord } from "./lib/index-report.js";
import { printDataset, printRatios, ratios, summarise } from "./lib/index-report.js";
import { buildIndex, collectGarbage, recallAtK, runQueryPasses } from "./lib/measure.js";
import { writeJson } from "./lib/report.js";

const M = 16;
const EF_CONSTRUCTION = 200;
const K = 10;

interface Options {
  datasets: DatasetName[];
  engines: EngineName[];
  syntheticN?: number;
  ef: number[];
  quick: boolean;
  minSeconds?: number;
  seed: number;
  dataDir: string;
  out: string;
}

function parseOptions(argv: string[]): Options {
  const program = new Command("bench:index")
    .description("Build and query benchmark: vecstream HnswIndex vs hnswlib-node")
    .addOption(
      new Option("--datasets <list>", "comma-separated datasets")
        .argParser(choiceList(DATASET_NAMES))
        .default([...DATASET_NAMES]),
    )
    .addOption(
      new Option("--engines <list>", "comma-separated engines")
        .argParser(choiceList(ENGINE_NAMES))
        .default(["vecstream", "hnswlib-node"]),
    )
    .option("--synthetic-n <n>", "synthetic base vectors (default 100000; 5000 with --quick)", positiveInt)
    .option("--ef <list>", "ef values of the sweep", positiveIntList, [16, 32, 64, 128, 256])
    .option("--quick", "small sizes and short timings, for smoke runs", false)
    .option(
      "--min-seconds <s>",
      "minimum timed seconds per (engine, ef) (default 1; 0.1 with --quick)",
      Number.parseFloat,
    )
    .option("--seed <n>", "seed of both engines' level generators", positiveInt, 42)
    .option("--data-dir <dir>", "benchmark data folder", resolve("../shared/data"))
    .option("--out <file>", "JSON records", resolve("bench/results/index.json"));
  program.parse(argv);
  return program.opts<Options>();
}

interface BuiltEngine {
  engine: BenchEngine;
  buildRate: number;
  buildRateCpu: number;
  memory: MemoryFigure;
  rssDelta: number;
}

function buildEngine(engineName: EngineName, data: BenchDataset, seed: number): BuiltEngine {
  const { dim, metric, n } = data;
  const params = { dim, metric, M, efConstruction: EF_CONSTRUCTION, capacity: n, seed };
  // RSS growth around the build, after full GCs, is kept in the JSON only: malloc reuses memory freed by
  // earlier work (ground truth, a previous engine), so it can read far below the real footprint.
  collectGarbage();
  const rssBefore = process.memoryUsage().rss;
  const engine = createEngine(engineName, params);
  const progress = (done: number) => process.stderr.write(`  ${engineName}: ${done}/${n} inserted\r`);
  const showProgress = n >= 50_000 && process.stderr.isTTY;
  const build = buildIndex(engine, data.base, dim, n, showProgress ? progress : undefined);
  const buildRate = build.perSecond;
  collectGarbage();
  const rssDelta = (process.memoryUsage().rss - rssBefore) / n;
  console.error(
    `  ${engineName}: built ${n} in ${(n / buildRate).toFixed(1)} s (${buildRate.toFixed(0)} inserts/s)`,
  );
  return { engine, buildRate, buildRateCpu: build.perCpuSecond, memory: engine.memory(n), rssDelta };
}

function runEngine(
  engineName: EngineName,
  data: BenchDataset,
  options: Options,
  minSeconds: number,
): IndexRecord[] {
  const { engine, buildRate, buildRateCpu, memory, rssDelta } = buildEngine(engineName, data, options.seed);
  const queries = prepareQueries(data.queries, data.dim);
  return options.ef.map((ef) => {
    const run = runQueryPasses(engine, queries, K, ef, minSeconds);
    const recall = recallAtK(run.results, data.gt, data.gtK, K);
    console.error(
      `  ${engineName} ef=${ef}: recall@10 ${recall.toFixed(4)}, ${run.qps.toFixed(0)} QPS (${run.passes} passes)`,
    );
    return {
      dataset: data.name,
      engine: engineName,
      M,
      efConstruction: EF_CONSTRUCTION,
      ef,
      recall_at_10: recall,
      qps: run.qps,
      build_inserts_per_s: buildRate,
      qps_cpu: run.qpsCpu,
      build_inserts_per_cpu_s: buildRateCpu,
      bytes_per_vector: memory.bytesPerVector,
      bytes_per_vector_method: memory.method,
      rss_delta_bytes_per_vector: rssDelta,
      n: data.n,
      nq: data.nq,
      timed_passes: run.passes,
    };
  });
}

/** Loads one dataset and runs every engine on it; null when the dataset is skipped. */
async function benchDataset(
  name: DatasetName,
  options: Options,
  minSeconds: number,
): Promise<{ records: IndexRecord[]; summary: DatasetSummary } | null> {
  const data = await loadBenchDataset(name, {
    dataDir: options.dataDir,
    cacheDir: resolve("bench/cache"),
    syntheticN: options.syntheticN ?? (options.quick ? 5000 : 100_000),
    syntheticQueries: options.quick ? 100 : 1000,
    ...(options.quick ? { limitBase: 2000, limitQueries: 100 } : {}),
    log: (line) => console.error(line),
  });
  if ("skipped" in data) {
    console.log(`\n### ${name}: skipped (${data.skipped})`);
    return null;
  }
  console.error(`${name}: n=${data.n}, dim=${data.dim}, ${data.nq} queries`);
  const perEngine = options.engines.map((engine) => runEngine(engine, data, options, minSeconds));
  const summaries = perEngine.map(summarise);
  const records = perEngine.flat();
  printDataset(data, records, summaries);
  const { n, nq, metric, gtSource: gt } = data;
  return {
    records,
    summary: {
      dataset: name,
      n,
      nq,
      metric,
      gt,
      engines: summaries,
      ratios_vecstream_over_hnswlib: ratios(summaries),
    },
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv);
  const minSeconds = options.minSeconds ?? (options.quick ? 0.1 : 1);
  const records: IndexRecord[] = [];
  const summaries: DatasetSummary[] = [];
  for (const name of options.datasets) {
    const result = await benchDataset(name, options, minSeconds);
    if (result === null) continue;
    records.push(...result.records);
    summaries.push(result.summary);
  }
  printRatios(summaries);
  const load = loadavg();
  const environment = {
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    loadavg: load,
    date: new Date().toISOString(),
    quick: options.quick,
    minSeconds,
  };
  writeJson(options.out, records);
  const summaryFile = options.out.replace(/\.json$/, "-summary.json");
  writeJson(summaryFile, { environment, M, efConstruction: EF_CONSTRUCTION, k: K, summary: summaries });
  console.log(
    `\nload average at the end: ${load.map((l) => l.toFixed(2)).join(", ")} on ${cpus().length} cores`,
  );
  console.error(`wrote ${options.out} and ${summaryFile}`);
}

await main();
