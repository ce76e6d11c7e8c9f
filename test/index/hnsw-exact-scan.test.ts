import { describe, expect, it } from "vitest";
import { kernelFor } from "../../src/index/distance.js";
import { IndexError } from "../../src/index/errors.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { SeededRandom } from "../../src/index/random.js";
import type { Metric } from "../../src/index/types.js";
import { setVectorBackend } from "../../src/index/vector-store-wasm.js";

const dim = 24;

function gaussian(n: number, seed: number): Float32Array[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: dim }, () => random.nextGaussian()));
}

function filled(metric: Metric, points: readonly Float32Array[]): HnswIndex {
  const index = new HnswIndex({ dim, metric, M: 8, efConstruction: 32, seed: 5 });
  points.forEach((v, i) => index.upsert(`p${i}`, v));
  return index;
}

/** Every (query, id, distance) a full scan reports, scanned in ranges of `step` slots. */
function scanAll(index: HnswIndex, queries: readonly Float32Array[], step: number): Map<string, number>[] {
  const seen = queries.map(() => new Map<string, number>());
  const scanner = index.exactScanner(queries);
  let live = 0;
  for (let from = 0; from < index.slotCount; from += step) {
    live += scanner.scan(from, from + step, (q, id, distance) => {
      expect(seen[q].has(id)).toBe(false);
      seen[q].set(id, distance);
    });
  }
  expect(live).toBe(index.size);
  return seen;
}

describe.each(["auto", "js"] as const)("HnswIndex.exactScanner (%s vector store)", (backend) => {
  const withBackend = <T>(build: () => T): T => {
    const previous = setVectorBackend(backend);
    try {
      return build();
    } finally {
      setVectorBackend(previous);
    }
  };

  it.each(["l2", "cosine", "dot"] as const)(
    "reports each live point once with the %s kernel's distance to the query",
    (metric) => {
      const points = gaussian(300, 1);
      const index = withBackend(() => filled(metric, points));
      const queries = gaussian(3, 2);
      const kernel = kernelFor(metric);
      const seen = scanAll(index, queries, 37);
      seen.forEach((distances, q) => {
        expect(distances.size).toBe(points.length);
        // Under cosine the scanner normalises the query as a search does.
        const query = metric === "cosine" ? normalised(queries[q]) : queries[q];
        for (const [id, distance] of distances) {
          const stored = index.getVector(id) as Float32Array;
          expect(distance).toBeCloseTo(kernel(query, 0, stored, 0, dim), 4);
        }
      });
    },
  );

  it("returns a deleted id in no scan and sees a replaced vector at its new value", () => {
    const points = gaussian(200, 3);
    const index = withBackend(() => filled("l2", points));
    for (let i = 0; i < 50; i++) index.delete(`p${i}`);
    index.upsert("p60", points[0]);
    const [distances] = scanAll(index, [points[0]], 64);
    expect(distances.size).toBe(150);
    for (let i = 0; i < 50; i++) expect(distances.has(`p${i}`)).toBe(false);
    expect(distances.get("p60")).toBe(0);
  });
});

describe("HnswIndex.exactScanner validation", () => {
  it("rejects a query of the wrong dimension with an IndexError", () => {
    const index = filled("l2", gaussian(10, 4));
    expect(() => index.exactScanner([new Float32Array(dim - 1)])).toThrow(IndexError);
  });

  it("compares nothing past slotCount or before slot 0", () => {
    const index = filled("l2", gaussian(40, 5));
    const scanner = index.exactScanner(gaussian(1, 6));
    let visits = 0;
    expect(scanner.scan(index.slotCount, index.slotCount + 100, () => visits++)).toBe(0);
    expect(scanner.scan(-10, 0, () => visits++)).toBe(0);
    expect(visits).toBe(0);
    expect(scanner.queryCount).toBe(1);
  });
});

function normalised(v: Float32Array): Float32Array {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

describe("HnswIndex.idAtSlot", () => {
  it("names live slots only, and nothing outside [0, slotCount)", () => {
    const index = filled("l2", gaussian(30, 7));
    index.consolidationRatio = Infinity;
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
