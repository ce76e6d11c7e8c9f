/**
 * Records, summaries and Markdown tables of `bench:index` (kept apart from the driver in
 * `bench/index-bench.ts`). Contract: `summarise` picks, per engine, the smallest ef whose recall@10
 * reaches 0.95 and reports its QPS; ratios are vecstream / hnswlib-node, null when either is missing.
 */

import type { BenchDataset, DatasetName } from "./bench-datasets.js";
import type { EngineName } from "./engines.js";
import { fixed, markdownTable, ratio } from "./report.js";

const TARGET_RECALL = 0.95;

/** One line of `index.json`. */
export interface IndexRecord {
  dataset: string;
  engine: EngineName;
  M: number;
  efConstruction: number;
  ef: number;
  recall_at_10: number;
  qps: number;
  build_inserts_per_s: number;
  bytes_per_vector: number;
  bytes_per_vector_method: string;
  /** The same rates per CPU second of the process (steadier than wall time on a loaded box). */
  qps_cpu: number;
  build_inserts_per_cpu_s: number;
  rss_delta_bytes_per_vector: number;
  n: number;
  nq: number;
  timed_passes: number;
}

export interface EngineSummary {
  engine: EngineName;
  build_inserts_per_s: number;
  build_inserts_per_cpu_s: number;
  bytes_per_vector: number;
  bytes_per_vector_method: string;
  ef_at_095: number | null;
  qps_at_095: number | null;
  qps_cpu_at_095: number | null;
}

export function summarise(records: IndexRecord[]): EngineSummary {
  const first = records[0];
  const reaching = records.filter((r) => r.recall_at_10 >= TARGET_RECALL).sort((a, b) => a.ef - b.ef)[0];
  return {
    engine: first.engine,
    build_inserts_per_s: first.build_inserts_per_s,
    build_inserts_per_cpu_s: first.build_inserts_per_cpu_s,
    bytes_per_vector: first.bytes_per_vector,
    bytes_per_vector_method: first.bytes_per_vector_method,
    ef_at_095: reaching?.ef ?? null,
    qps_at_095: reaching?.qps ?? null,
    qps_cpu_at_095: reaching?.qps_cpu ?? null,
  };
}

export function printDataset(data: BenchDataset, records: IndexRecord[], summaries: EngineSummary[]): void {
  console.log(
    `\n### ${data.name} (${data.metric}, n=${data.n}, dim=${data.dim}, ${data.nq} queries, ${data.gtSource})\n`,
  );
  const sweep = records.map((r) => [
    r.engine,
    r.ef,
    fixed(r.recall_at_10, 4),
    fixed(r.qps, 0),
    fixed(r.qps_cpu, 0),
  ]);
  console.log(markdownTable(["engine", "ef", "recall@10", "QPS", "QPS per CPU s"], sweep));
  console.log();
  const rows = summaries.map((s) => [
    s.engine,
    fixed(s.build_inserts_per_s, 0),
    fixed(s.build_inserts_per_cpu_s, 0),
    fixed(s.bytes_per_vector, 0),
    s.ef_at_095,
    fixed(s.qps_at_095, 0),
    fixed(s.qps_cpu_at_095, 0),
  ]);
  const headers = [
    "engine",
    "build inserts/s",
    "per CPU s",
    "bytes/vector",
    "ef@0.95",
    "QPS@0.95",
    "per CPU s",
  ];
  console.log(markdownTable(headers, rows));
  for (const s of summaries) console.log(`- ${s.engine} bytes/vector: ${s.bytes_per_vector_method}`);
}

export function ratios(summaries: EngineSummary[]): Record<string, number | null> | null {
  const ours = summaries.find((s) => s.engine === "vecstream");
  const theirs = summaries.find((s) => s.engine === "hnswlib-node");
  if (ours === undefined || theirs === undefined) return null;
  return {
    qps_at_095: ratio(ours.qps_at_095, theirs.qps_at_095),
    qps_cpu_at_095: ratio(ours.qps_cpu_at_095, theirs.qps_cpu_at_095),
    build_inserts_per_s: ratio(ours.build_inserts_per_s, theirs.build_inserts_per_s),
    build_inserts_per_cpu_s: ratio(ours.build_inserts_per_cpu_s, theirs.build_inserts_per_cpu_s),
    bytes_per_vector: ratio(ours.bytes_per_vector, theirs.bytes_per_vector),
  };
}

export interface DatasetSummary {
  dataset: DatasetName;
  n: number;
  nq: number;
  metric: string;
  gt: string;
  engines: EngineSummary[];
  ratios_vecstream_over_hnswlib: Record<string, number | null> | null;
}

export function printRatios(summaries: DatasetSummary[]): void {
  const rows = summaries.flatMap(({ dataset, ratios_vecstream_over_hnswlib: r }) => {
    if (r === null) return [];
    const cells = [
      r.qps_at_095,
      r.qps_cpu_at_095,
      r.build_inserts_per_s,
      r.build_inserts_per_cpu_s,
      r.bytes_per_vector,
    ];
    return [[dataset, ...cells.map((c) => fixed(c, 2))]];
  });
  if (rows.length === 0) return;
  console.log("\n### vecstream / hnswlib-node\n");
  const headers = ["dataset", "QPS@0.95", "(CPU time)", "build rate", "(CPU time)", "bytes/vector"];
  console.log(markdownTable(headers, rows));
}
