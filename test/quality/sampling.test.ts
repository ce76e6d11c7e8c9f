import { describe, expect, it } from "vitest";
import { BruteForceIndex } from "../../src/index/brute-force-index.js";
import { SeededRandom } from "../../src/index/random.js";
import { ScanAbortedError, exactKnnScan } from "../../src/quality/exact-scan.js";
import { l2Squared } from "../../src/index/distance.js";
import { QueryRing, pickProbeQueries, sampleLivePoints } from "../../src/quality/sampling.js";

function lineIndex(n: number): BruteForceIndex {
  const index = new BruteForceIndex({ dim: 2, metric: "l2" });
  for (let i = 0; i < n; i++) index.upsert(`p${i}`, [i, 0]);
  return index;
}

describe("query ring", () => {
  it("keeps copies of the most recent vectors only", () => {
    const ring = new QueryRing(3);
    const reused = [0, 0];
    for (let i = 0; i < 5; i++) {
      reused[0] = i;
      ring.record(reused);
    }
    expect(ring.size).toBe(3);
    const kept = ring.sample(10, new SeededRandom(1)).map((v) => v[0]);
    expect(kept.sort()).toEqual([2, 3, 4]);
  });

  it("rejects a capacity that is not a positive integer", () => {
    expect(() => new QueryRing(0)).toThrow(RangeError);
  });
});

describe("live point sampling", () => {
  it("draws distinct live ids, and all of them when asked for more than exist", async () => {
    const index = lineIndex(50);
    const some = await sampleLivePoints(index, 20, new SeededRandom(2));
    expect(new Set(some).size).toBe(20);
    expect((await sampleLivePoints(index, 80, new SeededRandom(2))).sort()).toEqual([...index.ids()].sort());
  });

  it("draws every id about equally often over many samples", async () => {
    const index = lineIndex(20);
    const counts = new Map<string, number>();
    const random = new SeededRandom(3);
    for (let round = 0; round < 2000; round++) {
      for (const id of await sampleLivePoints(index, 5, random)) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    // Expected 500 each (2000 rounds x 5 / 20); a binomial sd of about 19, so 400..600 is > 5 sd.
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(400);
      expect(count).toBeLessThan(600);
    }
  });

  it("tops up recent searches with live points that exclude themselves", async () => {
    const index = lineIndex(30);
    const ring = new QueryRing(8);
    ring.record([100, 0]);
    const queries = await pickProbeQueries(index, ring, 4, new SeededRandom(4));
    expect(queries).toHaveLength(4);
    expect(queries.filter((q) => q.excludeId === undefined).map((q) => Array.from(q.vector))).toEqual([
      [100, 0],
    ]);
    for (const q of queries.filter((q) => q.excludeId !== undefined)) {
      expect(Array.from(q.vector)).toEqual(Array.from(index.getVector(q.excludeId!)!));
    }
  });
});

describe("exact scan", () => {
  it("finds the k nearest live points of each query, excluding the query's own id", async () => {
    const index = lineIndex(100);
    const scan = await exactKnnScan(
      index,
      [{ vector: Float32Array.of(10.2, 0) }, { vector: Float32Array.of(50.1, 0), excludeId: "p50" }],
      3,
      l2Squared,
    );
    expect(scan.neighbors[0].map((n) => n.id)).toEqual(["p10", "p11", "p9"]);
    expect(scan.neighbors[1].map((n) => n.id)).toEqual(["p51", "p49", "p52"]);
    expect(scan.scanned).toBe(100);
  });

  it("stops at a slice boundary once aborted", async () => {
    const index = lineIndex(100);
    let slices = 0;
    const scan = exactKnnScan(index, [{ vector: Float32Array.of(0, 0) }], 3, l2Squared, {
      sliceMs: Infinity,
      maxVectorsPerSlice: 10,
      yieldToLoop: async () => void slices++,
      isAborted: () => slices >= 2,
    });
    await expect(scan).rejects.toBeInstanceOf(ScanAbortedError);
    expect(slices).toBe(2);
  });
});
