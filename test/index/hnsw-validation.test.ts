import { describe, expect, it } from "vitest";
import { IndexError } from "../../src/index/errors.js";
import type { IndexErrorCode } from "../../src/index/errors.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import type { HnswParams } from "../../src/index/hnsw-index.js";
import { MAX_EF, MAX_ID_LENGTH, MAX_K } from "../../src/index/validation.js";

function codeOf(fn: () => unknown): IndexErrorCode | "no error" | "not an IndexError" {
  try {
    fn();
    return "no error";
  } catch (e) {
    return e instanceof IndexError ? e.code : "not an IndexError";
  }
}

function small(metric: "l2" | "cosine" = "l2"): HnswIndex {
  const index = new HnswIndex({ dim: 3, metric });
  index.upsert("a", [1, 2, 3]);
  index.upsert("b", [3, 2, 1]);
  return index;
}

describe("HnswIndex input validation", () => {
  it.each<[string, Partial<HnswParams> | null]>([
    ["dim 0", { dim: 0 }],
    ["fractional dim", { dim: 2.5 }],
    ["unknown metric", { metric: "hamming" as never }],
    ["M of 1", { M: 1 }],
    ["efConstruction 0", { efConstruction: 0 }],
    ["efSearch too large", { efSearch: MAX_EF + 1 }],
    ["negative seed", { seed: -1 }],
    ["zero initialCapacity", { initialCapacity: 0 }],
    ["negative consolidationRatio", { consolidationRatio: -0.1 }],
    ["NaN consolidationRatio", { consolidationRatio: Number.NaN }],
    ["no parameters", null],
  ])("rejects %s with INVALID_PARAMETER", (_name, change) => {
    const params =
      change === null ? (null as unknown as HnswParams) : { dim: 3, metric: "l2" as const, ...change };
    expect(codeOf(() => new HnswIndex(params))).toBe("INVALID_PARAMETER");
  });

  it("fills in the documented defaults", () => {
    expect(new HnswIndex({ dim: 3, metric: "dot" }).params).toEqual({
      dim: 3,
      metric: "dot",
      M: 16,
      efConstruction: 200,
      efSearch: 64,
      seed: 42,
      initialCapacity: 1024,
      consolidationRatio: 0.1,
    });
  });

  it.each<[string, (index: HnswIndex) => unknown, IndexErrorCode]>([
    ["a vector of the wrong dimension", (i) => i.upsert("c", [1, 2]), "DIMENSION_MISMATCH"],
    ["a vector that is not an array", (i) => i.upsert("c", 7 as never), "DIMENSION_MISMATCH"],
    ["a NaN component", (i) => i.upsert("c", [1, NaN, 3]), "NON_FINITE_VALUE"],
    ["an infinite component", (i) => i.upsert("c", [1, Infinity, 3]), "NON_FINITE_VALUE"],
    ["a value beyond float32", (i) => i.upsert("c", [1, 1e39, 3]), "NON_FINITE_VALUE"],
    ["an empty id", (i) => i.upsert("", [1, 2, 3]), "INVALID_ID"],
    ["a non-string id", (i) => i.upsert(5 as never, [1, 2, 3]), "INVALID_ID"],
    ["an over-long id", (i) => i.upsert("x".repeat(MAX_ID_LENGTH + 1), [1, 2, 3]), "INVALID_ID"],
    ["a delete of an empty id", (i) => i.delete(""), "INVALID_ID"],
    ["a query of the wrong dimension", (i) => i.search([1, 2, 3, 4], 1), "DIMENSION_MISMATCH"],
    ["a NaN query", (i) => i.search([NaN, 0, 0], 1), "NON_FINITE_VALUE"],
    ["k of 0", (i) => i.search([1, 2, 3], 0), "INVALID_K"],
    ["fractional k", (i) => i.search([1, 2, 3], 1.5), "INVALID_K"],
    ["k above the maximum", (i) => i.search([1, 2, 3], MAX_K + 1), "INVALID_K"],
    ["ef of 0", (i) => i.search([1, 2, 3], 1, { ef: 0 }), "INVALID_EF"],
    ["ef above the maximum", (i) => i.search([1, 2, 3], 1, { ef: MAX_EF + 1 }), "INVALID_EF"],
    [
      "a filter that is not a function",
      (i) => i.search([1, 2, 3], 1, { filter: 3 as never }),
      "INVALID_PARAMETER",
    ],
    ["a NaN deadline", (i) => i.search([1, 2, 3], 1, { deadline: NaN }), "INVALID_PARAMETER"],
    [
      "stats that are not an object",
      (i) => i.search([1, 2, 3], 1, { stats: 5 as never }),
      "INVALID_PARAMETER",
    ],
  ])("rejects %s with the matching code", (_name, call, code) => {
    const index = small();
    expect(codeOf(() => call(index))).toBe(code);
    expect(index.size).toBe(2);
    expect(index.search([1, 2, 3], 1)[0].id).toBe("a");
  });

  it("rejects a zero vector under cosine, for inserts and queries", () => {
    const index = small("cosine");
    expect(codeOf(() => index.upsert("z", [0, 0, 0]))).toBe("ZERO_VECTOR");
    expect(codeOf(() => index.search([0, 0, 0], 1))).toBe("ZERO_VECTOR");
    expect(index.has("z")).toBe(false);
  });

  it("refuses a search filter that calls back into the index", () => {
    const index = small();
    const call = () => index.search([1, 2, 3], 1, { filter: () => index.search([1, 2, 3], 1).length > 0 });
    expect(codeOf(call)).toBe("INVALID_PARAMETER");
    expect(index.search([1, 2, 3], 1)[0].id).toBe("a");
  });
});
