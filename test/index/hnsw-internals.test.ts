import { describe, expect, it } from "vitest";
import { IndexError } from "../../src/index/errors.js";
import type { HnswInternals } from "../../src/index/hnsw-index.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { gaussianClusters } from "./hnsw-fixtures.js";

/** Layer-0 records of these tests are 1 + 2M = 17 words long (M = 8): the damage below writes them. */

function churned(): HnswIndex {
  const index = new HnswIndex({ dim: 8, metric: "cosine", M: 8, seed: 5, consolidationRatio: Infinity });
  gaussianClusters(600, 8, 4, 5).forEach((p, i) => index.upsert(`p${i}`, p));
  for (let i = 0; i < 60; i++) index.delete(`p${i * 3}`);
  index.consolidateDeletes();
  for (let i = 0; i < 20; i++) index.delete(`p${i * 3 + 1}`);
  return index;
}

describe("HnswIndex internals and fromInternals", () => {
  it("restores an index that answers and grows exactly like the original", () => {
    const original = churned();
    const params = original.params;
    const restored = HnswIndex.fromInternals(params, original.toInternals());
    expect(restored.stats()).toEqual(original.stats());
    expect([...restored.ids()].sort()).toEqual([...original.ids()].sort());
    const more = gaussianClusters(50, 8, 4, 5, 55);
    more.forEach((p, i) => {
      original.upsert(`n${i}`, p);
      restored.upsert(`n${i}`, p);
    });
    for (const q of more.slice(0, 10)) expect(restored.search(q, 10)).toEqual(original.search(q, 10));
    expect(restored.toInternals().levels).toEqual(original.toInternals().levels);
  });

  it("resumes a consolidation pass in progress and continues exactly like the original", () => {
    const original = new HnswIndex({ dim: 8, metric: "l2", M: 8, seed: 6 });
    const points = gaussianClusters(800, 8, 4, 6);
    points.forEach((p, i) => original.upsert(`p${i}`, p));
    let v = 0;
    while (!original.consolidating) original.delete(`p${v++ * 7}`);
    const saved = original.toInternals();
    expect(saved.consolidation?.doomed.length).toBeGreaterThan(0);
    const restored = HnswIndex.fromInternals(original.params, saved);
    expect(restored.consolidating).toBe(true);
    const more = gaussianClusters(60, 8, 4, 6, 66);
    more.forEach((p, i) => {
      original.upsert(`n${i}`, p);
      restored.upsert(`n${i}`, p);
    });
    expect(restored.consolidating).toBe(original.consolidating);
    expect(restored.stats()).toEqual(original.stats());
    expect(restored.toInternals().links0Chunks[0]).toEqual(original.toInternals().links0Chunks[0]);
    for (const q of more.slice(0, 10)) expect(restored.search(q, 10)).toEqual(original.search(q, 10));
  });

  it.each<[string, (x: HnswInternals) => void]>([
    ["a link beyond the used slots", (x) => (x.links0Chunks[0][x.entryPoint * 17 + 1] = x.nodeCount + 5)],
    ["an overfull list", (x) => (x.links0Chunks[0][x.entryPoint * 17] = 99)],
    ["a wrong live count", (x) => (x.liveCount += 1)],
    ["an entry point that is not live", (x) => (x.entryPoint = x.freeSlots[0])],
    ["a free slot missing from the free list", (x) => x.freeSlots.pop()],
    ["an unknown slot state", (x) => (x.flags[3] = 7)],
    ["a truncated link chunk", (x) => (x.links0Chunks[0] = x.links0Chunks[0].subarray(1))],
    ["a live slot without an id", (x) => (x.slotIds[x.entryPoint] = undefined)],
    [
      "a consolidation pass that would free a live node",
      (x) => (x.consolidation = { doomed: Uint32Array.of(x.entryPoint), cursor: 0 }),
    ],
    [
      "a consolidation cursor beyond the used slots",
      (x) => (x.consolidation = { doomed: new Uint32Array(0), cursor: x.nodeCount + 1 }),
    ],
  ])("refuses a snapshot with %s as CORRUPT_INDEX", (_name, damage) => {
    const index = churned();
    const x = index.toInternals();
    damage(x);
    let error: unknown;
    try {
      HnswIndex.fromInternals(index.params, x);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IndexError);
    expect((error as IndexError).code).toBe("CORRUPT_INDEX");
  });
});
