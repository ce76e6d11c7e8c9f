import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ReadYourWritesTimeoutError } from "../../src/collection/partition-ledger.js";
import { ApiError, toErrorResponse } from "../../src/http/errors.js";
import { IndexError } from "../../src/index/errors.js";

describe("toErrorResponse", () => {
  it("keeps an ApiError's own status, code and details", () => {
    const r = toErrorResponse(new ApiError(404, "COLLECTION_NOT_FOUND", "no such", { collection: "x" }));
    expect(r).toEqual({
      status: 404,
      body: { error: { code: "COLLECTION_NOT_FOUND", message: "no such", details: { collection: "x" } } },
    });
  });

  it("maps a zod failure to 400 with the field path in the message", () => {
    const result = z.strictObject({ k: z.number().int().min(1) }).safeParse({ k: 0 });
    const r = toErrorResponse(result.error);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("INVALID_REQUEST");
    expect(r.body.error.message).toMatch(/^k: /);
  });

  it("maps every IndexError to 400 with its code", () => {
    const r = toErrorResponse(new IndexError("NON_FINITE_VALUE", "query[1] is NaN", { index: 1 }));
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({
      code: "NON_FINITE_VALUE",
      message: "query[1] is NaN",
      details: { index: 1 },
    });
  });

  it("maps a read-your-writes timeout to 408", () => {
    const r = toErrorResponse(
      new ReadYourWritesTimeoutError("demo", 5, { "0": { wanted: 3, applied: 1 } }, 1),
    );
    expect(r.status).toBe(408);
    expect(r.body.error.code).toBe("READ_YOUR_WRITES_TIMEOUT");
  });

  it("maps body-parser's oversize error to 413 and its parse error to 400", () => {
    const big = Object.assign(new Error("too large"), {
      type: "entity.too.large",
      status: 413,
      limit: 10,
      length: 20,
    });
    expect(toErrorResponse(big).status).toBe(413);
    const bad = Object.assign(new Error("Unexpected token"), { type: "entity.parse.failed", status: 400 });
    expect(toErrorResponse(bad).body.error.code).toBe("INVALID_JSON");
  });

  it("hides the message of an unexpected error behind a 500", () => {
    const r = toErrorResponse(new Error("secret internals"));
    expect(r.status).toBe(500);
    expect(r.body.error.message).not.toContain("secret");
  });
});
