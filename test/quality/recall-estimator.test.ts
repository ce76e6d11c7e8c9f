import { describe, expect, it } from "vitest";
import { BruteForceIndex } from "../../src/index/brute-force-index.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { SeededRandom } from "../../src/index/random.js";
import type { SearchHit, SearchOptions, VectorIndex } from "../../src/index/types.js";
import type { ScanQuery } from "../../src/quality/exact-scan.js";
import { estimateRecall, queryRecall } from "../../src/quality/recall-estimator.js";
import { sampleLivePoints } from "../../src/quality/sampling.js";
import { clusteredPoints } from "./synthetic.js";

/**
 * A deliberately lossy engine: it holds every point, but searches only those whose id is in the
 * "reachable" half, like a graph whose other half fell off. Its recall is well below 1 and is
 * computed directly below by brute force, so the estimator has a known answer to meet.
 */
class HalfReachableIndex extends BruteForceIndex {
  readonly #reachable: (id: string) => boolean;

  constructor(dim: number, reachable: (id: string) => boolean) {
    super({ dim, metric: "l2" });
    this.#reachable = reachable;
  }

  override search(query: ArrayLike<number>, k: number, options: SearchOptions = {}): SearchHit[] {
    return super.search(query, k, { ...options, filter: this.#reachable });
  }
}

function fill<T extends VectorIndex>(index: T, points: readonly Float32Array[]): T {
  points.forEach((v, i) => index.upsert(`p${i}`, v));
  return index;
}

/** Recall@k of `index` measured directly: every query against a brute-force twin, ids intersected. */
function directRecall(
  index: VectorIndex,
  truth: BruteForceIndex,
  queries: readonly ScanQuery[],
  k: number,
): number {
  let sum = 0;
  for (const q of queries) {
    const notSelf = (id: string) => id !== q.excludeId;
    const exact = new Set(truth.search(q.vector, k, { filter: notSelf }).map((h) => h.id));
    const got = index
      .search(q.vector, k + 1)
      .filter((h) => notSelf(h.id))
      .slice(0, k);
    sum += got.filter((h) => exact.has(h.id)).length / k;
  }
  return sum / queries.length;
}

async function liveQueries(index: VectorIndex, n: number, seed: number): Promise<ScanQuery[]> {
  const ids = await sampleLivePoints(index, n, new SeededRandom(seed));
  return ids.map((id) => ({ vector: index.getVector(id)!, excludeId: id }));
}

describe("live recall estimate", () => {
  const points = clusteredPoints(1500, 16, 12, 0.3, 11);

  it("gives 1.0 for an exact index", async () => {
    const index = fill(new BruteForceIndex({ dim: 16, metric: "l2" }), points);
    const estimate = await estimateRecall(index, await liveQueries(index, 20, 1), { k: 10, ef: 10 });
    expect(estimate?.recall).toBe(1);
    expect(estimate?.queries).toBe(20);
    expect(estimate?.scanned).toBe(1500);
  });

  it("matches the recall computed directly for a lossy index, within sampling error", async () => {
    const index = fill(new HalfReachableIndex(16, (id) => Number(id.slice(1)) % 2 === 0), points);
    const truth = fill(new BruteForceIndex({ dim: 16, metric: "l2" }), points);
    const population = await liveQueries(index, 1500, 2);
    const actual = directRecall(index, truth, population, 10);
    expect(actual).toBeGreaterThan(0.3);
    expect(actual).toBeLessThan(0.7);

    const sample = await liveQueries(index, 60, 3);
    const estimate = (await estimateRecall(index, sample, { k: 10, ef: 10 }))!;
    expect(estimate.queries).toBe(60);
    expect(Math.abs(estimate.recall - actual)).toBeLessThan(4 * estimate.standardError + 0.01);
    // On the very same queries the estimator and the direct computation agree exactly.
    expect(estimate.recall).toBeCloseTo(directRecall(index, truth, sample, 10), 10);
  });

  it("matches the directly computed recall of an HNSW graph built with M = 2 and searched at ef = 1", async () => {
    const data = clusteredPoints(2000, 16, 20, 0.3, 12);
    const index = fill(
      new HnswIndex({ dim: 16, metric: "l2", M: 2, efConstruction: 8, efSearch: 1, seed: 3 }),
      data,
    );
    const truth = fill(new BruteForceIndex({ dim: 16, metric: "l2" }), data);
    const actual = directRecall(index, truth, await liveQueries(index, 2000, 5), 10);
    expect(actual).toBeGreaterThan(0.05);
    expect(actual).toBeLessThan(0.6);

    const estimate = (await estimateRecall(index, await liveQueries(index, 80, 6), { k: 10, ef: 1 }))!;
    expect(Math.abs(estimate.recall - actual)).toBeLessThan(4 * estimate.standardError + 0.01);
    expect(estimate.interval[0]).toBeLessThan(estimate.recall);
    expect(estimate.interval[1]).toBeGreaterThan(estimate.recall);
  });

  it("uses recent search vectors as they are, without excluding any point", async () => {
    const index = fill(new BruteForceIndex({ dim: 16, metric: "l2" }), points);
    const queries = [{ vector: points[0] }, { vector: points[1] }];
    const estimate = await estimateRecall(index, queries, { k: 5, ef: 5 });
    expect(estimate?.recall).toBe(1);
  });

  it("counts an equidistant duplicate as a correct neighbour", () => {
    const truth = [
      { id: "a", distance: 1 },
      { id: "b", distance: 2 },
    ];
    const approximate = [
      { id: "a", distance: 1 },
      { id: "b-twin", distance: 2 },
    ];
    expect(queryRecall(approximate, truth)).toBe(1);
    expect(queryRecall([{ id: "far", distance: 3 }, ...approximate.slice(0, 1)], truth)).toBe(0.5);
  });

  it("leaves out a query the engine rejects instead of failing the probe", async () => {
    const index = fill(new BruteForceIndex({ dim: 16, metric: "cosine" }), points);
    const queries = [{ vector: new Float32Array(16) }, { vector: points[3] }];
    const estimate = await estimateRecall(index, queries, { k: 5, ef: 5 });
    expect(estimate?.queries).toBe(1);
    expect(estimate?.recall).toBe(1);
  });

  it("reports nothing for an empty index", async () => {
    const index = new BruteForceIndex({ dim: 4, metric: "l2" });
    expect(await estimateRecall(index, [{ vector: new Float32Array(4) }], { k: 3, ef: 8 })).toBeUndefined();
  });

  it("cuts the exact scan into slices and yields between them", async () => {
    const index = fill(new BruteForceIndex({ dim: 16, metric: "l2" }), points);
    let yields = 0;
    const budget = { sliceMs: Infinity, maxVectorsPerSlice: 100, yieldToLoop: async () => void yields++ };
    const estimate = await estimateRecall(index, await liveQueries(index, 4, 4), { k: 10, ef: 10, budget });
    expect(estimate?.slices).toBe(15);
    expect(yields).toBe(14);
  });
});
