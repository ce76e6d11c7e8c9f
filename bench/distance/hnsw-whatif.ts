/**
 * End to end: HNSW search time with the JS vector store (JS kernels) against the WASM vector store
 * (SIMD kernels over vectors resident in WebAssembly memory), both through the engine's own
 * `HnswIndex.search`.
 *
 * How: the runner builds each index once and caches it as a snapshot in `bench/cache/` (git-ignored;
 * rebuilt when the snapshot format changes). Each measurement runs in a fresh child process (so V8's
 * type feedback only ever sees one store) that picks the backend with the `storage` option of `deserializeIndex` (`{ backend: "js" | "auto" }`)
 * before restoring the snapshot, checks which store it got (WASM views start past the query and batch
 * areas, JS chunks at byte 0), and reports time per query, recall@10 against the dataset's ground
 * truth, and its result ids, which the runner compares across backends.
 * Prints a Markdown table and writes `bench/results/distance-hnsw-whatif.json`.
 *
 *   npx tsx bench/distance/hnsw-whatif.ts [--rounds 3] [--ef 64] [--seconds 2]
 */

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { readFvecs, readIvecs } from "../../src/datasets/index.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { deserializeIndex, serializeIndex } from "../../src/index/serialization.js";
import { median } from "./worker.js";

const DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
const CACHE = fileURLToPath(new URL("../cache/", import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const RESULTS = fileURLToPath(new URL("../results/distance-hnsw-whatif.json", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const K = 10;

const DATASETS = {
  siftsmall: { folder: "siftsmall", metric: "l2" },
  "glove-25": { folder: "glove-twitter-25-angular", metric: "cosine" },
} as const;
type Dataset = keyof typeof DATASETS;
type Kernel = "js" | "wasm";

interface ChildResult {
  kernel: Kernel;
  usPerQuery: number[];
  recallAt10: number;
  ids: string[][];
}

const prefix = (d: Dataset): string => `${DATA}${DATASETS[d].folder}/${DATASETS[d].folder}`;
const snapshotPath = (d: Dataset): string => `${CACHE}distance-whatif-${d}.snapshot`;

/** True when the cached snapshot still reads with the current serialization format. */
async function snapshotReadable(d: Dataset): Promise<boolean> {
  if (!existsSync(snapshotPath(d))) return false;
  return deserializeIndex([readFileSync(snapshotPath(d))]).then(
    () => true,
    () => false,
  );
}

/** Builds the index with the engine's defaults (M 16, efConstruction 200) unless a readable snapshot exists. */
async function ensureSnapshot(d: Dataset): Promise<void> {
  if (await snapshotReadable(d)) return;
  const base = readFvecs(`${prefix(d)}_base.fvecs`);
  const index = new HnswIndex({
    dim: base.dim,
    metric: DATASETS[d].metric,
    seed: 7,
    initialCapacity: base.count,
  });
  const started = performance.now();
  for (let r = 0; r < base.count; r++)
    index.upsert(String(r), base.data.subarray(r * base.dim, (r + 1) * base.dim));
  process.stderr.write(`built ${d} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(snapshotPath(d), Buffer.concat([...serializeIndex(index)].map((c) => Buffer.from(c))));
}

/** Restores the snapshot on the chosen store and fails loudly if the engine picked the other one. */
async function restore(d: Dataset, kernel: Kernel): Promise<HnswIndex> {
  const storage = { backend: kernel === "js" ? ("js" as const) : ("auto" as const) };
  const index = (await deserializeIndex([readFileSync(snapshotPath(d))], { storage })) as HnswIndex;
  const inWasmMemory = index.view().graph.vectorRecords(1)[0].byteOffset > 0;
  if (inWasmMemory !== (kernel === "wasm")) throw new Error(`asked for the ${kernel} store, got the other`);
  return index;
}

async function child(d: Dataset, kernel: Kernel, ef: number, seconds: number): Promise<ChildResult> {
  const index = await restore(d, kernel);
  const { dim, count, data } = readFvecs(`${prefix(d)}_query.fvecs`);
  const queries = Array.from({ length: count }, (_, i) => data.subarray(i * dim, (i + 1) * dim));
  const ids = queries.map((q) => index.search(q, K, { ef }).map((hit) => hit.id));
  const pass = (): void => {
    for (const q of queries) index.search(q, K, { ef });
  };
  pass();
  const usPerQuery: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  while (usPerQuery.length < 5 || performance.now() < deadline) {
    const t0 = performance.now();
    pass();
    usPerQuery.push(((performance.now() - t0) * 1000) / queries.length);
  }
  const gt = readIvecs(`${prefix(d)}_groundtruth.ivecs`);
  let hits = 0;
  ids.forEach((row, q) => {
    const truth = new Set(Array.from(gt.data.subarray(q * gt.dim, q * gt.dim + K), String));
    hits += row.filter((id) => truth.has(id)).length;
  });
  return { kernel, usPerQuery, recallAt10: hits / (ids.length * K), ids };
}

function runChild(d: Dataset, kernel: Kernel, ef: number, seconds: number): ChildResult {
  const args = ["--import", "tsx", SELF, "--child", kernel, "--dataset", d, "--ef", String(ef)];
  const out = spawnSync(process.execPath, [...args, "--seconds", String(seconds)], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  if (out.status !== 0) throw new Error(`child ${kernel} ${d} failed:\n${out.stderr}`);
  return JSON.parse(out.stdout) as ChildResult;
}

/** Share of queries' top-10 ids that both kernels return (ties in float32 vs float64 may swap). */
function overlap(a: string[][], b: string[][]): number {
  let same = 0;
  let total = 0;
  a.forEach((row, q) => {
    const other = new Set(b[q]);
    same += row.filter((id) => other.has(id)).length;
    total += row.length;
  });
  return same / Math.max(1, total);
}

interface Row {
  dataset: Dataset;
  ef: number;
  jsUsPerQuery: number;
  wasmUsPerQuery: number;
  speedup: number;
  recallAt10Js: number;
  recallAt10Wasm: number;
  sameIds: number;
  samples: { js: number[]; wasm: number[] };
}

/** Alternates JS and WASM children for `rounds` rounds and pools their per-pass timings. */
async function measureDataset(d: Dataset, rounds: number, ef: number, seconds: number): Promise<Row> {
  await ensureSnapshot(d);
  const runs: Record<Kernel, ChildResult[]> = { js: [], wasm: [] };
  for (let r = 0; r < rounds; r++) {
    const order: Kernel[] = r % 2 === 0 ? ["js", "wasm"] : ["wasm", "js"];
    for (const kernel of order) runs[kernel].push(runChild(d, kernel, ef, seconds));
  }
  const samples = { js: runs.js.flatMap((c) => c.usPerQuery), wasm: runs.wasm.flatMap((c) => c.usPerQuery) };
  const [js, wasm] = [median(samples.js), median(samples.wasm)];
  const [j, w] = [runs.js[0], runs.wasm[0]];
  const sameIds = overlap(j.ids, w.ids);
  const row = { jsUsPerQuery: js, wasmUsPerQuery: wasm, speedup: js / wasm, sameIds, samples };
  return { dataset: d, ef, ...row, recallAt10Js: j.recallAt10, recallAt10Wasm: w.recallAt10 };
}

async function runner(rounds: number, ef: number, seconds: number): Promise<void> {
  const rows: Row[] = [];
  const lines = [
    "| dataset | ef | JS us/query | WASM us/query | speedup | recall@10 JS | recall@10 WASM | same ids |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const d of Object.keys(DATASETS) as Dataset[]) {
    if (!existsSync(`${prefix(d)}_base.fvecs`)) {
      lines.push(`| ${d} | skipped: ${prefix(d)}_base.fvecs is absent |||||||`);
      continue;
    }
    const r = await measureDataset(d, rounds, ef, seconds);
    rows.push(r);
    const cells = [r.jsUsPerQuery.toFixed(1), r.wasmUsPerQuery.toFixed(1), `${r.speedup.toFixed(2)}x`];
    cells.push(r.recallAt10Js.toFixed(3), r.recallAt10Wasm.toFixed(3), r.sameIds.toFixed(3));
    lines.push(`| ${d} | ${ef} | ${cells.join(" | ")} |`);
  }
  console.log(`${rounds} round(s), medians of per-pass times; load average ${loadavg()[0].toFixed(1)}\n`);
  console.log(lines.join("\n"));
  const report = { finishedAt: new Date().toISOString(), node: process.version, rounds, ef, seconds, rows };
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${RESULTS}`);
}

const { values } = parseArgs({
  options: {
    child: { type: "string" },
    dataset: { type: "string" },
    rounds: { type: "string", default: "3" },
    ef: { type: "string", default: "64" },
    seconds: { type: "string", default: "2" },
  },
});
if (values.child === undefined) {
  await runner(Number(values.rounds), Number(values.ef), Number(values.seconds));
} else {
  const result = await child(
    values.dataset as Dataset,
    values.child as Kernel,
    Number(values.ef),
    Number(values.seconds),
  );
  process.stdout.write(JSON.stringify(result));
}
