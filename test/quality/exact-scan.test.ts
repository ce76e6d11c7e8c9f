import { describe, expect, it } from "vitest";
import { BruteForceIndex } from "../../src/index/brute-force-index.js";
import type { DistanceKernel } from "../../src/index/distance.js";
import { kernelFor, l2Squared } from "../../src/index/distance.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import type { Metric, VectorIndex } from "../../src/index/types.js";
import type { ScanQuery } from "../../src/quality/exact-scan.js";
import { exactKnnScan } from "../../src/quality/exact-scan.js";
import { clusteredPoints } from "./synthetic.js";

const dim = 16;
const points = clusteredPoints(600, dim, 6, 0.3, 11);

function twins(metric: Metric): { hnsw: HnswIndex; brute: BruteForceIndex } {
  const hnsw = new HnswIndex({ dim, metric, M: 8, efConstruction: 32, seed: 2 });
  const brute = new BruteForceIndex({ dim, metric });
  points.forEach((v, i) => {
    hnsw.upsert(`p${i}`, v);
    brute.upsert(`p${i}`, v);
  });
  for (let i = 0; i < 600; i += 7) {
    hnsw.delete(`p${i}`);
    brute.delete(`p${i}`);
  }
  return { hnsw, brute };
}

const queries: ScanQuery[] = [
  { vector: points[1] },
  { vector: points[2], excludeId: "p2" },
  { vector: clusteredPoints(1, dim, 6, 0.3, 99)[0] },
];

/** Counts getVector calls: the scan reads vectors in place, never through copies. */
function countingReads(index: VectorIndex): { reads: () => number } {
  let reads = 0;
  const original = index.getVector.bind(index);
  index.getVector = (id: string) => {
    reads++;
    return original(id);
  };
  return { reads: () => reads };
}

describe("exactKnnScan over both engines' exact scanners", () => {
  const cases: [Metric, DistanceKernel][] = [
    ["l2", kernelFor("l2")],
    ["cosine", kernelFor("cosine")],
    ["cosine", l2Squared],
    ["dot", kernelFor("dot")],
  ];
  it.each(cases)(
    "finds under %s the same neighbours and distances on HNSW as on brute force (%o)",
    async (metric, kernel) => {
      const { hnsw, brute } = twins(metric);
      const fast = await exactKnnScan(hnsw, queries, 10, kernel);
      const walk = await exactKnnScan(brute, queries, 10, kernel);
      expect(fast.scanned).toBe(walk.scanned);
      fast.neighbors.forEach((hood, q) => {
        expect(hood.map((n) => n.id)).toEqual(walk.neighbors[q].map((n) => n.id));
        hood.forEach((n, i) => expect(n.distance).toBe(walk.neighbors[q][i].distance));
      });
      expect(fast.neighbors[1].some((n) => n.id === "p2")).toBe(false);
    },
  );

  it("reads no vector through getVector, not even for each query's k survivors", async () => {
    const { hnsw, brute } = twins("l2");
    const counters = [countingReads(hnsw), countingReads(brute)];
    await exactKnnScan(hnsw, queries, 10, l2Squared);
    await exactKnnScan(brute, queries, 10, l2Squared);
    for (const counter of counters) expect(counter.reads()).toBe(0);
  });

  it("scans in place with the kernel itself when the engine's distance does not rank like it", async () => {
    const { hnsw, brute } = twins("dot");
    const counter = countingReads(hnsw);
    const result = await exactKnnScan(hnsw, queries, 5, l2Squared);
    expect(counter.reads()).toBe(0);
    expect(result.scanned).toBe(hnsw.size);
    expect(result.neighbors).toEqual((await exactKnnScan(brute, queries, 5, l2Squared)).neighbors);
  });

  it("cuts the slot scan into slices of at most maxVectorsPerSlice live points", async () => {
    const { hnsw } = twins("l2");
    let yields = 0;
    const budget = { sliceMs: Infinity, maxVectorsPerSlice: 100, yieldToLoop: async () => void yields++ };
    const result = await exactKnnScan(hnsw, queries, 10, l2Squared, budget);
    expect(result.scanned).toBe(hnsw.size);
    expect(result.slices).toBeGreaterThanOrEqual(Math.ceil(hnsw.size / 100));
    expect(yields).toBe(result.slices - 1);
  });
});
