import { describe, expect, it } from "vitest";
import { BruteForceIndex } from "../../src/index/brute-force-index.js";
import { kernelFor, l2Squared } from "../../src/index/distance.js";
import { IndexError } from "../../src/index/errors.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { SeededRandom } from "../../src/index/random.js";
import type { Metric, ScanNeighbor, VectorIndex } from "../../src/index/types.js";

const dim = 24;

function gaussian(n: number, seed: number): Float32Array[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: dim }, () => random.nextGaussian()));
}

type Engine = "hnsw (auto store)" | "hnsw (js store)" | "brute force";
const ENGINES: Engine[] = ["hnsw (auto store)", "hnsw (js store)", "brute force"];

function filled(engine: Engine, metric: Metric, points: readonly Float32Array[]): VectorIndex {
  const index =
    engine === "brute force"
      ? new BruteForceIndex({ dim, metric })
      : new HnswIndex(
          { dim, metric, M: 8, efConstruction: 32, seed: 5 },
          { backend: engine === "hnsw (js store)" ? "js" : "auto" },
        );
  points.forEach((v, i) => index.upsert(`p${i}`, v));
  return index;
}

/** Every query's neighbours from a scan of `[0, slotCount)` in ranges of `step` slots. */
function scanAll(
  index: VectorIndex,
  queries: readonly Float32Array[],
  k: number,
  step: number,
): ScanNeighbor[][] {
  const scanner = index.exactScanner(queries, k);
  let live = 0;
  for (let from = 0; from < scanner.slotCount; from += step) live += scanner.scan(from, from + step);
  expect(live).toBe(index.size);
  return queries.map((_, q) => scanner.neighbors(q));
}

describe.each(ENGINES)("exactScanner of %s", (engine) => {
  it.each(["l2", "cosine", "dot"] as const)(
    "reports each live point once, nearest first, with the %s kernel's distance to the query",
    (metric) => {
      const points = gaussian(300, 1);
      const index = filled(engine, metric, points);
      const queries = gaussian(3, 2);
      const kernel = kernelFor(metric);
      scanAll(index, queries, points.length, 37).forEach((found, q) => {
        expect(new Set(found.map((n) => n.id)).size).toBe(points.length);
        for (const { id, distance } of found) {
          expect(distance).toBe(kernel(queries[q], 0, index.getVector(id) as Float32Array, 0, dim));
        }
        for (let i = 1; i < found.length; i++)
          expect(found[i].distance).toBeGreaterThanOrEqual(found[i - 1].distance);
      });
    },
  );

  it("returns a deleted id in no scan and sees a replaced vector at its new value", () => {
    const points = gaussian(200, 3);
    const index = filled(engine, "l2", points);
    for (let i = 0; i < 50; i++) index.delete(`p${i}`);
    index.upsert("p60", points[0]);
    const [found] = scanAll(index, [points[0]], 150, 64);
    expect(found).toHaveLength(150);
    for (let i = 0; i < 50; i++) expect(found.some((n) => n.id === `p${i}`)).toBe(false);
    expect(found[0]).toEqual({ id: "p60", distance: 0 });
  });

  it("leaves out each query's excluded id and ranks by the kernel asked for", () => {
    const points = gaussian(120, 4);
    const index = filled(engine, "dot", points);
    const scanner = index.exactScanner([points[5], points[6]], 4, { kernel: l2Squared, excludeIds: ["p5"] });
    scanner.scan(0, scanner.slotCount);
    const [first, second] = [scanner.neighbors(0), scanner.neighbors(1)];
    expect(first.some((n) => n.id === "p5")).toBe(false);
    expect(second[0]).toEqual({ id: "p6", distance: 0 });
    const truth = points
      .map((v, i) => ({ id: `p${i}`, distance: l2Squared(points[5], 0, v, 0, dim) }))
      .filter((n) => n.id !== "p5")
      .sort((a, b) => a.distance - b.distance)
      .slice(0, 4);
    expect(first).toEqual(truth);
  });

  it("drops a survivor deleted between ranges and keeps an id seen in two slots once", () => {
    const points = gaussian(100, 6);
    const index = filled(engine, "l2", points);
    const scanner = index.exactScanner([points[0]], 5);
    scanner.scan(0, scanner.slotCount);
    index.delete("p0");
    index.upsert("p1", points[0]);
    scanner.scan(0, scanner.slotCount);
    const found = scanner.neighbors(0);
    expect(found.some((n) => n.id === "p0")).toBe(false);
    expect(found.filter((n) => n.id === "p1")).toEqual([{ id: "p1", distance: 0 }]);
  });
});

describe("exactScanner validation", () => {
  it.each(ENGINES)("rejects a query of the wrong dimension on %s with an IndexError", (engine) => {
    const index = filled(engine, "l2", gaussian(10, 4));
    expect(() => index.exactScanner([new Float32Array(dim - 1)], 3)).toThrow(IndexError);
    expect(() => index.exactScanner([new Float32Array(dim)], 0)).toThrow(IndexError);
  });

  it.each(ENGINES)("compares nothing past slotCount or before slot 0 on %s", (engine) => {
    const index = filled(engine, "l2", gaussian(40, 5));
    const scanner = index.exactScanner(gaussian(1, 6), 3);
    expect(scanner.scan(scanner.slotCount, scanner.slotCount + 100)).toBe(0);
    expect(scanner.scan(-10, 0)).toBe(0);
    expect(scanner.neighbors(0)).toEqual([]);
    expect(scanner.queryCount).toBe(1);
  });
});

describe("HnswIndex.idAtSlot", () => {
  it("names live slots only, and nothing outside [0, slotCount)", () => {
    const index = new HnswIndex({ dim, metric: "l2", M: 8, seed: 5, consolidationRatio: Infinity });
    gaussian(30, 7).forEach((v, i) => index.upsert(`p${i}`, v));
    index.delete("p3");
    const named = new Set<string>();
    for (let s = 0; s < index.slotCount; s++) {
      const id = index.idAtSlot(s);
      if (id !== undefined) named.add(id);
    }
    expect(named.size).toBe(29);
    expect(named.has("p3")).toBe(false);
    expect(index.idAtSlot(-1)).toBeUndefined();
    expect(index.idAtSlot(index.slotCount)).toBeUndefined();
  });
});
