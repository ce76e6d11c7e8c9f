/**
 * `BruteForceIndex` is the project's ground truth, so it must reproduce the published exact neighbours
 * of real data sets: SIFT10K under l2, and the glove-25 subset under cosine (where the published file
 * also gives distances). Skipped, with the reason, when /work/shared/data is absent.
 */

import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readFvecs, readIvecs } from "../../src/datasets/texmex.js";
import { BruteForceIndex } from "../../src/index/brute-force-index.js";
import type { Metric } from "../../src/index/types.js";

const DATA = join(import.meta.dirname, "../../../shared/data");
const SIFT = join(DATA, "siftsmall");
const GLOVE = join(DATA, "glove-twitter-25-angular");

function load(dir: string, name: string, metric: Metric) {
  const base = readFvecs(join(dir, `${name}_base.fvecs`));
  const queries = readFvecs(join(dir, `${name}_query.fvecs`), { limit: 100 });
  const truth = readIvecs(join(dir, `${name}_groundtruth.ivecs`), { limit: 100 });
  const index = new BruteForceIndex({ dim: base.dim, metric, initialCapacity: base.count });
  for (let r = 0; r < base.count; r++)
    index.upsert(String(r), base.data.subarray(r * base.dim, (r + 1) * base.dim));
  return { index, queries, truth };
}

/** Fraction of the published top-10 found in our top-10 (measured: exactly 1 on both sets). */
function recallAt10(dir: string, name: string, metric: Metric): number {
  const { index, queries, truth } = load(dir, name, metric);
  let found = 0;
  for (let q = 0; q < queries.count; q++) {
    const hits = index.search(queries.data.subarray(q * queries.dim, (q + 1) * queries.dim), 10);
    const expected = new Set(Array.from(truth.data.subarray(q * truth.dim, q * truth.dim + 10), String));
    for (const hit of hits) if (expected.has(hit.id)) found++;
  }
  return found / (10 * queries.count);
}

describe.skipIf(!existsSync(SIFT))(`BruteForceIndex on siftsmall (needs ${SIFT})`, () => {
  it("reproduces the published exact top-10 under l2", () => {
    expect(recallAt10(SIFT, "siftsmall", "l2")).toBe(1);
  });
});

describe.skipIf(!existsSync(GLOVE))(`BruteForceIndex on glove-25 (needs ${GLOVE})`, () => {
  it("reproduces the published exact top-10 under cosine", () => {
    expect(recallAt10(GLOVE, "glove-twitter-25-angular", "cosine")).toBe(1);
  });
});
