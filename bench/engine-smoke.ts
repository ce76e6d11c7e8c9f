/**
 * A quick self-check of the HNSW engine on siftsmall: build rate, QPS and recall@10 at a few ef (and
 * the same for hnswlib-node with `--hnswlib`); `--churn` compares delete strategies under delete/insert
 * cycles, `--mass-delete` deletes 90%. Not the project's benchmark (see bench/README.md). Rates are per
 * CPU second (process.cpuUsage), not wall time, because the shared box is heavily loaded.
 *
 * `--js` runs vecstream on the pure-JS vector store (the fallback without WebAssembly SIMD) instead of
 * the WASM store; `--reps` sets the query passes per ef (default 5; more gives steadier figures).
 *
 * Run: `npx tsx bench/engine-smoke.ts [--hnswlib] [--js] [--reps 5] [--n 10000] [--churn | --mass-delete] [--ef 16]`.
 */

import path from "node:path";
import { HnswIndex } from "../src/index/index.js";
import type { VectorStoreOptions } from "../src/index/index.js";
import { readFvecs, readIvecs } from "../test/support/fvecs.js";

const dataDir = path.resolve(process.cwd(), "../shared/data/siftsmall");
const base = readFvecs(path.join(dataDir, "siftsmall_base.fvecs"));
const queries = readFvecs(path.join(dataDir, "siftsmall_query.fvecs"));
const gt = readIvecs(path.join(dataDir, "siftsmall_groundtruth.ivecs"));
const dim = base.dim;
const argN = process.argv.indexOf("--n");
const n = argN > 0 ? Number(process.argv[argN + 1]) : base.rows;
const efs = [16, 32, 64, 128];
const argEf = process.argv.indexOf("--ef");
/** The ef at which the churn and mass-delete runs measure recall (`--ef`, default 16). */
const liveEf = argEf > 0 ? Number(process.argv[argEf + 1]) : 16;
const argReps = process.argv.indexOf("--reps");
/** Query passes per ef, for both engines. */
const passes = argReps > 0 ? Number(process.argv[argReps + 1]) : 5;
const storage: VectorStoreOptions = process.argv.includes("--js") ? { backend: "js" } : {};

/** CPU milliseconds of this process: on a shared, loaded box they vary far less than wall time. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function recallOf(results: number[][]): number {
  let hit = 0;
  for (let q = 0; q < queries.rows; q++) {
    const truth = new Set(Array.from(gt.data.subarray(q * gt.dim, q * gt.dim + 10)));
    for (const r of results[q].slice(0, 10)) if (truth.has(r)) hit++;
  }
  return hit / (queries.rows * 10);
}

function runOurs(): void {
  const index = new HnswIndex({ dim, metric: "l2", M: 16, efConstruction: 200 }, storage);
  let t = cpuMs();
  for (let i = 0; i < n; i++) index.upsert(String(i), base.data.subarray(i * dim, (i + 1) * dim));
  const buildMs = cpuMs() - t;
  const store = process.argv.includes("--js") ? "JS store" : "default store";
  console.log(
    `vecstream (${store}) build: ${n} in ${buildMs.toFixed(0)} ms = ${((n / buildMs) * 1000).toFixed(0)} /s`,
  );
  for (const ef of efs) {
    const reps = passes;
    const results: number[][] = [];
    t = cpuMs();
    for (let r = 0; r < reps; r++) {
      for (let q = 0; q < queries.rows; q++) {
        const hits = index.search(queries.data.subarray(q * dim, (q + 1) * dim), 10, { ef });
        if (r === 0) results.push(hits.map((h) => Number(h.id)));
      }
    }
    const qps = (reps * queries.rows * 1000) / (cpuMs() - t);
    console.log(`vecstream ef=${ef}: recall@10 ${recallOf(results).toFixed(3)}  ${qps.toFixed(0)} QPS`);
  }
}

async function runHnswlib(): Promise<void> {
  // hnswlib-node is CommonJS: under ESM its exports arrive on `default`.
  const { HierarchicalNSW } = (await import("hnswlib-node")).default;
  const index = new HierarchicalNSW("l2", dim);
  index.initIndex(n, 16, 200, 42);
  let t = cpuMs();
  for (let i = 0; i < n; i++) index.addPoint(Array.from(base.data.subarray(i * dim, (i + 1) * dim)), i);
  const buildMs = cpuMs() - t;
  console.log(`hnswlib build: ${n} in ${buildMs.toFixed(0)} ms = ${((n / buildMs) * 1000).toFixed(0)} /s`);
  for (const ef of efs) {
    index.setEf(ef);
    const reps = passes;
    const qs = Array.from({ length: queries.rows }, (_, q) =>
      Array.from(queries.data.subarray(q * dim, (q + 1) * dim)),
    );
    const results: number[][] = [];
    t = cpuMs();
    for (let r = 0; r < reps; r++) {
      for (let q = 0; q < queries.rows; q++) {
        const res = index.searchKnn(qs[q], 10);
        if (r === 0) results.push(res.neighbors);
      }
    }
    const qps = (reps * queries.rows * 1000) / (cpuMs() - t);
    console.log(`hnswlib ef=${ef}: recall@10 ${recallOf(results).toFixed(3)}  ${qps.toFixed(0)} QPS`);
  }
}

/** Exact recall@10 at `liveEf` of `index` over the live rows `live` (a set of base row numbers). */
function liveRecall(index: HnswIndex, live: Set<number>): number {
  let hit = 0;
  for (let q = 0; q < queries.rows; q++) {
    const qv = queries.data.subarray(q * dim, (q + 1) * dim);
    const scored: [number, number][] = [];
    for (const r of live) {
      let d = 0;
      for (let i = 0; i < dim; i++) {
        const x = qv[i] - base.data[r * dim + i];
        d += x * x;
      }
      scored.push([d, r]);
    }
    scored.sort((a, b) => a[0] - b[0]);
    const truth = new Set(scored.slice(0, 10).map((s) => String(s[1])));
    for (const h of index.search(qv, 10, { ef: liveEf })) if (truth.has(h.id)) hit++;
  }
  return hit / (queries.rows * 10);
}

/**
 * Churn: 5,000 rows, then 10 cycles that delete 500 rows (random, or the 500 nearest a random row,
 * like a clustered delete) and insert 500 unused rows. Compares batched repair with mark-only deletes.
 */
function runChurn(clustered: boolean): void {
  for (const ratio of [0.1, 0.2, Infinity]) {
    const index = new HnswIndex(
      { dim, metric: "l2", M: 16, efConstruction: 200, consolidationRatio: ratio },
      storage,
    );
    const live = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      index.upsert(String(i), base.data.subarray(i * dim, (i + 1) * dim));
      live.add(i);
    }
    let next = 5000;
    let seed = 1;
    const recalls: string[] = [];
    const t = cpuMs();
    for (let cycle = 0; cycle < 10; cycle++) {
      const ids = [...live];
      seed = (seed * 48271) % 2147483647;
      const victims = clustered
        ? index
            .search(
              base.data.subarray(ids[seed % ids.length] * dim, (ids[seed % ids.length] + 1) * dim),
              500,
              { ef: 600 },
            )
            .map((h) => Number(h.id))
        : ids.filter((_, i) => (i * 7919 + seed) % 10 === 0).slice(0, 500);
      for (const v of victims) {
        index.delete(String(v));
        live.delete(v);
      }
      for (let i = 0; i < victims.length && next < base.rows; i++, next++) {
        index.upsert(String(next), base.data.subarray(next * dim, (next + 1) * dim));
        live.add(next);
      }
      recalls.push(liveRecall(index, live).toFixed(3));
    }
    const ms = cpuMs() - t;
    const t2 = cpuMs();
    for (let q = 0; q < queries.rows; q++)
      index.search(queries.data.subarray(q * dim, (q + 1) * dim), 10, { ef: 16 });
    console.log(`  final ef=16 QPS ${((queries.rows * 1000) / (cpuMs() - t2)).toFixed(0)}`);
    console.log(
      `${clustered ? "clustered" : "random"} churn, consolidation ratio ${ratio}: recall per cycle ${recalls.join(" ")}; ` +
        `${ms.toFixed(0)} CPU ms (incl. exact scans); slots used ${index.view().graph.nodeCount}; tombstones ${index.stats().tombstones}`,
    );
  }
}

/** Deletes 90% of siftsmall (every row not divisible by 10), then measures recall and QPS at ef 16. */
function runMassDelete(): void {
  for (const ratio of [0.1, Infinity]) {
    const index = new HnswIndex(
      { dim, metric: "l2", M: 16, efConstruction: 200, consolidationRatio: ratio },
      storage,
    );
    const live = new Set<number>();
    for (let i = 0; i < base.rows; i++) index.upsert(String(i), base.data.subarray(i * dim, (i + 1) * dim));
    let t = cpuMs();
    for (let i = 0; i < base.rows; i++) {
      if (i % 10 === 0) live.add(i);
      else index.delete(String(i));
    }
    const deleteMs = cpuMs() - t;
    t = cpuMs();
    for (let r = 0; r < 5; r++) {
      for (let q = 0; q < queries.rows; q++)
        index.search(queries.data.subarray(q * dim, (q + 1) * dim), 10, { ef: 16 });
    }
    const qps = (5 * queries.rows * 1000) / (cpuMs() - t);
    const recall = liveRecall(index, live);
    console.log(
      `delete 90%, ratio ${ratio}: delete ${deleteMs.toFixed(0)} CPU ms; ef=16 ${qps.toFixed(0)} QPS; ` +
        `recall@10 at ef ${liveEf} ${recall.toFixed(3)}; slots ${index.view().graph.nodeCount - index.view().graph.freeSlots.length} in use`,
    );
  }
}

/** A fresh build of rows 5000..9999 (the live set the churn runs end with), for reference. */
function runFreshReference(): void {
  const index = new HnswIndex({ dim, metric: "l2", M: 16, efConstruction: 200 }, storage);
  const live = new Set<number>();
  for (let i = 5000; i < 10000; i++) {
    index.upsert(String(i), base.data.subarray(i * dim, (i + 1) * dim));
    live.add(i);
  }
  const t = cpuMs();
  for (let q = 0; q < queries.rows; q++)
    index.search(queries.data.subarray(q * dim, (q + 1) * dim), 10, { ef: 16 });
  const qps = (queries.rows * 1000) / (cpuMs() - t);
  console.log(
    `fresh build of the final live set: recall ${liveRecall(index, live).toFixed(3)}, ef=16 QPS ${qps.toFixed(0)}`,
  );
}

if (process.argv.includes("--mass-delete")) {
  runMassDelete();
} else if (process.argv.includes("--churn")) {
  runFreshReference();
  runChurn(false);
  runChurn(true);
} else {
  runOurs();
  if (process.argv.includes("--hnswlib")) await runHnswlib();
}
