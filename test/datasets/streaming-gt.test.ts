import { existsSync } from "node:fs";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { readGt100, readIvecs, readStreamingGtIndex } from "../../src/datasets/index.js";
import { DATA_DIR, codeOf, makeTempDir, writeBytes } from "./helpers.js";

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());

/** Encodes the gt100 layout by hand: int32 nq, int32 k, uint32 tags, float32 distances. */
function encodeGt(nq: number, k: number, tags: number[], distances: number[]): Uint8Array {
  const view = new DataView(new ArrayBuffer(8 + 8 * nq * k));
  view.setInt32(0, nq, true);
  view.setInt32(4, k, true);
  tags.forEach((t, i) => view.setUint32(8 + 4 * i, t, true));
  distances.forEach((d, i) => view.setFloat32(8 + 4 * nq * k + 4 * i, d, true));
  return new Uint8Array(view.buffer);
}

describe("readGt100", () => {
  it("returns nq, k, the tags row by row and the distances", () => {
    const tags = [7, 3, 4000000000, 0, 1, 2];
    const distances = [0.5, 1, 2, 0, 3.25, 9];
    const gt = readGt100(writeBytes(tmp.file("step2.gt100"), encodeGt(2, 3, tags, distances)));
    expect(gt.nq).toBe(2);
    expect(gt.k).toBe(3);
    expect(Array.from(gt.tags)).toEqual(tags);
    expect(Array.from(gt.distances)).toEqual(distances);
  });

  it("rejects a file whose size disagrees with its header", () => {
    const bytes = encodeGt(2, 3, [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]);
    const path = writeBytes(tmp.file("short.gt100"), bytes.subarray(0, bytes.length - 4));
    expect(codeOf(() => readGt100(path))).toBe("TRUNCATED_FILE");
  });

  it("rejects a header with a non-positive k", () => {
    const path = writeBytes(tmp.file("k0.gt100"), encodeGt(0, 0, [], []));
    expect(codeOf(() => readGt100(path))).toBe("INVALID_HEADER");
  });
});

describe("readStreamingGtIndex", () => {
  it("returns the search steps with their live point counts", () => {
    const index = {
      runbook: "x.yaml",
      runbook_dataset_key: "random-xs",
      max_pts: 10,
      num_steps: 2,
      steps: [{ step: 2, file: "step2.gt100", active_points: 10 }],
    };
    writeBytes(join(tmp.dir, "index.json"), new TextEncoder().encode(JSON.stringify(index)));
    expect(readStreamingGtIndex(tmp.dir)).toEqual({
      runbook: "x.yaml",
      datasetKey: "random-xs",
      maxPts: 10,
      numSteps: 2,
      steps: [{ step: 2, file: "step2.gt100", activePoints: 10 }],
    });
  });

  it("rejects an index whose step file names a path outside its directory", () => {
    const index = {
      runbook: "x",
      runbook_dataset_key: "k",
      max_pts: 1,
      num_steps: 1,
      steps: [] as unknown[],
    };
    index.steps.push({ step: 1, file: "../secret", active_points: 0 });
    const sub = makeTempDir();
    try {
      writeBytes(join(sub.dir, "index.json"), new TextEncoder().encode(JSON.stringify(index)));
      expect(codeOf(() => readStreamingGtIndex(sub.dir))).toBe("INVALID_GT_INDEX");
    } finally {
      sub.cleanup();
    }
  });
});

const simpleGt = join(DATA_DIR, "siftsmall", "streaming-gt", "simple_runbook");

describe.skipIf(!existsSync(simpleGt))(
  "the real streaming ground truth (skipped: streaming-gt absent)",
  () => {
    it("agrees at simple_runbook step 2, where all 10,000 points are live, with siftsmall's own top 10", () => {
      const gt = readGt100(join(simpleGt, "step2.gt100"));
      const official = readIvecs(join(DATA_DIR, "siftsmall", "siftsmall_groundtruth.ivecs"));
      expect(gt.nq).toBe(100);
      expect(gt.k).toBe(100);
      for (let q = 0; q < gt.nq; q++) {
        const ours = new Set(gt.tags.subarray(q * 100, q * 100 + 10));
        const theirs = Array.from(official.data.subarray(q * 100, q * 100 + 10));
        expect(theirs.filter((id) => ours.has(id)).length).toBe(10);
      }
    });
  },
);
