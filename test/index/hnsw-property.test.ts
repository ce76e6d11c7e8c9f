import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkGraph } from "../../src/index/graph-checker.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";

type Op =
  { kind: "upsert"; id: number; v: number[] } | { kind: "delete"; id: number } | { kind: "consolidate" };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("upsert" as const),
      id: fc.integer({ min: 0, max: 40 }),
      v: fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 3, maxLength: 3 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("delete" as const), id: fc.integer({ min: 0, max: 40 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "consolidate" as const }) },
);

describe("HnswIndex under random mutation sequences", () => {
  it("agrees with a model of live ids and keeps the graph sound", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150 }), fc.integer({ min: 2, max: 6 }), (ops, M) => {
        const index = new HnswIndex({ dim: 3, metric: "l2", M, efConstruction: 16, initialCapacity: 4 });
        const model = new Map<string, number[]>();
        for (const o of ops) {
          if (o.kind === "upsert") {
            index.upsert(`id${o.id}`, o.v);
            model.set(`id${o.id}`, o.v);
          } else if (o.kind === "delete") {
            expect(index.delete(`id${o.id}`)).toBe(model.delete(`id${o.id}`));
          } else index.consolidateDeletes();
        }
        expect(index.size).toBe(model.size);
        expect(new Set(index.ids())).toEqual(new Set(model.keys()));
        for (const [id, v] of model) expect(Array.from(index.getVector(id) as Float32Array)).toEqual(v);
        // Exhaustive ef: every live point comes back, and only live points.
        const hits = index.search([0, 0, 0], Math.max(1, model.size), { ef: 200 });
        expect(new Set(hits.map((h) => h.id))).toEqual(new Set(model.size > 0 ? model.keys() : []));
        index.consolidateDeletes();
        const report = checkGraph(index);
        expect(report.problems).toEqual([]);
        expect(report.liveNodes).toBe(model.size);
      }),
      { seed: 7, numRuns: 150 },
    );
  });
});
