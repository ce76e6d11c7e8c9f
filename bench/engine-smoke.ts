/**
 * A quick self-check of the HNSW engine on siftsmall (build rate, QPS and recall@10 at a few ef), and
 * the same for hnswlib-node when `--hnswlib` is given. Not the project's benchmark (see bench/ README);
 * run: `npx tsx bench/engine-smoke.ts [--hnswlib] [--n 10000]`.
 */

import path from "node:path";
import { HnswIndex } from "../src/index/index.js";
import { readFvecs, readIvecs } from "../test/support/fvecs.js";

const dataDir = path.resolve(process.cwd(), "../shared/data/siftsmall");
const base = readFvecs(path.join(dataDir, "siftsmall_base.fvecs"));
const queries = readFvecs(path.join(dataDir, "siftsmall_query.fvecs"));
const gt = readIvecs(path.join(dataDir, "siftsmall_groundtruth.ivecs"));
const dim = base.dim;
const argN = process.argv.indexOf("--n");
const n = argN > 0 ? Number(process.argv[argN + 1]) : base.rows;
const efs = [16, 32, 64, 128];

function recallOf(results: number[][]): number {
  let hit = 0;
  for (let q = 0; q < queries.rows; q++) {
    const truth = new Set(Array.from(gt.data.subarray(q * gt.dim, q * gt.dim + 10)));
    for (const r of results[q].slice(0, 10)) if (truth.has(r)) hit++;
  }
  return hit / (queries.rows * 10);
}

function runOurs(): void {
  const index = new HnswIndex({ dim, metric: "l2", M: 16, efConstruction: 200 });
  let t = performance.now();
  for (let i = 0; i < n; i++) index.upsert(String(i), base.data.subarray(i * dim, (i + 1) * dim));
  const buildMs = performance.now() - t;
  console.log(`vecstream build: ${n} in ${buildMs.toFixed(0)} ms = ${((n / buildMs) * 1000).toFixed(0)} /s`);
  for (const ef of efs) {
    const reps = 5;
    const results: number[][] = [];
    t = performance.now();
    for (let r = 0; r < reps; r++) {
      for (let q = 0; q < queries.rows; q++) {
        const hits = index.search(queries.data.subarray(q * dim, (q + 1) * dim), 10, { ef });
        if (r === 0) results.push(hits.map((h) => Number(h.id)));
      }
    }
    const qps = (reps * queries.rows * 1000) / (performance.now() - t);
    console.log(`vecstream ef=${ef}: recall@10 ${recallOf(results).toFixed(3)}  ${qps.toFixed(0)} QPS`);
  }
}

async function runHnswlib(): Promise<void> {
  // hnswlib-node is CommonJS: under ESM its exports arrive on `default`.
  const { HierarchicalNSW } = (await import("hnswlib-node")).default;
  const index = new HierarchicalNSW("l2", dim);
  index.initIndex(n, 16, 200, 42);
  let t = performance.now();
  for (let i = 0; i < n; i++) index.addPoint(Array.from(base.data.subarray(i * dim, (i + 1) * dim)), i);
  const buildMs = performance.now() - t;
  console.log(`hnswlib build: ${n} in ${buildMs.toFixed(0)} ms = ${((n / buildMs) * 1000).toFixed(0)} /s`);
  for (const ef of efs) {
    index.setEf(ef);
    const reps = 5;
    const qs = Array.from({ length: queries.rows }, (_, q) =>
      Array.from(queries.data.subarray(q * dim, (q + 1) * dim)),
    );
    const results: number[][] = [];
    t = performance.now();
    for (let r = 0; r < reps; r++) {
      for (let q = 0; q < queries.rows; q++) {
        const res = index.searchKnn(qs[q], 10);
        if (r === 0) results.push(res.neighbors);
      }
    }
    const qps = (reps * queries.rows * 1000) / (performance.now() - t);
    console.log(`hnswlib ef=${ef}: recall@10 ${recallOf(results).toFixed(3)}  ${qps.toFixed(0)} QPS`);
  }
}

runOurs();
if (process.argv.includes("--hnswlib")) await runHnswlib();
