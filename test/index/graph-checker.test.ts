import { describe, expect, it } from "vitest";
import { checkGraph } from "../../src/index/graph-checker.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { gaussianClusters, withLayer0Lists } from "./hnsw-fixtures.js";

/** A 200-point graph with M = 4 (layer-0 lists of up to 8), whose layer-0 lists the tests then damage. */
function sample(consolidationRatio?: number): HnswIndex {
  const index = new HnswIndex({ dim: 4, metric: "l2", M: 4, seed: 11, consolidationRatio });
  gaussianClusters(200, 4, 3, 11).forEach((p, i) => index.upsert(`p${i}`, p));
  return index;
}

describe("checkGraph", () => {
  it("reports a healthy graph as fully reachable and clean", () => {
    const index = sample();
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
    const graph = sample().view().graph;
    const [five, six] = [graph.neighbors(5, 0), graph.neighbors(6, 0)];
    expect(six.length).toBeGreaterThanOrEqual(2);
    const damaged = new Map([
      [5, [5, ...five.slice(1)]],
      [6, [six[0], six[0], ...six.slice(2)]],
    ]);
    const report = checkGraph(withLayer0Lists(graph, damaged));
    expect(report.selfLinks).toBe(1);
    expect(report.duplicateLinks).toBe(1);
    expect(report.problems.join("\n")).toMatch(/node 5 links itself/);
  });

  it("detects a list longer than its layer allows", () => {
    const graph = sample().view().graph;
    const seven = graph.neighbors(7, 0);
    const others = Array.from({ length: 200 }, (_, s) => s).filter((s) => s !== 7 && !seven.includes(s));
    const overfull = [...seven, ...others].slice(0, 9);
    expect(checkGraph(withLayer0Lists(graph, new Map([[7, overfull]]))).overfullLists).toBe(1);
  });

  it("detects links to freed slots", () => {
    const index = sample(Infinity);
    index.delete("p3");
    index.delete("p4");
    index.consolidateDeletes();
    const graph = index.view().graph;
    const freed = graph.freeSlots[0];
    const damaged = new Map([[10, [freed, ...graph.neighbors(10, 0).slice(1)]]]);
    const report = checkGraph(withLayer0Lists(graph, damaged));
    expect(report.linksToFreedSlots).toBe(1);
    expect(report.problems.join("\n")).toMatch(`freed slot ${freed}`);
  });

  it("detects a node that no layer-0 link reaches", () => {
    const graph = sample().view().graph;
    const target = 20;
    const lists = new Map<number, number[]>();
    for (let s = 0; s < 200; s++)
      lists.set(
        s,
        graph.neighbors(s, 0).filter((n) => n !== target),
      );
    const report = checkGraph(withLayer0Lists(graph, lists));
    expect(report.unreachable).toBeGreaterThanOrEqual(1);
    expect(report.reachable + report.unreachable).toBe(200);
  });

  it("counts tombstones as routes but not as live nodes", () => {
    const index = sample(Infinity);
    for (let i = 0; i < 50; i++) index.delete(`p${i}`);
    const report = checkGraph(index);
    expect(report.liveNodes).toBe(150);
    expect(report.linksToFreedSlots).toBe(0);
  });
});
