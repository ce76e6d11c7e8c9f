import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { readFvecs, readIvecs } from "../support/fvecs.js";

const dir = path.join(path.resolve(process.cwd(), "../shared/data"), "siftsmall");
const present = existsSync(path.join(dir, "siftsmall_base.fvecs"));
if (!present) console.warn(`siftsmall not found in ${dir}: skipping the SIFT recall test`);

describe.skipIf(!present)("HnswIndex on siftsmall (10k x 128, L2)", () => {
  it("reaches recall@10 of at least 0.95 at ef = 64 with M = 16, efConstruction = 200", () => {
    const base = readFvecs(path.join(dir, "siftsmall_base.fvecs"));
    const queries = readFvecs(path.join(dir, "siftsmall_query.fvecs"));
    const gt = readIvecs(path.join(dir, "siftsmall_groundtruth.ivecs"));
    const dim = base.dim;
    const index = new HnswIndex({ dim, metric: "l2", M: 16, efConstruction: 200 });
    for (let i = 0; i < base.rows; i++) index.upsert(String(i), base.data.subarray(i * dim, (i + 1) * dim));
    let hits = 0;
    for (let q = 0; q < queries.rows; q++) {
      const truth = new Set(Array.from(gt.data.subarray(q * gt.dim, q * gt.dim + 10), String));
      for (const hit of index.search(queries.data.subarray(q * dim, (q + 1) * dim), 10, { ef: 64 })) {
        if (truth.has(hit.id)) hits++;
      }
    }
    expect(hits / (queries.rows * 10)).toBeGreaterThanOrEqual(0.95);
  });
});
