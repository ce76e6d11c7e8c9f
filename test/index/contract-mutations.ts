/**
 * The mutation half of the `VectorIndex` contract (see `contract.ts`): upsert-as-replace, delete,
 * the agreement of `has`/`getVector`/`ids`/`size` with a plain Map model, and `stats()`.
 */

import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../src/index/random.js";
import { METRICS } from "../../src/index/types.js";
import type { Metric, VectorIndex } from "../../src/index/types.js";
import { checkVector } from "../../src/index/validation.js";
import { expectedDistance, filledIndex, randomVector } from "./contract-helpers.js";
import type { IndexFactory } from "./contract-helpers.js";

export function runMutationContract(factory: IndexFactory): void {
  describe.each(METRICS)("mutations under %s", (metric) => {
    it("replaces the vector of an existing id on upsert", () => {
      const { index, vectors } = filledIndex(factory, metric, 100);
      const fresh = vectors[50].map((x) => -x);
      index.upsert("p7", fresh);
      expect(index.size).toBe(100);
      expect(index.getVector("p7")).toEqual(checkVector(fresh, 8, metric));
      expect(index.search(fresh, 1)[0].id).toBe("p7");
      // Seen from the old vector, p7 now sits at the distance of its new one.
      const p7 = index.search(vectors[7], 100).find((h) => h.id === "p7");
      expect(p7?.distance).toBeCloseTo(expectedDistance(metric, vectors[7], fresh), 4);
    });

    it("deletes an id at once and reports whether it was present", () => {
      const { index, vectors } = filledIndex(factory, metric, 100);
      expect(index.delete("p10")).toBe(true);
      expect(index.delete("p10")).toBe(false);
      expect(index.delete("never-there")).toBe(false);
      expect(index.has("p10")).toBe(false);
      expect(index.getVector("p10")).toBeUndefined();
      expect(index.size).toBe(99);
      expect([...index.ids()]).not.toContain("p10");
      expect(index.search(vectors[10], 99).map((h) => h.id)).not.toContain("p10");
    });

    it("returns a deleted id in no search result, even when k covers the whole index", () => {
      const { index, rng } = filledIndex(factory, metric, 150);
      const deleted = new Set<string>();
      for (let i = 0; i < 150; i += 3) {
        index.delete(`p${i}`);
        deleted.add(`p${i}`);
      }
      for (let q = 0; q < 10; q++) {
        const hits = index.search(randomVector(rng, 8), 200);
        expect(hits).toHaveLength(100);
        for (const hit of hits) expect(deleted.has(hit.id)).toBe(false);
      }
    });

    it("finds an id again after it is deleted and re-inserted", () => {
      const { index, vectors } = filledIndex(factory, metric, 60);
      index.delete("p5");
      index.upsert("p5", vectors[5]);
      expect(index.has("p5")).toBe(true);
      expect(index.search(vectors[5], 1)[0].id).toBe("p5");
    });

    it("becomes empty again when every point is deleted", () => {
      const { index, vectors } = filledIndex(factory, metric, 30);
      for (let i = 0; i < 30; i++) expect(index.delete(`p${i}`)).toBe(true);
      expect(index.size).toBe(0);
      expect(index.search(vectors[0], 5)).toEqual([]);
      expect(index.stats().livePoints).toBe(0);
      index.upsert("again", vectors[1]);
      expect(index.search(vectors[1], 5)).toEqual([{ id: "again", distance: expect.any(Number) }]);
    });

    it("keeps has, getVector, ids and size consistent with a model through random operations", () => {
      const rng = new SeededRandom(11);
      const index = factory({ dim: 4, metric });
      const model = new Map<string, number[]>();
      for (let step = 0; step < 600; step++) {
        const id = `id${rng.nextInt(80)}`;
        if (rng.next() < 0.35) {
          expect(index.delete(id)).toBe(model.delete(id));
        } else {
          const v = randomVector(rng, 4);
          index.upsert(id, v);
          model.set(id, v);
        }
      }
      expectSameContents(index, metric, model);
    });
  });

  describe("stats", () => {
    it("describes the index's shape and grows its memory estimate with its contents", () => {
      const empty = factory({ dim: 6, metric: "dot" });
      const before = empty.stats();
      expect(before).toMatchObject({ dim: 6, metric: "dot", livePoints: 0, maxLevel: -1 });
      expect(before.tombstones).toBeGreaterThanOrEqual(0);
      const { index } = filledIndex(factory, "dot", 2000, 6);
      const after = index.stats();
      expect(after).toMatchObject({ dim: 6, metric: "dot", livePoints: 2000 });
      expect(after.maxLevel).toBeGreaterThanOrEqual(0);
      expect(after.memoryBytes).toBeGreaterThanOrEqual(2000 * 6 * 4);
      expect(after.memoryBytes).toBeGreaterThan(before.memoryBytes);
      index.delete("p1");
      expect(index.stats().livePoints).toBe(1999);
    });
  });
}

function expectSameContents(index: VectorIndex, metric: Metric, model: Map<string, number[]>): void {
  expect(index.size).toBe(model.size);
  expect(new Set(index.ids())).toEqual(new Set(model.keys()));
  for (let i = 0; i < 80; i++) {
    const id = `id${i}`;
    const v = model.get(id);
    expect(index.has(id)).toBe(v !== undefined);
    expect(index.getVector(id)).toEqual(v === undefined ? undefined : checkVector(v, 4, metric));
  }
}
