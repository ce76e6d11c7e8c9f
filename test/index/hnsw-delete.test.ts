import { describe, expect, it } from "vitest";
import { checkGraph } from "../../src/index/graph-checker.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { SeededRandom } from "../../src/index/random.js";
import { gaussianClusters, layer0, recallAt } from "./hnsw-fixtures.js";

function shuffled<T>(items: T[], seed: number): T[] {
  const rng = new SeededRandom(seed);
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function buildClusters(n: number, dim: number, seed: number, consolidationRatio?: number) {
  const index = new HnswIndex({ dim, metric: "l2", M: 12, efConstruction: 100, seed, consolidationRatio });
  const live = new Map<string, Float32Array>();
  gaussianClusters(n, dim, 16, seed).forEach((p, i) => {
    index.upsert(`p${i}`, p);
    live.set(`p${i}`, p);
  });
  return { index, live };
}

describe("HnswIndex deletes", () => {
  it("keeps hand-checked 2-D neighbour lists through inserts, a removal and a slot reuse", () => {
    const index = new HnswIndex({ dim: 2, metric: "l2", M: 2, seed: 3 });
    for (let i = 0; i < 4; i++) index.upsert(`p${i}`, [i, 0]);
    // p3 = (3,0) keeps only p2: p1 and p0 are closer to p2 than to p3, so the heuristic prunes them.
    expect([0, 1, 2, 3].map((s) => layer0(index, s))).toEqual([[1, 2], [0, 2], [0, 1, 3], [2]]);
    expect(index.delete("p2")).toBe(true);
    // 1 of 4 is over the consolidation ratio: lists are rewired through p2's old neighbours at once.
    expect(index.stats().tombstones).toBe(0);
    expect([0, 1, 3].map((s) => layer0(index, s))).toEqual([
      [1, 3],
      [0, 3],
      [0, 1],
    ]);
    index.upsert("p4", [2.1, 0]);
    expect(index.view().graph.nodeCount).toBe(4);
    expect(index.view().graph.idAt(2)).toBe("p4");
    expect(index.search([2, 0], 1)[0].id).toBe("p4");
  });

  it("returns a deleted id in no search result, even before repair", () => {
    const { index, live } = buildClusters(600, 8, 1, Infinity);
    const gone = shuffled([...live.keys()], 2).slice(0, 200);
    for (const id of gone) {
      expect(index.delete(id)).toBe(true);
      live.delete(id);
    }
    expect(index.stats().tombstones).toBe(200);
    expect(index.has(gone[0])).toBe(false);
    expect(index.delete(gone[0])).toBe(false);
    const goneSet = new Set(gone);
    for (const q of gaussianClusters(30, 8, 16, 1, 101)) {
      for (const hit of index.search(q, 20)) expect(goneSet.has(hit.id)).toBe(false);
    }
    expect(index.consolidateDeletes()).toBe(200);
    expect(index.stats()).toMatchObject({ tombstones: 0, livePoints: 400 });
  });

  it("promotes a live node of the top level when the entry point is deleted", () => {
    const { index, live } = buildClusters(800, 8, 3);
    for (let round = 0; round < 5; round++) {
      const x = index.view().graph;
      const before = x.entryPoint;
      const entryId = x.idAt(before) as string;
      index.delete(entryId);
      live.delete(entryId);
      expect(x.entryPoint).not.toBe(before);
      expect(x.state(x.entryPoint)).toBe(0);
      let top = 0;
      for (let s = 0; s < x.nodeCount; s++) if (x.state(s) === 0) top = Math.max(top, x.level(s));
      expect(x.maxLevel).toBe(top);
      expect(x.level(x.entryPoint)).toBe(top);
    }
    expect(recallAt(index, live, gaussianClusters(40, 8, 16, 3, 103), 10)).toBeGreaterThanOrEqual(0.95);
  });

  it("leaves every live node reachable and recall above 0.95 after deleting 90%", () => {
    const { index, live } = buildClusters(3000, 16, 4);
    for (const id of shuffled([...live.keys()], 5).slice(0, 2700)) {
      index.delete(id);
      live.delete(id);
    }
    index.consolidateDeletes();
    const report = checkGraph(index);
    expect(report).toMatchObject({ liveNodes: 300, unreachable: 0, linksToFreedSlots: 0, overfullLists: 0 });
    expect(report.selfLinks + report.duplicateLinks).toBe(0);
    expect(recallAt(index, live, gaussianClusters(50, 16, 16, 4, 104), 10)).toBeGreaterThanOrEqual(0.95);
  });

  it("keeps recall over ten delete/insert cycles replacing 10% each, without growing capacity", () => {
    const { index, live } = buildClusters(2000, 16, 6);
    const fresh = gaussianClusters(2000, 16, 16, 6, 107);
    const capacities: number[] = [];
    let next = 2000;
    for (let cycle = 0; cycle < 10; cycle++) {
      for (const id of shuffled([...live.keys()], 100 + cycle).slice(0, 200)) {
        index.delete(id);
        live.delete(id);
      }
      for (let i = 0; i < 200; i++) {
        const v = fresh[(next - 2000) % fresh.length];
        index.upsert(`p${next}`, v);
        live.set(`p${next++}`, v);
      }
      capacities.push(index.view().graph.capacity);
    }
    expect(index.size).toBe(2000);
    expect(new Set(capacities.slice(1)).size).toBe(1);
    expect(index.view().graph.nodeCount).toBeLessThanOrEqual(2000 * 1.12);
    const report = checkGraph(index);
    expect(report.linksToFreedSlots).toBe(0);
    expect(recallAt(index, live, gaussianClusters(50, 16, 16, 6, 108), 10)).toBeGreaterThanOrEqual(0.95);
  });

  it("reuses freed slots, so the slot high-water mark stays put under churn", () => {
    const { index } = buildClusters(500, 4, 9);
    const before = index.view().graph.nodeCount;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 50; i++) index.delete(`p${i}`);
      index.consolidateDeletes();
      for (let i = 0; i < 50; i++) index.upsert(`p${i}`, [round, i, 0, 1]);
    }
    expect(index.view().graph.nodeCount).toBe(before);
    expect(index.view().graph.freeSlots).toHaveLength(0);
  });

  it("deletes in bulk without starting a pass, then repairs them all in one consolidation", () => {
    const { index, live } = buildClusters(1000, 8, 15);
    const gone = shuffled([...live.keys()], 16).slice(0, 400);
    expect(index.deleteMany([...gone, "never-there"])).toBe(400);
    for (const id of gone) live.delete(id);
    expect(index.consolidating).toBe(false);
    expect(index.stats()).toMatchObject({ livePoints: 600, tombstones: 400 });
    const goneSet = new Set(gone);
    for (const q of gaussianClusters(20, 8, 16, 15, 115)) {
      for (const hit of index.search(q, 10)) expect(goneSet.has(hit.id)).toBe(false);
    }
    expect(index.consolidateDeletes()).toBe(400);
    expect(checkGraph(index)).toMatchObject({ liveNodes: 600, unreachable: 0, linksToFreedSlots: 0 });
    expect(recallAt(index, live, gaussianClusters(40, 8, 16, 15, 116), 10)).toBeGreaterThanOrEqual(0.95);
  });

  it("spreads a consolidation pass over later mutations, with searches correct at every step", () => {
    const { index, live } = buildClusters(2000, 8, 12);
    const victims = shuffled([...live.keys()], 13);
    let v = 0;
    while (!index.consolidating) {
      index.delete(victims[v]);
      live.delete(victims[v++]);
    }
    expect(v).toBe(200);
    const fresh = gaussianClusters(200, 8, 16, 12, 112);
    let mutations = 0;
    while (index.consolidating) {
      if (mutations % 10 === 5) {
        index.delete(victims[v]);
        live.delete(victims[v++]);
      } else {
        index.upsert(`n${mutations}`, fresh[mutations]);
        live.set(`n${mutations}`, fresh[mutations]);
      }
      mutations++;
      for (const hit of index.search(fresh[mutations], 10)) expect(live.has(hit.id)).toBe(true);
      expect(checkGraph(index).linksToFreedSlots).toBe(0);
    }
    // 2,000 nodes at 32 per mutation: the pass spans dozens of mutations, none of them doing it all.
    expect(mutations).toBeGreaterThan(50);
    expect(index.stats().tombstones).toBe(v - 200);
    const report = checkGraph(index);
    expect(report).toMatchObject({ liveNodes: live.size, unreachable: 0, linksToFreedSlots: 0 });
    expect(recallAt(index, live, gaussianClusters(40, 8, 16, 12, 113), 10)).toBeGreaterThanOrEqual(0.95);
  });

  it("keeps every node reachable under dot products with tiny lists, where hubs attract all links", () => {
    const rng = new SeededRandom(14);
    const index = new HnswIndex({ dim: 6, metric: "dot", M: 2, efConstruction: 32, initialCapacity: 2 });
    for (let i = 0; i < 20000; i++) {
      const id = `i${rng.nextInt(2500)}`;
      if (rng.next() < 0.63)
        index.upsert(
          id,
          Array.from({ length: 6 }, () => rng.nextGaussian() + 0.01),
        );
      else index.delete(id);
    }
    index.consolidateDeletes();
    expect(checkGraph(index)).toMatchObject({ unreachable: 0, linksToFreedSlots: 0, overfullLists: 0 });
  });

  it("empties and refills cleanly when every point is deleted", () => {
    const { index, live } = buildClusters(100, 4, 10);
    for (const id of live.keys()) index.delete(id);
    expect(index.size).toBe(0);
    expect(index.stats()).toMatchObject({ tombstones: 0, maxLevel: -1 });
    expect(index.search([0, 0, 0, 0], 3)).toEqual([]);
    index.upsert("again", [1, 2, 3, 4]);
    expect(index.search([0, 0, 0, 0], 3).map((h) => h.id)).toEqual(["again"]);
  });
});
