/**
 * `npm run bench:partitions`: partitions as the unit of ownership (issue 10), measured. Writes
 * `bench/results/partitions.json` and prints Markdown tables.
 *
 * Sections, each adding its keys to the one JSON object next to `environment`:
 * - layout (layout.ts): one graph per member against one graph per partition at P = 2, 4, 8, engine
 *   only: search QPS and p99 at equal recall@10, build, memory, revoke and restore of one partition
 *   (`layout_per_member`, `layout_per_partition`, `layout_ratios`).
 * A section that measures the service through Kafka adds its own function beside `layoutSection` and
 * its keys to the same object.
 *
 * The environment records the commit, node, CPU, and the load average and `uptime` before and after
 * the run: the machine is shared, so read the ratios, which are measured interleaved in the same run.
 */

import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";

import { Command, Option } from "commander";

import type { DatasetName } from "../lib/bench-datasets.js";
import { DATASET_NAMES, loadBenchDataset } from "../lib/bench-datasets.js";
import { choiceList, positiveInt, positiveIntList } from "../lib/cli.js";
import { writeJson } from "../lib/report.js";
import { codeVersion } from "../stream/stream-env.js";
import type { LayoutComparison } from "./layout.js";
import { compareLayouts } from "./layout.js";
import { lifecycleTable, searchTable } from "./layout-report.js";
import { MAX_PARTITIONS } from "./partitioner.js";
import { LAYOUT_HNSW } from "./layouts.js";

const TARGETS = [0.95, 0.99];
const REVOKED_PARTITION = 0;

interface Options {
  datasets: DatasetName[];
  partitions?: number[];
  ef: number[];
  rounds: number;
  minSeconds?: number;
  syntheticN?: number;
  quick: boolean;
  dataDir: string;
  out: string;
}

function parseOptions(argv: string[]): Options {
  const program = new Command("bench:partitions")
    .description("Partitions as the unit of ownership: graph per member vs graph per partition")
    .addOption(
      new Option("--datasets <list>", "comma-separated datasets")
        .argParser(choiceList(DATASET_NAMES))
        .default(["synthetic", "siftsmall"]),
    )
    .option(
      "--partitions <list>",
      "partition counts held by the member (default 2,4,8; 2,4 with --quick)",
      positiveIntList,
    )
    .option(
      "--ef <list>",
      "ef values of the sweep",
      positiveIntList,
      [10, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512],
    )
    .option("--rounds <n>", "interleaved timing rounds per layout (A, B, A, B, ...)", positiveInt, 2)
    .option("--min-seconds <s>", "timed seconds per round (default 2; 0.2 with --quick)", Number.parseFloat)
    .option("--synthetic-n <n>", "synthetic base vectors (default 100000; 5000 with --quick)", positiveInt)
    .option("--quick", "small synthetic set, P = 2 and 4, short timings: a smoke run", false)
    .option("--data-dir <dir>", "benchmark data folder", resolve("../shared/data"))
    .option("--out <file>", "JSON results", resolve("bench/results/partitions.json"));
  program.parse(argv);
  const options = program.opts<Options>();
  const bad = (options.partitions ?? []).find((p) => p < 2 || p > MAX_PARTITIONS);
  if (bad !== undefined)
    program.error(`--partitions: each count must be from 2 to ${MAX_PARTITIONS}, got ${bad}`);
  return options;
}

function machineLoad(): { loadavg: number[]; uptime: string } {
  const uptime = spawnSync("uptime", { encoding: "utf8" }).stdout?.trim() ?? "";
  return { loadavg: loadavg(), uptime };
}

/** Engine-level layout comparison over every dataset; missing datasets are skipped with a message. */
async function layoutSection(options: Options): Promise<Record<string, unknown>> {
  const log = (line: string) => console.error(line);
  const layoutOptions = {
    partitions: options.partitions ?? (options.quick ? [2, 4] : [2, 4, 8]),
    efs: options.ef,
    targets: TARGETS,
    rounds: options.rounds,
    minSeconds: options.minSeconds ?? (options.quick ? 0.2 : 2),
    revoked: REVOKED_PARTITION,
    log,
  };
  const all: LayoutComparison = { per_member: [], per_partition: [], ratios: [] };
  const skipped: Record<string, string> = {};
  for (const name of options.datasets) {
    const data = await loadBenchDataset(name, {
      dataDir: options.dataDir,
      cacheDir: resolve("bench/cache"),
      syntheticN: options.syntheticN ?? (options.quick ? 5000 : 100_000),
      syntheticQueries: options.quick ? 100 : 1000,
      log,
    });
    if ("skipped" in data) {
      console.log(`\n### ${name}: skipped (${data.skipped})`);
      skipped[name] = data.skipped;
      continue;
    }
    log(`${name}: n=${data.n}, dim=${data.dim}, ${data.nq} queries (${data.gtSource})`);
    const c = await compareLayouts(data, layoutOptions);
    all.per_member.push(...c.per_member);
    all.per_partition.push(...c.per_partition);
    all.ratios.push(...c.ratios);
  }
  printLayout(all);
  const { log: _, ...params } = layoutOptions;
  return {
    layout_params: {
      ...params,
      ...LAYOUT_HNSW,
      k: 10,
      partitioner: "kafkajs DefaultPartitioner (murmur2) of String(row)",
    },
    layout_per_member: all.per_member,
    layout_per_partition: all.per_partition,
    layout_ratios: all.ratios,
    layout_skipped: skipped,
  };
}

function printLayout(c: LayoutComparison): void {
  console.log("\n### Search at equal recall@10 (ratios per_partition / per_member, interleaved rounds)\n");
  console.log(searchTable(c));
  console.log(`\n### Build, memory, revoke and restore of partition ${REVOKED_PARTITION}\n`);
  console.log(lifecycleTable(c, TARGETS[0]));
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv);
  const before = machineLoad();
  const layout = await layoutSection(options);
  const after = machineLoad();
  const environment = {
    ...codeVersion(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    load_before: before,
    load_after: after,
    date: new Date().toISOString(),
    quick: options.quick,
  };
  writeJson(options.out, { environment, ...layout });
  console.log(`\nload before: ${before.uptime}\nload after:  ${after.uptime}`);
  console.error(`wrote ${options.out}`);
}

await main();
