/**
 * Behaviour specific to `BruteForceIndex` (the shared contract lives in `contract.ts`): the dense slab
 * under swap-remove, growth past the initial capacity, deterministic ties, and exactness against a
 * naive scan.
 */

import { describe, expect, it } from "vitest";
import { BruteForceIndex } from "../../src/index/brute-force-index.js";
import { IndexError } from "../../src/index/errors.js";
import { SeededRandom } from "../../src/index/random.js";

function randomVector(rng: SeededRandom, dim: number): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = rng.nextGaussian();
  return v;
}

describe("BruteForceIndex", () => {
  it("keeps every vector intact while growing past its initial capacity", () => {
    const rng = new SeededRandom(1);
    const index = new BruteForceIndex({ dim: 5, metric: "l2", initialCapacity: 1 });
    const stored = new Map<string, Float32Array>();
    for (let i = 0; i < 100; i++) {
      const v = randomVector(rng, 5);
      stored.set(`p${i}`, v);
      index.upsert(`p${i}`, v);
    }
    expect(index.size).toBe(100);
    for (const [id, v] of stored) expect(index.getVector(id)).toEqual(v);
  });

  it("keeps the moved point findable after a swap-remove delete", () => {
    const index = new BruteForceIndex({ dim: 2, metric: "l2" });
    index.upsert("a", [0, 0]);
    index.upsert("b", [1, 0]);
    index.upsert("c", [5, 5]);
    expect(index.delete("a")).toBe(true);
    expect(index.getVector("c")).toEqual(new Float32Array([5, 5]));
    expect(index.search([5, 5], 1)).toEqual([{ id: "c", distance: 0 }]);
    expect(index.search([0, 0], 3).map((h) => h.id)).toEqual(["b", "c"]);
  });

  it("returns a copy from getVector that later deletes do not change", () => {
    const index = new BruteForceIndex({ dim: 2, metric: "l2" });
    index.upsert("a", [1, 1]);
    index.upsert("b", [2, 2]);
    const a = index.getVector("a");
    index.delete("a");
    expect(a).toEqual(new Float32Array([1, 1]));
  });

  it("breaks distance ties by id whatever the insertion order", () => {
    const forward = new BruteForceIndex({ dim: 1, metric: "l2" });
    const backward = new BruteForceIndex({ dim: 1, metric: "l2" });
    const ids = ["e", "b", "d", "a", "c"];
    for (const id of ids) forward.upsert(id, [1]);
    for (const id of [...ids].reverse()) backward.upsert(id, [-1]);
    expect(forward.search([0], 3).map((h) => h.id)).toEqual(["a", "b", "c"]);
    expect(backward.search([0], 3).map((h) => h.id)).toEqual(["a", "b", "c"]);
  });

  it("leaves an existing vector unchanged when its replacement is rejected", () => {
    const index = new BruteForceIndex({ dim: 2, metric: "l2" });
    index.upsert("a", [1, 2]);
    expect(() => index.upsert("a", [3, NaN])).toThrow(IndexError);
    expect(index.getVector("a")).toEqual(new Float32Array([1, 2]));
  });

  it("matches a naive sort of all distances on random data", () => {
    const rng = new SeededRandom(7);
    const dim = 9;
    const index = new BruteForceIndex({ dim, metric: "l2", initialCapacity: 4 });
    const points: Float32Array[] = [];
    for (let i = 0; i < 500; i++) {
      points.push(randomVector(rng, dim));
      index.upsert(String(i), points[i]);
    }
    for (let i = 0; i < 400; i += 3) index.delete(String(i));
    for (let q = 0; q < 20; q++) {
      const query = randomVector(rng, dim);
      const expected = points
        .map((p, i) => ({ id: String(i), d: Math.hypot(...p.map((x, j) => x - query[j])) }))
        .filter((h) => index.has(h.id))
        .sort((a, b) => a.d - b.d)
        .slice(0, 10);
      const hits = index.search(query, 10);
      expect(hits.map((h) => h.id)).toEqual(expected.map((h) => h.id));
      hits.forEach((h, i) => expect(h.distance).toBeCloseTo(expected[i].d, 4));
    }
  });

  it("rejects invalid construction parameters with INVALID_PARAMETER", () => {
    const bad = [
      { dim: 0, metric: "l2" },
      { dim: 2.5, metric: "l2" },
      { dim: 4, metric: "hamming" },
      { dim: 4, metric: "l2", initialCapacity: -1 },
    ];
    for (const params of bad) {
      expect(() => new BruteForceIndex(params as never)).toThrow(
        expect.objectContaining({ code: "INVALID_PARAMETER" }),
      );
    }
  });

  it("rebuilds from its internals with bit-identical vectors", () => {
    const rng = new SeededRandom(3);
    const index = new BruteForceIndex({ dim: 7, metric: "cosine" });
    for (let i = 0; i < 50; i++) index.upsert(`id-${i}`, randomVector(rng, 7));
    const { ids, vectors } = index.internals();
    const copy = BruteForceIndex.fromInternals(
      { dim: 7, metric: "cosine" },
      { ids: [...ids], vectors: vectors.slice() },
    );
    for (const id of index.ids()) expect(copy.getVector(id)).toEqual(index.getVector(id));
    const query = randomVector(rng, 7);
    expect(copy.search(query, 10)).toEqual(index.search(query, 10));
  });

  it("rejects internals with a duplicate id as CORRUPT_INDEX", () => {
    expect(() =>
      BruteForceIndex.fromInternals(
        { dim: 1, metric: "l2" },
        { ids: ["a", "a"], vectors: new Float32Array([1, 2]) },
      ),
    ).toThrow(expect.objectContaining({ code: "CORRUPT_INDEX" }));
  });

  it("rejects internals holding a non-finite value as CORRUPT_INDEX, naming its position", () => {
    const vectors = new Float32Array([1, 2, 3, Infinity]);
    expect(() =>
      BruteForceIndex.fromInternals({ dim: 2, metric: "l2" }, { ids: ["a", "b"], vectors }),
    ).toThrow(expect.objectContaining({ code: "CORRUPT_INDEX", details: { index: 3 } }));
  });

  it("keeps growing normally after adopting a slab from internals", () => {
    const index = BruteForceIndex.fromInternals(
      { dim: 2, metric: "l2" },
      { ids: ["a"], vectors: new Float32Array([1, 1]) },
    );
    for (let i = 0; i < 20; i++) index.upsert(`n${i}`, [i, -i]);
    expect(index.size).toBe(21);
    expect(index.getVector("a")).toEqual(new Float32Array([1, 1]));
    expect(index.search([19, -19], 1)[0].id).toBe("n19");
  });

  it("refuses writes from inside a search filter, which would move slots under the scan", () => {
    const index = new BruteForceIndex({ dim: 1, metric: "l2" });
    index.upsert("a", [0]);
    index.upsert("b", [1]);
    const deleting = (id: string) => index.delete(id === "a" ? "b" : "a");
    expect(() => index.search([0], 2, { filter: deleting })).toThrow(
      expect.objectContaining({ code: "INVALID_PARAMETER" }),
    );
    expect(index.size).toBe(2);
    expect(index.search([0], 2).map((h) => h.id)).toEqual(["a", "b"]);
  });
});
