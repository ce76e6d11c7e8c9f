/**
 * The demo's vectors: siftsmall (10,000 x 128 SIFT descriptors with exact ground truth) from
 * `../shared/data/siftsmall` when present, else seeded synthetic clusters whose ground truth is
 * computed with the exact `BruteForceIndex`. Either way: base rows, queries and the true top-10 ids.
 */

import { existsSync } from "node:fs";
import { join } from "node:path";
import { readFvecs, readIvecs } from "../src/datasets/texmex.js";
import { BruteForceIndex } from "../src/index/brute-force-index.js";
import { SeededRandom } from "../src/index/random.js";

export interface DemoData {
  name: string;
  dim: number;
  base: Float32Array[];
  queries: Float32Array[];
  /** For each query, the ids of its 10 exact nearest base rows, nearest first. */
  truth: string[][];
}

const rows = (data: Float32Array, dim: number, count: number) =>
  Array.from({ length: count }, (_, r) => data.subarray(r * dim, (r + 1) * dim));

function siftsmall(dir: string): DemoData {
  const base = readFvecs(join(dir, "siftsmall_base.fvecs"));
  const queries = readFvecs(join(dir, "siftsmall_query.fvecs"));
  const gt = readIvecs(join(dir, "siftsmall_groundtruth.ivecs"));
  const truth = Array.from({ length: gt.count }, (_, q) =>
    Array.from(gt.data.subarray(q * gt.dim, q * gt.dim + 10), (id) => String(id)),
  );
  return {
    name: "siftsmall (../shared/data)",
    dim: base.dim,
    base: rows(base.data, base.dim, base.count),
    queries: rows(queries.data, queries.dim, queries.count),
    truth,
  };
}

/** 4,000 points in 16 Gaussian clusters, 50 queries near them; truth by exact search. */
function synthetic(dim: number, seed = 7): DemoData {
  const rnd = new SeededRandom(seed);
  const centres = Array.from({ length: 16 }, () =>
    Float32Array.from({ length: dim }, () => rnd.next() * 100),
  );
  const near = () => {
    const c = centres[rnd.nextInt(centres.length)];
    return Float32Array.from(c, (x) => x + rnd.nextGaussian() * 8);
  };
  const base = Array.from({ length: 4000 }, near);
  const queries = Array.from({ length: 50 }, near);
  const exact = new BruteForceIndex({ dim, metric: "l2" });
  base.forEach((v, i) => exact.upsert(String(i), v));
  const truth = queries.map((q) => exact.search(q, 10).map((h) => h.id));
  return { name: `synthetic (4,000 x ${dim}, seeded)`, dim, base, queries, truth };
}

export function loadDemoData(root: string): DemoData {
  const dir = join(root, "..", "shared", "data", "siftsmall");
  return existsSync(join(dir, "siftsmall_base.fvecs")) ? siftsmall(dir) : synthetic(128);
}
