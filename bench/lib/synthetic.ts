/**
 * The seeded synthetic benchmark set: a Gaussian mixture whose clusters each lie near their own
 * low-dimensional subspace, so the data has the intrinsic structure of real embeddings (clusters, low
 * local dimension) rather than the uniform noise on which every ANN index looks equally bad.
 *
 * Recipe (version 1), all draws from one `SeededRandom(seed)` in this order:
 *   1. `clusters` centres c_j, each coordinate ~ N(0, centreSpread^2);
 *   2. per cluster a basis A_j of `intrinsicDim` columns, entries ~ N(0, 1 / intrinsicDim), so a unit
 *      latent z gives about unit variance per coordinate;
 *   3. cluster weights w_j ~ U(0.5, 1.5), normalised (uneven cluster sizes);
 *   4. `n` base rows, then `nq` query rows, each: pick j by weight, z ~ N(0, I_intrinsicDim),
 *      x = c_j + A_j z + noise * N(0, I_dim).
 * Queries come from the same mixture but are not base rows. Ground truth is the exact L2 top-100.
 * Defaults (`defaultRecipe`): seed 42, dim 128, 32 clusters, intrinsicDim 48, centreSpread 1, noise 0.2,
 * 1,000 queries; `n` from `--synthetic-n` (100,000).
 *
 * Contract: `loadSynthetic` returns the same vectors and ground truth for the same recipe, generating
 * and scanning once, then reading `bench/cache/synthetic-<hash of recipe>/` (gitignored) on later runs.
 * The cache stores the vectors too, because Math.log/Math.cos may differ in the last bit across engines.
 */

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { readFvecs, readIvecs, writeFvecs, writeIvecs } from "../../src/datasets/index.js";
import { SeededRandom } from "../../src/index/random.js";
import { exactKnnParallel } from "./exact-knn.js";

export interface SyntheticRecipe {
  version: 1;
  seed: number;
  n: number;
  nq: number;
  dim: number;
  clusters: number;
  intrinsicDim: number;
  centreSpread: number;
  noise: number;
  gtK: number;
}

export function defaultRecipe(n: number, nq = 1000, seed = 42): SyntheticRecipe {
  // 32 clusters of local dimension 48 plus isotropic noise: hard enough that HNSW with M=16 needs
  // ef > 16 for recall@10 >= 0.95 at 100k points (at local dimension 16 even ef=16 gave ~0.99 at 20k,
  // which leaves the QPS@0.95 comparison nothing to discriminate).
  return {
    version: 1,
    seed,
    n,
    nq,
    dim: 128,
    clusters: 32,
    intrinsicDim: 48,
    centreSpread: 1,
    noise: 0.2,
    gtK: 100,
  };
}

export interface SyntheticSet {
  recipe: SyntheticRecipe;
  base: Float32Array;
  queries: Float32Array;
  /** `gtK` nearest base rows per query, nearest first. */
  gt: Int32Array;
  /** True when the vectors and ground truth came from the cache. */
  cached: boolean;
}

interface Mixture {
  centres: Float32Array;
  bases: Float32Array;
  cumulativeWeights: Float64Array;
}

function drawMixture(recipe: SyntheticRecipe, rng: SeededRandom): Mixture {
  const { clusters, dim, intrinsicDim, centreSpread } = recipe;
  const centres = new Float32Array(clusters * dim).map(() => rng.nextGaussian() * centreSpread);
  const scale = 1 / Math.sqrt(intrinsicDim);
  const bases = new Float32Array(clusters * dim * intrinsicDim).map(() => rng.nextGaussian() * scale);
  const weights = Array.from({ length: clusters }, () => 0.5 + rng.next());
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulativeWeights = new Float64Array(clusters);
  let acc = 0;
  weights.forEach((w, j) => (cumulativeWeights[j] = acc += w / total));
  return { centres, bases, cumulativeWeights };
}

function drawRows(recipe: SyntheticRecipe, mixture: Mixture, rng: SeededRandom, count: number): Float32Array {
  const { dim, intrinsicDim, noise, clusters } = recipe;
  const out = new Float32Array(count * dim);
  const z = new Float64Array(intrinsicDim);
  for (let r = 0; r < count; r++) {
    const u = rng.next();
    let j = 0;
    while (j < clusters - 1 && mixture.cumulativeWeights[j] < u) j++;
    for (let t = 0; t < intrinsicDim; t++) z[t] = rng.nextGaussian();
    const basis = j * dim * intrinsicDim;
    for (let i = 0; i < dim; i++) {
      let x = mixture.centres[j * dim + i] + noise * rng.nextGaussian();
      for (let t = 0; t < intrinsicDim; t++) x += mixture.bases[basis + i * intrinsicDim + t] * z[t];
      out[r * dim + i] = x;
    }
  }
  return out;
}

/** Generates base and query vectors for `recipe` (no ground truth). Deterministic for a given engine. */
export function generateSynthetic(recipe: SyntheticRecipe): { base: Float32Array; queries: Float32Array } {
  const rng = new SeededRandom(recipe.seed);
  const mixture = drawMixture(recipe, rng);
  const base = drawRows(recipe, mixture, rng, recipe.n);
  const queries = drawRows(recipe, mixture, rng, recipe.nq);
  return { base, queries };
}

export function recipeKey(recipe: SyntheticRecipe): string {
  return createHash("sha256").update(JSON.stringify(recipe)).digest("hex").slice(0, 16);
}

/** Loads the synthetic set from `cacheRoot`, or generates it, computes exact ground truth and caches it. */
export async function loadSynthetic(
  recipe: SyntheticRecipe,
  cacheRoot: string,
  log: (line: string) => void,
): Promise<SyntheticSet> {
  const dir = join(cacheRoot, `synthetic-${recipeKey(recipe)}`);
  const files = {
    base: join(dir, "base.fvecs"),
    query: join(dir, "query.fvecs"),
    gt: join(dir, "gt.ivecs"),
    recipe: join(dir, "recipe.json"),
  };
  if (
    Object.values(files).every((f) => existsSync(f)) &&
    readFileSync(files.recipe, "utf8") === JSON.stringify(recipe)
  ) {
    const base = readFvecs(files.base);
    const queries = readFvecs(files.query);
    const gt = readIvecs(files.gt);
    if (base.count === recipe.n && queries.count === recipe.nq && gt.count === recipe.nq) {
      return { recipe, base: base.data, queries: queries.data, gt: gt.data, cached: true };
    }
    log(`synthetic cache ${dir} has the wrong shape; regenerating`);
  }
  const started = process.hrtime.bigint();
  const { base, queries } = generateSynthetic(recipe);
  log(
    `synthetic: generated ${recipe.n} x ${recipe.dim}; computing exact top-${recipe.gtK} for ${recipe.nq} queries...`,
  );
  const gt = await exactKnnParallel({ metric: "l2", dim: recipe.dim, base, queries, k: recipe.gtK });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  log(`synthetic: ground truth done in ${seconds.toFixed(1)} s; cached in ${dir}`);
  mkdirSync(dir, { recursive: true });
  writeFvecs(files.base, { dim: recipe.dim, count: recipe.n, data: base });
  writeFvecs(files.query, { dim: recipe.dim, count: recipe.nq, data: queries });
  writeIvecs(files.gt, { dim: recipe.gtK, count: recipe.nq, data: gt });
  writeFileSync(files.recipe, JSON.stringify(recipe));
  return { recipe, base, queries, gt, cached: false };
}
