/**
 * `npm run bench:runbooks`: replays the big-ann-benchmarks streaming runbooks (simple, simple_replace,
 * delete) on siftsmall's base vectors for vecstream's HnswIndex and for hnswlib-node (mark-delete
 * tombstones, re-insertion into deleted slots), scoring recall@10 at every search step against the exact
 * per-step ground truth, counting live nodes unreachable from the entry point at the end, and comparing
 * with a fresh build of the final state at the same ef.
 *
 * Prints Markdown tables and writes `bench/results/runbooks.json`: one record per runbook, engine and ef.
 */

import { existsSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";

import { Command, Option } from "commander";

import type { FloatVectors } from "../src/datasets/index.js";
import { readFvecs, readRunbook, readStreamingGtIndex } from "../src/datasets/index.js";
import { choiceList, positiveInt, positiveIntList } from "./lib/cli.js";
import type { EngineName, EngineParams, PreparedQuery } from "./lib/engines.js";
import { createEngine, ENGINE_NAMES, prepareQueries } from "./lib/engines.js";
import type { ReplayInput } from "./lib/runbook-replay.js";
import { freshBuildRecall, replayRunbook } from "./lib/runbook-replay.js";
import { fixed, markdownTable, writeJson } from "./lib/report.js";

const M = 16;
const EF_CONSTRUCTION = 200;

/** Runbook file, the dataset key to replay, as `../shared/data/README.md` prescribes. */
const RUNBOOKS = {
  simple_runbook: "random-xs",
  simple_replace_runbook: "random-xs",
  delete_runbook: "random-xs-clustered",
} as const;
type RunbookName = keyof typeof RUNBOOKS;
const RUNBOOK_NAMES = Object.keys(RUNBOOKS) as RunbookName[];

interface Options {
  runbooks: RunbookName[];
  engines: EngineName[];
  ef: number[];
  seed: number;
  dataDir: string;
  out: string;
}

export interface RunbookRecord {
  runbook: string;
  engine: EngineName;
  ef: number;
  mean_recall_at_10: number;
  min_recall_at_10: number;
  final_step_recall_at_10: number;
  fresh_build_recall_at_10: number;
  unreachable: number;
  unreachable_method: string;
  /** Deleted points still held in the graph at the end (hnswlib: mark-deleted slots not reused). */
  tombstones: number;
  replay_seconds: number;
  step_numbers: number[];
  live_points: number[];
  recall_at_10_per_step: number[];
}

function parseOptions(argv: string[]): Options {
  const program = new Command("bench:runbooks")
    .description("Streaming runbook replay: recall per search step, vecstream vs hnswlib-node")
    .addOption(
      new Option("--runbooks <list>", "comma-separated runbooks")
        .argParser(choiceList(RUNBOOK_NAMES))
        .default([...RUNBOOK_NAMES]),
    )
    .addOption(
      new Option("--engines <list>", "comma-separated engines")
        .argParser(choiceList(ENGINE_NAMES))
        .default(["vecstream", "hnswlib-node"]),
    )
    .option("--ef <list>", "search ef values (comma-separated)", positiveIntList, [64])
    .option("--seed <n>", "seed of both engines' level generators", positiveInt, 42)
    .option("--data-dir <dir>", "benchmark data folder", resolve("../shared/data"))
    .option("--out <file>", "JSON records", resolve("bench/results/runbooks.json"));
  program.parse(argv);
  return program.opts<Options>();
}

function checkLiveCounts(name: string, gtDir: string, steps: { step: number; live: number }[]): void {
  const expected = readStreamingGtIndex(gtDir).steps;
  const mismatch = expected.find((s, i) => steps[i]?.step !== s.step || steps[i]?.live !== s.activePoints);
  if (mismatch !== undefined || expected.length !== steps.length) {
    throw new Error(
      `${name}: replayed live counts disagree with index.json (step ${mismatch?.step}); replay semantics are wrong`,
    );
  }
}

function runOne(
  name: RunbookName,
  engineName: EngineName,
  input: ReplayInput,
  params: EngineParams,
): RunbookRecord[] {
  const engine = createEngine(engineName, params);
  const replay = replayRunbook(engine, input);
  checkLiveCounts(name, input.gtDir, replay.stepsByEf[0]);
  const health = engine.graphHealth();
  const fresh = freshBuildRecall(createEngine(engineName, params), input, replay.finalState, replay.finalGt);
  return input.efs.map((ef, e) => {
    const steps = replay.stepsByEf[e];
    const recalls = steps.map((s) => s.recall);
    return {
      runbook: name,
      engine: engineName,
      ef,
      mean_recall_at_10: recalls.reduce((a, b) => a + b, 0) / recalls.length,
      min_recall_at_10: Math.min(...recalls),
      final_step_recall_at_10: recalls[recalls.length - 1],
      fresh_build_recall_at_10: fresh[e],
      unreachable: health.unreachable,
      unreachable_method: health.method,
      tombstones: health.tombstones,
      replay_seconds: replay.replaySeconds,
      step_numbers: steps.map((s) => s.step),
      live_points: steps.map((s) => s.live),
      recall_at_10_per_step: recalls,
    };
  });
}

function printRunbook(name: string, records: RunbookRecord[]): void {
  console.log(`\n### ${name}\n`);
  const first = records[0];
  const headers = ["step", "live", ...records.map((r) => `${r.engine} ef=${r.ef}`)];
  const rows = first.step_numbers.map((step, i) => [
    step,
    first.live_points[i],
    ...records.map((r) => fixed(r.recall_at_10_per_step[i], 3)),
  ]);
  console.log(markdownTable(headers, rows));
}

function printSummary(records: RunbookRecord[]): void {
  console.log("\n### Summary (recall@10, k=10, all 100 siftsmall queries per search step)\n");
  const rows = records.map((r) => [
    r.runbook,
    r.engine,
    r.ef,
    fixed(r.mean_recall_at_10, 4),
    fixed(r.min_recall_at_10, 4),
    fixed(r.final_step_recall_at_10, 4),
    fixed(r.fresh_build_recall_at_10, 4),
    r.unreachable,
    r.tombstones,
    fixed(r.replay_seconds, 1),
  ]);
  const headers = [
    "runbook",
    "engine",
    "ef",
    "mean",
    "min",
    "final step",
    "fresh build",
    "unreachable",
    "tombstones",
    "replay s",
  ];
  console.log(markdownTable(headers, rows));
  const methods = new Map(records.map((r) => [r.engine, r.unreachable_method]));
  for (const [engine, method] of methods) console.log(`- ${engine} unreachable: ${method}`);
}

/** Replays one runbook on every engine; null (with a message) when its ground truth is absent. */
function benchRunbook(
  name: RunbookName,
  options: Options,
  base: FloatVectors,
  queries: PreparedQuery[],
): RunbookRecord[] | null {
  const gtDir = join(options.dataDir, "siftsmall", "streaming-gt", name);
  if (!existsSync(gtDir)) {
    console.log(`\n### ${name}: skipped (no ${gtDir})`);
    return null;
  }
  const runbook = readRunbook(join(options.dataDir, "runbooks", `${name}.yaml`), RUNBOOKS[name]);
  const input: ReplayInput = { runbook, gtDir, base: base.data, dim: base.dim, queries, efs: options.ef };
  // Every id is a base row, so the base size bounds the slots an engine that never reuses one needs.
  const params: EngineParams = {
    dim: base.dim,
    metric: "l2",
    M,
    efConstruction: EF_CONSTRUCTION,
    capacity: base.count,
    seed: options.seed,
  };
  const records = options.engines.flatMap((engine) => {
    console.error(`${name}: replaying on ${engine}...`);
    return runOne(name, engine, input, params);
  });
  printRunbook(name, records);
  return records;
}

function main(): void {
  const options = parseOptions(process.argv);
  const baseFile = join(options.dataDir, "siftsmall", "siftsmall_base.fvecs");
  const queryFile = join(options.dataDir, "siftsmall", "siftsmall_query.fvecs");
  if (!existsSync(baseFile) || !existsSync(queryFile) || !existsSync(join(options.dataDir, "runbooks"))) {
    console.log(`bench:runbooks skipped: siftsmall or runbooks absent under ${options.dataDir}`);
    return;
  }
  const base = readFvecs(baseFile);
  const queries = prepareQueries(readFvecs(queryFile).data, base.dim);
  const records = options.runbooks.flatMap((name) => benchRunbook(name, options, base, queries) ?? []);
  printSummary(records);
  writeJson(options.out, records);
  const load = loadavg().map((l) => l.toFixed(2));
  console.log(`\nload average at the end: ${load.join(", ")} on ${cpus().length} cores`);
  console.error(`wrote ${options.out}`);
}

main();
