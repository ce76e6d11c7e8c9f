/**
 * The behaviour every `VectorIndex` engine must show, as one suite run over each engine (in the style
 * of Hono's `router/common.case.test.ts`): `runVectorIndexContract("HnswIndex", (p) => new HnswIndex(p))`.
 *
 * Contract of the suite: data sets are small and seeded, so an approximate engine is expected to be
 * exact on them; nothing depends on timing.
 */

import { describe, expect, it } from "vitest";
import type { IndexErrorCode } from "../../src/index/errors.js";
import { METRICS } from "../../src/index/types.js";
import type { VectorIndex } from "../../src/index/types.js";
import { MAX_EF, MAX_K } from "../../src/index/validation.js";
import { expectedDistance, expectIndexError, filledIndex, randomVector } from "./contract-helpers.js";
import type { IndexFactory } from "./contract-helpers.js";
import { runMutationContract } from "./contract-mutations.js";

export type { IndexFactory } from "./contract-helpers.js";

export function runVectorIndexContract(name: string, factory: IndexFactory): void {
  describe(`${name} (VectorIndex contract)`, () => {
    runQueryContract(factory);
    runMutationContract(factory);
    runDistanceContract(factory);
    runValidationContract(factory);
  });
}

function runQueryContract(factory: IndexFactory): void {
  describe.each(METRICS)("queries under %s", (metric) => {
    it("returns no hits from an empty index", () => {
      const index = factory({ dim: 3, metric });
      expect(index.size).toBe(0);
      expect(index.search([1, 2, 3], 5)).toEqual([]);
      expect([...index.ids()]).toEqual([]);
    });

    it("finds an inserted point at its own distance, zero except under dot", () => {
      const { index, vectors } = filledIndex(factory, metric, 200);
      for (const i of [0, 17, 99, 199]) {
        const self = index.search(vectors[i], 200).find((h) => h.id === `p${i}`);
        expect(self?.distance).toBeCloseTo(expectedDistance(metric, vectors[i], vectors[i]), 5);
        if (metric !== "dot") expect(self?.distance).toBeCloseTo(0, 5);
      }
    });

    it("returns the exact nearest neighbour on a small data set", () => {
      const { index, vectors, rng } = filledIndex(factory, metric, 200);
      for (let q = 0; q < 10; q++) {
        const query = randomVector(rng, 8);
        const distances = vectors.map((v) => expectedDistance(metric, query, v));
        const best = distances.indexOf(Math.min(...distances));
        const hit = index.search(query, 1)[0];
        expect(hit.id).toBe(`p${best}`);
        expect(hit.distance).toBeCloseTo(distances[best], 4);
      }
    });

    it("returns hits sorted nearest first without duplicates", () => {
      const { index, rng } = filledIndex(factory, metric, 300);
      for (let q = 0; q < 10; q++) {
        const hits = index.search(randomVector(rng, 8), 25);
        expect(hits).toHaveLength(25);
        expect(new Set(hits.map((h) => h.id)).size).toBe(25);
        for (let i = 1; i < hits.length; i++) {
          expect(hits[i].distance).toBeGreaterThanOrEqual(hits[i - 1].distance);
        }
      }
    });

    it("returns every point when k exceeds the size", () => {
      const { index, rng } = filledIndex(factory, metric, 7);
      const hits = index.search(randomVector(rng, 8), 50);
      expect(hits.map((h) => h.id).sort()).toEqual(["p0", "p1", "p2", "p3", "p4", "p5", "p6"]);
    });

    it("returns only ids the filter accepts", () => {
      const { index, rng } = filledIndex(factory, metric, 200);
      const even = (id: string) => Number(id.slice(1)) % 2 === 0;
      for (let q = 0; q < 5; q++) {
        const hits = index.search(randomVector(rng, 8), 10, { filter: even });
        expect(hits).toHaveLength(10);
        for (const hit of hits) expect(even(hit.id)).toBe(true);
      }
    });

    it("returns nothing when the filter rejects every id", () => {
      const { index, rng } = filledIndex(factory, metric, 50);
      expect(index.search(randomVector(rng, 8), 5, { filter: () => false })).toEqual([]);
    });

    it("accepts an explicit ef smaller or larger than k", () => {
      const { index, vectors } = filledIndex(factory, metric, 100);
      expect(index.search(vectors[3], 5, { ef: 1 })[0].id).toBe("p3");
      expect(index.search(vectors[3], 5, { ef: 500 })).toHaveLength(5);
    });
  });
}

function runDistanceContract(factory: IndexFactory): void {
  describe("distances in reported units", () => {
    it("reports Euclidean distance under l2", () => {
      const index = factory({ dim: 2, metric: "l2" });
      index.upsert("origin", [0, 0]);
      index.upsert("far", [3, 4]);
      const hits = index.search([0, 0], 2);
      expect(hits[0]).toEqual({ id: "origin", distance: 0 });
      expect(hits[1].id).toBe("far");
      expect(hits[1].distance).toBeCloseTo(5, 6);
    });

    it("reports one minus cosine similarity under cosine", () => {
      const index = factory({ dim: 2, metric: "cosine" });
      index.upsert("x", [1, 0]);
      index.upsert("diag", [1, 1]);
      index.upsert("y", [0, 1]);
      index.upsert("minus-x", [-2, 0]);
      const byId = new Map(index.search([3, 0], 4).map((h) => [h.id, h.distance]));
      expect(byId.get("x")).toBeCloseTo(0, 6);
      expect(byId.get("diag")).toBeCloseTo(1 - Math.SQRT1_2, 6);
      expect(byId.get("y")).toBeCloseTo(1, 6);
      expect(byId.get("minus-x")).toBeCloseTo(2, 6);
    });

    it("reports the negated inner product under dot, ranking the largest product first", () => {
      const index = factory({ dim: 2, metric: "dot" });
      index.upsert("small", [1, 0]);
      index.upsert("large", [3, 4]);
      index.upsert("opposite", [-1, -1]);
      const hits = index.search([1, 2], 3);
      expect(hits.map((h) => h.id)).toEqual(["large", "small", "opposite"]);
      expect(hits.map((h) => h.distance)).toEqual([-11, -1, 3]);
    });

    it("normalises under cosine, so a vector and its double are at distance zero", () => {
      const index = factory({ dim: 3, metric: "cosine" });
      index.upsert("v", [1, 2, 2]);
      index.upsert("w", [2, -1, 0]);
      const hit = index.search([2, 4, 4], 1)[0];
      expect(hit.id).toBe("v");
      expect(hit.distance).toBeCloseTo(0, 6);
      const stored = index.getVector("v")!;
      expect(Math.hypot(...stored)).toBeCloseTo(1, 6);
      expect(stored[0]).toBeCloseTo(1 / 3, 6);
    });

    it("stores vectors unchanged under l2 and dot", () => {
      for (const metric of ["l2", "dot"] as const) {
        const index = factory({ dim: 3, metric });
        index.upsert("v", [1.5, -2, 4]);
        expect(index.getVector("v")).toEqual(new Float32Array([1.5, -2, 4]));
      }
    });
  });
}

function runValidationContract(factory: IndexFactory): void {
  describe("input validation", () => {
    const cases: [string, (index: VectorIndex) => unknown, IndexErrorCode][] = [
      ["an upsert of the wrong dimension", (index) => index.upsert("a", [1, 2]), "DIMENSION_MISMATCH"],
      ["a query of the wrong dimension", (index) => index.search([1, 2, 3, 4], 1), "DIMENSION_MISMATCH"],
      ["a non-array vector", (index) => index.upsert("a", 5 as never), "DIMENSION_MISMATCH"],
      ["a NaN in a vector", (index) => index.upsert("a", [1, NaN, 0]), "NON_FINITE_VALUE"],
      ["an Infinity in a vector", (index) => index.upsert("a", [Infinity, 0, 0]), "NON_FINITE_VALUE"],
      ["a value beyond float32 range", (index) => index.upsert("a", [1e39, 0, 0]), "NON_FINITE_VALUE"],
      ["a NaN in a query", (index) => index.search([0, NaN, 1], 1), "NON_FINITE_VALUE"],
      ["a zero vector under cosine", (index) => index.upsert("a", [0, 0, 0]), "ZERO_VECTOR"],
      ["a zero query under cosine", (index) => index.search([0, 0, 0], 1), "ZERO_VECTOR"],
      ["k = 0", (index) => index.search([1, 0, 0], 0), "INVALID_K"],
      ["a fractional k", (index) => index.search([1, 0, 0], 1.5), "INVALID_K"],
      ["k above MAX_K", (index) => index.search([1, 0, 0], MAX_K + 1), "INVALID_K"],
      ["ef = 0", (index) => index.search([1, 0, 0], 1, { ef: 0 }), "INVALID_EF"],
      ["ef above MAX_EF", (index) => index.search([1, 0, 0], 1, { ef: MAX_EF + 1 }), "INVALID_EF"],
      ["an empty id", (index) => index.upsert("", [1, 0, 0]), "INVALID_ID"],
      ["a non-string id", (index) => index.upsert(7 as never, [1, 0, 0]), "INVALID_ID"],
      ["a delete of an empty id", (index) => index.delete(""), "INVALID_ID"],
      [
        "a non-function filter",
        (index) => index.search([1, 0, 0], 1, { filter: true as never }),
        "INVALID_PARAMETER",
      ],
    ];
    it.each(cases)("rejects %s with the right IndexError code and changes nothing", (_what, fn, code) => {
      const index = factory({ dim: 3, metric: "cosine" });
      index.upsert("ok", [1, 0, 0]);
      expectIndexError(() => fn(index), code);
      expect(index.size).toBe(1);
      expect(index.getVector("ok")).toEqual(new Float32Array([1, 0, 0]));
    });

    it("accepts a zero vector under l2 and dot, where its distances are defined", () => {
      for (const metric of ["l2", "dot"] as const) {
        const plain = factory({ dim: 2, metric });
        plain.upsert("zero", [0, 0]);
        expect(plain.search([0, 0], 1)[0].id).toBe("zero");
      }
    });
  });
}
