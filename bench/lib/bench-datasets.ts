/**
 * The datasets of `bench:index`: siftsmall (L2), glove-twitter-25-angular (cosine) from
 * `../shared/data`, and the seeded synthetic mixture (see `synthetic.ts`).
 *
 * Contract: `loadBenchDataset` returns vectors, queries and at least top-10 ground truth for each query,
 * or `{ skipped }` with a reason when the files are absent. When a real set is cut down (`--quick`), its
 * shipped ground truth no longer applies, so it is recomputed exactly over the rows kept.
 */

import { existsSync } from "node:fs";
import { join } from "node:path";

import { readFvecs, readIvecs } from "../../src/datasets/index.js";
import type { ExactMetric } from "./exact-knn.js";
import { exactKnnParallel } from "./exact-knn.js";
import { defaultRecipe, loadSynthetic } from "./synthetic.js";

export const DATASET_NAMES = ["siftsmall", "glove-twitter-25-angular", "synthetic"] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export interface BenchDataset {
  name: DatasetName;
  metric: ExactMetric;
  dim: number;
  n: number;
  base: Float32Array;
  nq: number;
  queries: Float32Array;
  gt: Int32Array;
  gtK: number;
  /** Where the ground truth came from, for the report. */
  gtSource: string;
}

export interface LoadOptions {
  dataDir: string;
  cacheDir: string;
  syntheticN: number;
  /** Keep at most this many base rows and queries of the real sets (recomputing their ground truth). */
  limitBase?: number;
  limitQueries?: number;
  syntheticQueries: number;
  log: (line: string) => void;
}

const REAL: Record<
  Exclude<DatasetName, "synthetic">,
  { dir: string; prefix: string; metric: ExactMetric }
> = {
  siftsmall: { dir: "siftsmall", prefix: "siftsmall", metric: "l2" },
  "glove-twitter-25-angular": {
    dir: "glove-twitter-25-angular",
    prefix: "glove-twitter-25-angular",
    metric: "cosine",
  },
};

async function loadReal(
  name: Exclude<DatasetName, "synthetic">,
  options: LoadOptions,
): Promise<BenchDataset | { skipped: string }> {
  const spec = REAL[name];
  const dir = join(options.dataDir, spec.dir);
  const files = {
    base: join(dir, `${spec.prefix}_base.fvecs`),
    query: join(dir, `${spec.prefix}_query.fvecs`),
    gt: join(dir, `${spec.prefix}_groundtruth.ivecs`),
  };
  const missing = Object.values(files).filter((f) => !existsSync(f));
  if (missing.length > 0) return { skipped: `missing ${missing.join(", ")}` };
  const base = readFvecs(files.base, { limit: options.limitBase });
  const queries = readFvecs(files.query, { limit: options.limitQueries });
  const full = readIvecs(files.gt);
  const cut =
    options.limitBase !== undefined && options.limitBase < full.data.reduce((m, v) => Math.max(m, v + 1), 0);
  const common = {
    name,
    metric: spec.metric,
    dim: base.dim,
    n: base.count,
    base: base.data,
    nq: queries.count,
    queries: queries.data,
  };
  if (!cut) {
    return {
      ...common,
      gt: full.data.subarray(0, queries.count * full.dim),
      gtK: full.dim,
      gtSource: "shipped ground truth",
    };
  }
  const k = 10;
  const gt = await exactKnnParallel({
    metric: spec.metric,
    dim: base.dim,
    base: base.data,
    queries: queries.data,
    k,
  });
  return { ...common, gt, gtK: k, gtSource: `exact scan over the first ${base.count} rows` };
}

export async function loadBenchDataset(
  name: DatasetName,
  options: LoadOptions,
): Promise<BenchDataset | { skipped: string }> {
  if (name !== "synthetic") return loadReal(name, options);
  const recipe = defaultRecipe(options.syntheticN, options.syntheticQueries);
  const set = await loadSynthetic(recipe, options.cacheDir, options.log);
  return {
    name,
    metric: "l2",
    dim: recipe.dim,
    n: recipe.n,
    base: set.base,
    nq: recipe.nq,
    queries: set.queries,
    gt: set.gt,
    gtK: recipe.gtK,
    gtSource: set.cached ? "exact scan (cached)" : "exact scan (computed now)",
  };
}
