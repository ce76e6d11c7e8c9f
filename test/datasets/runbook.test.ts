import { existsSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { DatasetError, parseRunbook, readRunbook, readStreamingGtIndex } from "../../src/datasets/index.js";
import { DATA_DIR, codeOf } from "./helpers.js";

const RUNBOOKS = join(DATA_DIR, "runbooks");
const STREAMING_GT = join(DATA_DIR, "siftsmall", "streaming-gt");

const sample = `
tiny:
  max_pts: 100
  2:
    operation: "search"
  1:
    operation: "insert"
    start: 0
    end: 50
  3:
    operation: "replace"
    tags_start: 0
    tags_end: 10
    ids_start: 50
    ids_end: 60
  4:
    operation: "delete"
    start: 10
    end: 20
  gt_url: "https://example.invalid/tiny"
other:
  max_pts: 5
`;

describe("parseRunbook", () => {
  it("returns the steps of the requested key in step order with camel-cased ranges", () => {
    const runbook = parseRunbook(sample, "tiny");
    expect(runbook.maxPts).toBe(100);
    expect(runbook.gtUrl).toBe("https://example.invalid/tiny");
    expect(runbook.steps).toEqual([
      { step: 1, operation: "insert", start: 0, end: 50 },
      { step: 2, operation: "search" },
      { step: 3, operation: "replace", tagsStart: 0, tagsEnd: 10, idsStart: 50, idsEnd: 60 },
      { step: 4, operation: "delete", start: 10, end: 20 },
    ]);
  });

  it("rejects a dataset key the file does not have, listing the ones it has", () => {
    try {
      parseRunbook(sample, "missing");
      expect.unreachable("parseRunbook accepted an unknown key");
    } catch (error) {
      expect(error).toBeInstanceOf(DatasetError);
      expect((error as DatasetError).code).toBe("UNKNOWN_DATASET_KEY");
      expect((error as DatasetError).details.available).toEqual(["tiny", "other"]);
    }
  });

  it("rejects an empty range and replace ranges of different lengths", () => {
    const wrap = (step: string) => `k:\n  max_pts: 10\n  1:\n${step}`;
    const insert = (s: number, e: number) => `    operation: insert\n    start: ${s}\n    end: ${e}\n`;
    expect(codeOf(() => parseRunbook(wrap(insert(5, 5)), "k"))).toBe("INVALID_RUNBOOK");
    const replace =
      "    operation: replace\n    tags_start: 0\n    tags_end: 2\n    ids_start: 4\n    ids_end: 7\n";
    expect(codeOf(() => parseRunbook(wrap(replace), "k"))).toBe("INVALID_RUNBOOK");
    // max_pts bounds live points, not ids: the real delete runbook inserts ids beyond it.
    expect(codeOf(() => parseRunbook(wrap(insert(0, 20)), "k"))).toBeUndefined();
  });

  it("rejects an unknown operation, a negative id and text that is not YAML", () => {
    expect(codeOf(() => parseRunbook("k:\n  max_pts: 10\n  1:\n    operation: compact\n", "k"))).toBe(
      "INVALID_RUNBOOK",
    );
    expect(
      codeOf(() =>
        parseRunbook("k:\n  max_pts: 10\n  1:\n    operation: delete\n    start: -1\n    end: 2\n", "k"),
      ),
    ).toBe("INVALID_RUNBOOK");
    expect(codeOf(() => parseRunbook("k: [unclosed", "k"))).toBe("INVALID_RUNBOOK");
  });
});

describe.skipIf(!existsSync(RUNBOOKS))("the real runbooks (skipped: ../shared/data/runbooks absent)", () => {
  it("parses simple_runbook for random-xs as insert, search, delete, search, insert, search", () => {
    const runbook = readRunbook(join(RUNBOOKS, "simple_runbook.yaml"), "random-xs");
    expect(runbook.maxPts).toBe(10_000);
    expect(runbook.steps.map((s) => s.operation)).toEqual([
      "insert",
      "search",
      "delete",
      "search",
      "insert",
      "search",
    ]);
    expect(runbook.steps[0]).toEqual({ step: 1, operation: "insert", start: 0, end: 10_000 });
  });

  it("parses the replace steps of simple_replace_runbook", () => {
    const runbook = readRunbook(join(RUNBOOKS, "simple_replace_runbook.yaml"), "random-xs");
    expect(runbook.steps[2]).toEqual({
      step: 3,
      operation: "replace",
      tagsStart: 0,
      tagsEnd: 2500,
      idsStart: 7500,
      idsEnd: 10_000,
    });
  });

  it.skipIf(!existsSync(join(STREAMING_GT, "delete_runbook")))(
    "finds in delete_runbook exactly the search steps its streaming ground truth lists",
    () => {
      const runbook = readRunbook(join(RUNBOOKS, "delete_runbook.yaml"), "random-xs-clustered");
      const gtIndex = readStreamingGtIndex(join(STREAMING_GT, "delete_runbook"));
      expect(runbook.maxPts).toBe(gtIndex.maxPts);
      const searches = runbook.steps.filter((s) => s.operation === "search").map((s) => s.step);
      expect(searches).toEqual(gtIndex.steps.map((s) => s.step));
    },
  );
});
