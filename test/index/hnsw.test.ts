import { describe, expect, it } from "vitest";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { checkGraph } from "../../src/index/graph-checker.js";
import { exactKnn, gaussianClusters, layer0, recallAt, reported } from "./hnsw-fixtures.js";

function build(points: Float32Array[], params: Partial<ConstructorParameters<typeof HnswIndex>[0]> = {}) {
  const index = new HnswIndex({ dim: points[0].length, metric: "l2", seed: 7, ...params });
  const byId = new Map<string, Float32Array>();
  points.forEach((p, i) => {
    index.upsert(`p${i}`, p);
    byId.set(`p${i}`, p);
  });
  return { index, byId };
}

describe("HnswIndex insert and search", () => {
  it("returns nothing from an empty index", () => {
    const index = new HnswIndex({ dim: 2, metric: "l2" });
    expect(index.search([0, 0], 5)).toEqual([]);
    expect(index.stats()).toMatchObject({ livePoints: 0, tombstones: 0, maxLevel: -1 });
  });

  it("finds the exact neighbours of a small 2-D set, nearest first, with Euclidean distances", () => {
    const pts = [
      [0, 0],
      [1, 0],
      [0, 2],
      [3, 3],
      [-1, -1],
    ].map((p) => Float32Array.from(p));
    const { index } = build(pts);
    const hits = index.search([0.9, 0.1], 3);
    expect(hits.map((h) => h.id)).toEqual(["p1", "p0", "p2"]);
    expect(hits[0].distance).toBeCloseTo(Math.hypot(0.1, 0.1), 6);
    expect(hits[1].distance).toBeCloseTo(Math.hypot(0.9, 0.1), 6);
  });

  it("links every node of a tiny graph to all others while lists have room", () => {
    const pts = [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ].map((p) => Float32Array.from(p));
    const { index } = build(pts, { M: 4 });
    for (let s = 0; s < 4; s++) expect(layer0(index, s)).toEqual([0, 1, 2, 3].filter((t) => t !== s));
  });

  it("reaches recall@10 of at least 0.95 on 5,000 clustered 32-D points", () => {
    const pts = gaussianClusters(5000, 32, 20, 1);
    const { index, byId } = build(pts, { M: 12, efConstruction: 100 });
    const queries = gaussianClusters(100, 32, 20, 1).map((q, i) => q.map((x) => x + (i % 3) * 0.3));
    expect(recallAt(index, byId, queries, 10, 64)).toBeGreaterThanOrEqual(0.95);
    // Plain insertion can strand a handful of nodes (a known HNSW property); repair passes fix them.
    const report = checkGraph(index);
    expect(report.unreachable).toBeLessThan(5000 * 0.002);
    expect(report.overfullLists + report.selfLinks + report.duplicateLinks).toBe(0);
  });

  it("returns k hits even when k exceeds efSearch", () => {
    const { index } = build(gaussianClusters(300, 8, 4, 2), { efSearch: 5 });
    expect(index.search(new Float32Array(8), 50)).toHaveLength(50);
  });

  it("reports distances computed from the stored vectors", () => {
    const pts = gaussianClusters(200, 16, 4, 3);
    const { index, byId } = build(pts);
    const q = pts[17];
    for (const hit of index.search(q, 10)) {
      expect(hit.distance).toBeCloseTo(reported("l2", q, byId.get(hit.id) as Float32Array), 4);
    }
  });

  it.each(["cosine", "dot"] as const)("ranks by the %s metric like an exact scan", (metric) => {
    const pts = gaussianClusters(500, 16, 5, 4);
    const index = new HnswIndex({ dim: 16, metric, seed: 1 });
    const stored = new Map<string, Float32Array>();
    pts.forEach((p, i) => {
      index.upsert(`p${i}`, p);
      stored.set(`p${i}`, index.getVector(`p${i}`) as Float32Array);
    });
    const q = index.getVector("p3") as Float32Array;
    const truth = exactKnn(stored, q, 5, metric);
    expect(index.search(q, 5, { ef: 200 }).map((h) => h.id)).toEqual(truth);
  });

  it("applies a filter to results while still walking through filtered nodes", () => {
    const { index } = build(gaussianClusters(400, 8, 4, 5));
    const hits = index.search(new Float32Array(8), 10, { filter: (id) => Number(id.slice(1)) % 2 === 0 });
    expect(hits).toHaveLength(10);
    for (const h of hits) expect(Number(h.id.slice(1)) % 2).toBe(0);
  });

  it("draws the same graph from the same seed", () => {
    const pts = gaussianClusters(300, 8, 4, 6);
    const a = build(pts).index.toInternals();
    const b = build(pts).index.toInternals();
    expect(a.levels).toEqual(b.levels);
    expect(a.links0Chunks[0]).toEqual(b.links0Chunks[0]);
  });

  it("draws levels with mL = 1/ln(M): about 1/M of nodes above layer 0", () => {
    const { index } = build(gaussianClusters(4000, 4, 4, 8), { M: 8, efConstruction: 20 });
    const x = index.view().graph;
    let upper = 0;
    for (let s = 0; s < x.nodeCount; s++) if (x.level(s) > 0) upper++;
    expect(upper / x.nodeCount).toBeGreaterThan(0.1);
    expect(upper / x.nodeCount).toBeLessThan(0.155);
  });
});

describe("HnswIndex search stats and deadlines", () => {
  it("reports the distances a query computed, growing with ef", () => {
    const { index } = build(gaussianClusters(2000, 16, 8, 9), { M: 8, efConstruction: 64 });
    const q = gaussianClusters(1, 16, 8, 9, 99)[0];
    const small = { distanceComputations: -1, truncated: true };
    const large = { distanceComputations: -1, truncated: true };
    index.search(q, 10, { ef: 10, stats: small });
    index.search(q, 10, { ef: 400, stats: large });
    expect(small.truncated).toBe(false);
    expect(small.distanceComputations).toBeGreaterThan(10);
    expect(large.distanceComputations).toBeGreaterThan(small.distanceComputations);
    expect(large.distanceComputations).toBeLessThanOrEqual(2000 + 200);
  });

  it("stops at a deadline already past and still returns live hits, marked truncated", () => {
    const { index } = build(gaussianClusters(2000, 16, 8, 10), { M: 8, efConstruction: 64 });
    const stats = { distanceComputations: 0, truncated: false };
    const hits = index.search(new Float32Array(16), 10, { ef: 2000, deadline: 0, stats });
    expect(stats.truncated).toBe(true);
    expect(stats.distanceComputations).toBeLessThan(2000);
    expect(hits.length).toBeGreaterThan(0);
    for (const h of hits) expect(index.has(h.id)).toBe(true);
  });
});
