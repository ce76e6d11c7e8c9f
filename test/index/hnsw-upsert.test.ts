import { describe, expect, it } from "vitest";
import { checkGraph } from "../../src/index/graph-checker.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { gaussianClusters, recallAt, reported } from "./hnsw-fixtures.js";

describe("HnswIndex upserts", () => {
  it("replaces the vector of an existing id and keeps one point for it", () => {
    const index = new HnswIndex({ dim: 2, metric: "l2" });
    index.upsert("a", [0, 0]);
    index.upsert("b", [5, 5]);
    index.upsert("a", [10, 10]);
    expect(index.size).toBe(2);
    expect(Array.from(index.getVector("a") as Float32Array)).toEqual([10, 10]);
    expect(index.search([9, 9], 2)).toEqual([
      { id: "a", distance: Math.SQRT2 },
      { id: "b", distance: Math.hypot(4, 4) },
    ]);
  });

  it("is idempotent: upserting the same vector again changes nothing", () => {
    const pts = gaussianClusters(300, 8, 4, 1);
    const index = new HnswIndex({ dim: 8, metric: "cosine" });
    pts.forEach((p, i) => index.upsert(`p${i}`, p));
    const q = pts[5];
    const before = index.search(q, 10);
    const links = index.toInternals().links0Chunks[0];
    pts.forEach((p, i) => index.upsert(`p${i}`, p));
    expect(index.search(q, 10)).toEqual(before);
    expect(index.toInternals().links0Chunks[0]).toEqual(links);
    expect(index.stats()).toMatchObject({ livePoints: 300, tombstones: 0 });
  });

  it("after replacing half the vectors, ranks and measures by the new vectors only", () => {
    const n = 2000;
    const original = gaussianClusters(n, 16, 16, 2);
    const replacement = gaussianClusters(n, 16, 16, 2, 202);
    const index = new HnswIndex({ dim: 16, metric: "l2", M: 12, efConstruction: 100, seed: 2 });
    const current = new Map<string, Float32Array>();
    original.forEach((p, i) => {
      index.upsert(`p${i}`, p);
      current.set(`p${i}`, p);
    });
    for (let i = 0; i < n; i += 2) {
      index.upsert(`p${i}`, replacement[i]);
      current.set(`p${i}`, replacement[i]);
    }
    expect(index.size).toBe(n);
    const queries = gaussianClusters(60, 16, 16, 2, 203);
    expect(recallAt(index, current, queries, 10)).toBeGreaterThanOrEqual(0.95);
    for (const q of queries) {
      for (const hit of index.search(q, 10)) {
        expect(hit.distance).toBeCloseTo(reported("l2", q, current.get(hit.id) as Float32Array), 4);
      }
    }
    index.consolidateDeletes();
    const report = checkGraph(index);
    expect(report).toMatchObject({ liveNodes: n, unreachable: 0, linksToFreedSlots: 0 });
  });

  it("finds a moved point at its new place and not at its old one", () => {
    const pts = gaussianClusters(500, 4, 4, 3);
    const index = new HnswIndex({ dim: 4, metric: "l2" });
    pts.forEach((p, i) => index.upsert(`p${i}`, p));
    const old = pts[42];
    index.upsert("p42", [100, 100, 100, 100]);
    expect(index.search(old, 5).map((h) => h.id)).not.toContain("p42");
    expect(index.search([100, 100, 100, 100], 1)).toEqual([{ id: "p42", distance: 0 }]);
  });
});
