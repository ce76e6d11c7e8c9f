import { describe, expect, it } from "vitest";
import { checkGraph } from "../../src/index/graph-checker.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { gaussianClusters } from "./hnsw-fixtures.js";

/** A 200-point graph with M = 4 (layer-0 stride 9), whose layer-0 slab the tests then damage. */
function sample(): { index: HnswIndex; links: Uint32Array; stride: number } {
  const index = new HnswIndex({ dim: 4, metric: "l2", M: 4, seed: 11 });
  gaussianClusters(200, 4, 3, 11).forEach((p, i) => index.upsert(`p${i}`, p));
  return { index, links: index.internals().links0Chunks[0], stride: 9 };
}

describe("checkGraph", () => {
  it("reports a healthy graph as fully reachable and clean", () => {
    const { index } = sample();
    index.consolidateDeletes();
    expect(checkGraph(index)).toEqual({
      liveNodes: 200,
      reachable: 200,
      unreachable: 0,
      linksToFreedSlots: 0,
      overfullLists: 0,
      selfLinks: 0,
      duplicateLinks: 0,
      problems: [],
    });
  });

  it("detects self links and duplicate links", () => {
    const { index, links, stride } = sample();
    links[5 * stride + 1] = 5;
    links[6 * stride + 2] = links[6 * stride + 1];
    const report = checkGraph(index);
    expect(report.selfLinks).toBe(1);
    expect(report.duplicateLinks).toBe(1);
    expect(report.problems.join("\n")).toMatch(/node 5 links itself/);
  });

  it("detects a list longer than its layer allows", () => {
    const { index, links, stride } = sample();
    links[7 * stride] = 9;
    expect(checkGraph(index).overfullLists).toBe(1);
  });

  it("detects links to freed slots", () => {
    const { index, links, stride } = sample();
    index.consolidationRatio = Infinity;
    index.delete("p3");
    index.delete("p4");
    index.consolidateDeletes();
    const freed = index.internals().freeSlots[0];
    links[10 * stride + 1] = freed;
    const report = checkGraph(index);
    expect(report.linksToFreedSlots).toBe(1);
    expect(report.problems.join("\n")).toMatch(`freed slot ${freed}`);
  });

  it("detects a node that no layer-0 link reaches", () => {
    const { index, links, stride } = sample();
    const target = 20;
    for (let s = 0; s < 200; s++) {
      const count = links[s * stride];
      const kept = Array.from(links.subarray(s * stride + 1, s * stride + 1 + count)).filter(
        (n) => n !== target,
      );
      links.set(kept, s * stride + 1);
      links[s * stride] = kept.length;
    }
    const report = checkGraph(index);
    expect(report.unreachable).toBeGreaterThanOrEqual(1);
    expect(report.reachable + report.unreachable).toBe(200);
  });

  it("counts tombstones as routes but not as live nodes", () => {
    const { index } = sample();
    index.consolidationRatio = Infinity;
    for (let i = 0; i < 50; i++) index.delete(`p${i}`);
    const report = checkGraph(index);
    expect(report.liveNodes).toBe(150);
    expect(report.linksToFreedSlots).toBe(0);
  });
});
