import { describe, expect, it } from "vitest";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { SeededRandom } from "../../src/index/random.js";
import { sampleLivePoints } from "../../src/quality/sampling.js";

function lineIndex(n: number, consolidationRatio?: number): HnswIndex {
  const index = new HnswIndex({ dim: 2, metric: "l2", M: 4, efConstruction: 8, seed: 1, consolidationRatio });
  for (let i = 0; i < n; i++) index.upsert(`p${i}`, [i, 0]);
  return index;
}

/** Counts walks of `ids()`, to tell slot draws from the reservoir walk. */
function countingWalks(index: HnswIndex): () => number {
  let walks = 0;
  const original = index.ids.bind(index);
  index.ids = () => {
    walks++;
    return original();
  };
  return () => walks;
}

describe("sampleLivePoints on an engine that names its slots", () => {
  it("draws distinct live ids by slot without walking ids()", async () => {
    const index = lineIndex(400);
    for (let i = 0; i < 400; i += 5) index.delete(`p${i}`);
    const walks = countingWalks(index);
    const sample = await sampleLivePoints(index, 50, new SeededRandom(3));
    expect(walks()).toBe(0);
    expect(new Set(sample).size).toBe(50);
    for (const id of sample) expect(index.has(id)).toBe(true);
  });

  it("gives every live id about the same chance of being drawn", async () => {
    const index = lineIndex(80);
    for (let i = 0; i < 80; i += 4) index.delete(`p${i}`);
    const counts = new Map<string, number>();
    const random = new SeededRandom(9);
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      for (const id of await sampleLivePoints(index, 15, random)) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(counts.size).toBe(60);
    // Each live id is drawn with probability 15/60 per trial: mean 500, standard deviation ~19.
    for (const count of counts.values()) expect(Math.abs(count - 500)).toBeLessThan(100);
  });

  it("walks ids() instead when most slots are dead or the sample is a large share", async () => {
    const sparse = lineIndex(200, Infinity);
    for (let i = 0; i < 180; i++) sparse.delete(`p${i}`);
    const sparseWalks = countingWalks(sparse);
    expect((await sampleLivePoints(sparse, 5, new SeededRandom(1))).length).toBe(5);
    expect(sparseWalks()).toBe(1);
    const dense = lineIndex(40);
    const denseWalks = countingWalks(dense);
    expect(new Set(await sampleLivePoints(dense, 30, new SeededRandom(1))).size).toBe(30);
    expect(denseWalks()).toBe(1);
  });
});
