/**
 * The vectors the small stream benchmarks (apply-latency, ingest-rate, ingest-overhead) feed: siftsmall's
 * base rows when `../shared/data` is present (rows reused past 10,000), else seeded Gaussian 128-d
 * vectors, so every harness measures the same data the same way.
 */

import { existsSync } from "node:fs";

import { readFvecs } from "../../src/datasets/index.js";
import { SeededRandom } from "../../src/index/random.js";

const SIFT = new URL("../../../shared/data/siftsmall/siftsmall_base.fvecs", import.meta.url).pathname;

export interface SampleVectors {
  dim: number;
  rows: Float32Array[];
  /** Where the rows came from, for the benchmark's output. */
  source: string;
}

export function sampleVectors(count: number): SampleVectors {
  if (existsSync(SIFT)) {
    const { dim, count: n, data } = readFvecs(SIFT);
    const rows = Array.from({ length: count }, (_, i) => data.slice((i % n) * dim, (i % n) * dim + dim));
    return { dim, rows, source: `siftsmall (rows reused past ${n})` };
  }
  const rng = new SeededRandom(7);
  const rows = Array.from({ length: count }, () =>
    Float32Array.from({ length: 128 }, () => rng.nextGaussian()),
  );
  return { dim: 128, rows, source: "seeded Gaussian (siftsmall absent)" };
}
