/**
 * Seeded data and exact answers for the HNSW tests: Gaussian clusters, an exact k-NN scan written with
 * the engine's own distance kernels (so exact and approximate distances agree bit for bit), recall,
 * and doctored graph views for the checker.
 */

import { kernelFor, reportedDistance } from "../../src/index/distance.js";
import type { HnswGraphView } from "../../src/index/hnsw-graph-view.js";
import type { HnswIndex } from "../../src/index/hnsw-index.js";
import { SeededRandom } from "../../src/index/random.js";
import type { Metric } from "../../src/index/types.js";

/**
 * `n` points in `dim` dimensions around `clusters` centres (spread 1 around centres spread 10). The
 * centres depend on `seed` only, so a different `pointSeed` draws new points from the same distribution.
 */
export function gaussianClusters(
  n: number,
  dim: number,
  clusters: number,
  seed: number,
  pointSeed = seed,
): Float32Array[] {
  let rng = new SeededRandom(seed);
  const centres = Array.from({ length: clusters }, () =>
    Float32Array.from({ length: dim }, () => rng.nextGaussian() * 10),
  );
  if (pointSeed !== seed) rng = new SeededRandom(pointSeed);
  return Array.from({ length: n }, () => {
    const c = centres[rng.nextInt(clusters)];
    return Float32Array.from({ length: dim }, (_, i) => c[i] + rng.nextGaussian());
  });
}

/** The ids of the `k` nearest of `points` (a map from id to vector) to `query`, nearest first. */
export function exactKnn(
  points: Map<string, Float32Array>,
  query: Float32Array,
  k: number,
  metric: Metric,
): string[] {
  const dist = kernelFor(metric);
  const scored: { id: string; d: number }[] = [];
  for (const [id, v] of points) scored.push({ id, d: dist(query, 0, v, 0, v.length) });
  scored.sort((a, b) => a.d - b.d);
  return scored.slice(0, k).map((s) => s.id);
}

/** Exact distance as the engine reports it. */
export function reported(metric: Metric, a: Float32Array, b: Float32Array): number {
  return reportedDistance(metric, kernelFor(metric)(a, 0, b, 0, a.length));
}

/** Mean recall@k of `index` over `queries` against an exact scan of `points`. */
export function recallAt(
  index: HnswIndex,
  points: Map<string, Float32Array>,
  queries: Float32Array[],
  k: number,
  ef?: number,
): number {
  let hits = 0;
  for (const q of queries) {
    const truth = new Set(exactKnn(points, q, k, index.metric));
    for (const hit of index.search(q, k, ef === undefined ? undefined : { ef }))
      if (truth.has(hit.id)) hits++;
  }
  return hits / (queries.length * k);
}

/** Layer-0 neighbours of `slot`, sorted. */
export function layer0(index: HnswIndex, slot: number): number[] {
  return index
    .view()
    .graph.neighbors(slot, 0)
    .sort((a, b) => a - b);
}

/**
 * `view` with the layer-0 lists of some slots replaced: graphs no engine builds (self links, overfull
 * or dangling lists), to show the checker what damage looks like.
 */
export function withLayer0Lists(view: HnswGraphView, lists: ReadonlyMap<number, number[]>): HnswGraphView {
  const replaced = (slot: number, layer: number): number[] | undefined =>
    layer === 0 ? lists.get(slot) : undefined;
  return new Proxy(view, {
    get(target, key) {
      if (key === "neighbors")
        return (s: number, l: number) => (replaced(s, l) ?? target.neighbors(s, l)).slice();
      if (key === "linkCount")
        return (s: number, l: number) => replaced(s, l)?.length ?? target.linkCount(s, l);
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
