/**
 * The exact merge: the answers of members holding disjoint partitions, merged, are the answer of one
 * index holding everything, ties included; duplicates appear once; coverage names what is missing.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { coverage, mergeTopK } from "../../src/cluster/merge.js";
import { partitionOf } from "../../src/cluster/partitioner.js";
import { BruteForceIndex, SeededRandom } from "../../src/index/index.js";

describe("mergeTopK", () => {
  it("returns what one index holding every partition returns, ties cut by id, for any split", () => {
    const rng = new SeededRandom(21);
    // Integer-valued 4-d points: many equidistant neighbours, so the tie rule is exercised.
    const points = Array.from({ length: 600 }, (_, i) => ({
      id: `p${i}`,
      vector: Array.from({ length: 4 }, () => rng.nextInt(5)),
    }));
    for (const partitions of [1, 2, 3, 8]) {
      const whole = new BruteForceIndex({ dim: 4, metric: "l2" });
      const parts = Array.from({ length: partitions }, () => new BruteForceIndex({ dim: 4, metric: "l2" }));
      for (const p of points) {
        whole.upsert(p.id, p.vector);
        parts[partitionOf("murmur2", p.id, partitions) ?? 0].upsert(p.id, p.vector);
      }
      for (let q = 0; q < 30; q++) {
        const query = Array.from({ length: 4 }, () => rng.nextInt(5));
        const k = 1 + rng.nextInt(25);
        const merged = mergeTopK(
          parts.map((index) => index.search(query, k)),
          k,
        );
        expect(merged).toEqual(whole.search(query, k));
      }
    }
  });

  it("does not depend on the order the answers arrive in", () => {
    const hit = fc.record({
      id: fc.constantFrom("a", "b", "c", "d", "e", "f"),
      distance: fc.constantFrom(0, 1, 2),
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(hit, { maxLength: 6 }), { maxLength: 4 }),
        fc.integer({ min: 1, max: 8 }),
        (lists, k) => {
          const forward = mergeTopK(lists, k);
          expect(mergeTopK([...lists].reverse(), k)).toEqual(forward);
          expect(new Set(forward.map((h) => h.id)).size).toBe(forward.length);
        },
      ),
      { numRuns: 300, seed: 22 },
    );
  });

  it("keeps an id returned twice once, at its smaller distance, and passes payloads through", () => {
    const merged = mergeTopK(
      [
        [{ id: "x", distance: 3, payload: { from: "old" } }],
        [
          { id: "x", distance: 1, payload: { from: "new" } },
          { id: "y", distance: 2, payload: null },
        ],
      ],
      5,
    );
    expect(merged).toEqual([
      { id: "x", distance: 1, payload: { from: "new" } },
      { id: "y", distance: 2, payload: null },
    ]);
  });
});

describe("coverage", () => {
  it("names the wanted partitions no answer holds", () => {
    expect(coverage([3, 0, 1, 2], [2, 0])).toEqual({ held: [0, 2], missing: [1, 3] });
    expect(coverage([0, 1], [0, 1, 5])).toEqual({ held: [0, 1], missing: [] });
  });
});
