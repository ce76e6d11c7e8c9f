import { describe, expect, it } from "vitest";
import { BruteForceIndex } from "../../src/index/brute-force-index.js";
import { SeededRandom } from "../../src/index/random.js";
import type { Metric } from "../../src/index/types.js";
import { aggregateLid, estimateLid, inverseLocalDimension } from "../../src/quality/lid-estimator.js";
import { linearSubspace, torus } from "./synthetic.js";

function indexOf(points: readonly Float32Array[], metric: Metric = "l2"): BruteForceIndex {
  const index = new BruteForceIndex({ dim: points[0].length, metric });
  points.forEach((v, i) => index.upsert(`p${i}`, v));
  return index;
}

describe("Levina-Bickel local dimension of one neighbourhood", () => {
  it("is the inverse of the mean log ratio to the k-th distance", () => {
    // ln(4/1) + ln(4/2) = 3 ln 2, over k - 1 = 2 terms.
    expect(inverseLocalDimension([1, 2, 4])).toBeCloseTo(1.5 * Math.LN2, 12);
  });

  it("ignores neighbours at distance zero (duplicates of the point)", () => {
    expect(inverseLocalDimension([0, 0, 1, 2, 4])).toBeCloseTo(1.5 * Math.LN2, 12);
  });

  it("gives nothing for a neighbourhood where all distances are equal", () => {
    expect(inverseLocalDimension([3, 3, 3])).toBeUndefined();
    expect(inverseLocalDimension([0, 5])).toBeUndefined();
  });

  it("aggregates neighbourhoods by averaging inverses, not the per-point estimates", () => {
    // Per-point inverses 1.5 ln2 and 3 ln2: mean inverse 2.25 ln2.
    const result = aggregateLid([
      [1, 2, 4],
      [1, 4, 16],
    ]);
    expect(result?.points).toBe(2);
    expect(result?.lid).toBeCloseTo(1 / (2.25 * Math.LN2), 12);
  });
});

describe("LID estimate of a collection", () => {
  it.each([2, 5, 10])(
    "estimates within 20%% the dimension d = %i of a Gaussian on a linear subspace of R^64",
    async (d) => {
      const index = indexOf(linearSubspace(2000, d, 64, 100 + d));
      const estimate = await estimateLid(index, { k: 20, sampleSize: 200, random: new SeededRandom(5) });
      expect(estimate?.points).toBe(200);
      expect(estimate?.lid).toBeGreaterThan(0.8 * d);
      expect(estimate?.lid).toBeLessThan(1.2 * d);
    },
  );

  it.each([2, 5])(
    "estimates within 20%% the dimension d = %i of a flat torus embedded in R^64",
    async (d) => {
      const index = indexOf(torus(2000, d, 64, 200 + d));
      const estimate = await estimateLid(index, { k: 20, sampleSize: 200, random: new SeededRandom(6) });
      expect(estimate?.lid).toBeGreaterThan(0.8 * d);
      expect(estimate?.lid).toBeLessThan(1.2 * d);
    },
  );

  it("ranks a higher-dimensional set above a lower-dimensional one under cosine too", async () => {
    const options = { k: 15, sampleSize: 100, random: new SeededRandom(7) };
    const low = await estimateLid(indexOf(linearSubspace(1500, 3, 32, 1), "cosine"), options);
    const high = await estimateLid(indexOf(linearSubspace(1500, 12, 32, 2), "cosine"), options);
    expect(low!.lid).toBeLessThan(high!.lid);
  });

  it("reports nothing for a collection of two points", async () => {
    const index = indexOf([Float32Array.of(0, 1), Float32Array.of(1, 0)]);
    expect(await estimateLid(index, { k: 5, sampleSize: 10, random: new SeededRandom(1) })).toBeUndefined();
  });

  it("rejects a neighbourhood size below 2", async () => {
    const index = indexOf(linearSubspace(10, 2, 4, 1));
    await expect(estimateLid(index, { k: 1, sampleSize: 5, random: new SeededRandom(1) })).rejects.toThrow(
      RangeError,
    );
  });
});
