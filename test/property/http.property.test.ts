/**
 * Property tests of every HTTP body and path parameter, against one in-process app (`listen(0)`, a
 * BruteForceIndex collection of dim 3 holding a few points, no Kafka). Whatever arrives, the answer is
 * a 200 or a 4xx whose JSON error names what is wrong, never a 500, and no built-in prototype changes.
 *
 * Generated cases: 1000 + 1000 + 500 + 300 + 300 + 50 + 100 + 300 + 300 + 300 = 4150 requests.
 */

import fc from "fast-check";
import type { Arbitrary } from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { get, post, serve } from "../http/helpers.js";
import type { TestServer } from "../http/helpers.js";
import { HOSTILE_KEYS } from "./arbitraries.js";
import { expectPrototypesIntact, prototypeFingerprint } from "./prototypes.js";

const SEED = Number(process.env.VECSTREAM_PROPERTY_SEED ?? 20261127);
const DIM = 3;
const POINTS = 5;
let server: TestServer;
const before = prototypeFingerprint();

beforeAll(async () => {
  server = await serve();
  await server.collection.apply(
    Array.from({ length: POINTS }, (_, i) => ({
      kind: "upsert" as const,
      id: `p${i}`,
      vector: new Float32Array([i, 1, 0]),
      payload: { i, tag: i % 2 === 0 ? "even" : "odd" },
      partition: 0,
      offset: i,
      timestampMs: 0,
    })),
  );
});
afterAll(() => server?.close());
afterEach(() => expectPrototypesIntact(before));

type Reply = Awaited<ReturnType<typeof post>>;

/** The contract of every answer: 200, or a 4xx with a coded, explained JSON error. */
function expectWellFormed(reply: Reply): void {
  expect(reply.status === 200 || (reply.status >= 400 && reply.status < 500), JSON.stringify(reply)).toBe(
    true,
  );
  if (reply.status === 200) return;
  expect(typeof reply.body.error?.code).toBe("string");
  expect(reply.body.error.message.length).toBeGreaterThan(0);
}

const searchUrl = () => `${server.url}/collections/demo/search`;
const batchUrl = () => `${server.url}/collections/demo/search/batch`;

const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
const validSearch = fc.record(
  {
    vector: fc.array(finite, { minLength: DIM, maxLength: DIM }),
    k: fc.integer({ min: 1, max: 20 }),
    ef: fc.integer({ min: 1, max: 100 }),
    with_payload: fc.boolean(),
    with_vector: fc.boolean(),
    filter: fc.dictionary(
      fc.constantFrom("tag", "i", ...HOSTILE_KEYS),
      fc.oneof(fc.string({ maxLength: 5 }), fc.integer({ min: 0, max: 6 }), fc.boolean(), fc.constant(null)),
      { maxKeys: 2 },
    ),
  },
  { requiredKeys: ["vector"] },
);

/** A value of any JSON type; used to replace a field with something of the wrong type. */
const anyJson = fc.jsonValue({ maxDepth: 3 });

/** Keys a search body might carry, hostile ones included, each with any value. */
const searchLike: Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.constantFrom(
    "vector",
    "k",
    "ef",
    "min_offsets",
    "timeout_ms",
    "with_payload",
    "with_vector",
    "filter",
    ...HOSTILE_KEYS,
  ),
  fc.oneof(anyJson, fc.array(fc.oneof(finite, anyJson), { maxLength: 6 })),
  { maxKeys: 6 },
);

/** JSON text where `__proto__` and friends are real keys (JSON.stringify of an object literal drops them). */
const hostileText = fc
  .array(fc.tuple(fc.constantFrom(...HOSTILE_KEYS, "vector", "filter"), anyJson), {
    minLength: 1,
    maxLength: 4,
  })
  .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`);

describe("POST /collections/:name/search under generated bodies", () => {
  it("answers any JSON value with a 200 or an explained 4xx, never a 500", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson, searchLike), async (body) =>
        expectWellFormed(await post(searchUrl(), JSON.stringify(body))),
      ),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it("answers any batch body with a 200 or an explained 4xx, never a 500", async () => {
    const batch = fc.oneof(
      anyJson,
      fc.record({
        searches: fc.oneof(anyJson, fc.array(fc.oneof(searchLike, validSearch), { maxLength: 4 })),
      }),
    );
    await fc.assert(
      fc.asyncProperty(batch, async (body) => expectWellFormed(await post(batchUrl(), JSON.stringify(body)))),
      { seed: SEED + 1, numRuns: 1000 },
    );
  });

  it("refuses a field of the wrong type with a 400 that names the field", async () => {
    const wrong: Record<string, Arbitrary<unknown>> = {
      vector: fc.oneof(
        fc.string(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.string(), { minLength: 1, maxLength: 3 }),
      ),
      k: fc.oneof(
        fc.string(),
        fc.boolean(),
        fc.constant(null),
        fc.constantFrom(0, -1, 1.5, 1e9),
        fc.array(fc.integer(), { maxLength: 2 }),
      ),
      ef: fc.oneof(
        fc.string(),
        fc.boolean(),
        fc.constantFrom(0, -3, 2.5),
        fc.dictionary(fc.string(), fc.integer()),
      ),
      timeout_ms: fc.oneof(fc.string(), fc.constantFrom(-1, 1e12, 0.5)),
      with_payload: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      filter: fc.oneof(
        fc.string(),
        fc.integer(),
        fc.array(fc.integer(), { minLength: 1, maxLength: 2 }),
        fc.constant({ tag: { nested: 1 } }),
      ),
      min_offsets: fc.oneof(
        fc.string(),
        fc.constant({ x: 1 }),
        fc.constant({ "0": -1 }),
        fc.constant({ "0": "5" }),
      ),
    };
    const field = fc.constantFrom(...Object.keys(wrong));
    await fc.assert(
      fc.asyncProperty(
        validSearch,
        field.chain((f) => fc.tuple(fc.constant(f), wrong[f])),
        async (body, [name, value]) => {
          const reply = await post(searchUrl(), JSON.stringify({ ...body, [name]: value }));
          expect(reply.status).toBe(400);
          expect(reply.body.error.message).toContain(name);
        },
      ),
      { seed: SEED + 2, numRuns: 500 },
    );
  });

  it("refuses a vector of the wrong dimension with a 400 naming both dimensions", async () => {
    const vector = fc.array(finite, { maxLength: 40 }).filter((v) => v.length !== DIM);
    await fc.assert(
      fc.asyncProperty(vector, async (v) => {
        const reply = await post(searchUrl(), { vector: v, k: 1 });
        expect(reply.status).toBe(400);
        expect(reply.body.error.code).toBe("DIMENSION_MISMATCH");
        expect(reply.body.error.message).toContain(`has ${v.length} dimensions`);
        expect(reply.body.error.message).toContain(String(DIM));
      }),
      { seed: SEED + 3, numRuns: 300 },
    );
  });

  it("refuses NaN, Infinity and out-of-range numbers in a vector with a 400", async () => {
    const bad = fc.constantFrom("NaN", "Infinity", "-Infinity", "1e400", "-1e999", '"NaN"', "null");
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: DIM - 1 }), bad, async (at, text) => {
        const parts = ["0.5", "1", "2"];
        parts[at] = text;
        const reply = await post(searchUrl(), `{"vector":[${parts.join(",")}],"k":2}`);
        expect(reply.status).toBe(400);
        expect(reply.body.error.message.length).toBeGreaterThan(0);
      }),
      { seed: SEED + 4, numRuns: 300 },
    );
  });

  it("refuses a body over the limit with a 413 that states the limit", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 5000, max: 200_000 }), async (n) => {
        const reply = await post(searchUrl(), `{"vector":[${new Array<string>(n).fill("1").join(",")}]}`);
        expect(reply.status).toBe(413);
        expect(reply.body.error.code).toBe("BODY_TOO_LARGE");
        expect(reply.body.error.message).toContain("4096");
      }),
      { seed: SEED + 5, numRuns: 50 },
    );
  });

  it("answers deeply nested JSON in any field with an explained 4xx", async () => {
    const field = fc.constantFrom("vector", "k", "filter", "min_offsets", "searches", "__proto__");
    await fc.assert(
      fc.asyncProperty(
        field,
        fc.integer({ min: 1, max: 2000 }),
        fc.constantFrom("[", '{"a":'),
        async (name, depth, open) => {
          const close = open === "[" ? "]" : "}";
          const reply = await post(searchUrl(), `{"${name}":${open.repeat(depth)}1${close.repeat(depth)}}`);
          expect(reply.status >= 400 && reply.status < 500).toBe(true);
          expectWellFormed(reply);
        },
      ),
      { seed: SEED + 6, numRuns: 100 },
    );
  });

  it("answers random bytes sent as JSON with a 400 or 413", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (bytes) => {
        const res = await fetch(searchUrl(), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: Buffer.from(bytes),
        });
        const reply = { status: res.status, body: (await res.json()) as Reply["body"] };
        expect([400, 413]).toContain(reply.status);
        expectWellFormed(reply);
      }),
      { seed: SEED + 7, numRuns: 300 },
    );
  });

  it("treats __proto__ and constructor keys as plain data: refused at the top level, inert in a filter", async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, fc.constantFrom("top", "filter"), async (text, where) => {
        const body = where === "top" ? text : `{"vector":[1,1,0],"filter":${text}}`;
        const reply = await post(searchUrl(), body);
        expectWellFormed(reply);
        if (where === "top" && /"(__proto__|constructor|prototype|toString|hasOwnProperty)"/.test(text)) {
          expect(reply.status).toBe(400);
        }
      }),
      { seed: SEED + 8, numRuns: 300 },
    );
  });
});

describe("GET paths under generated parameters", () => {
  it("answers any point id and collection name with a 200, 404 or explained 4xx", async () => {
    const segment = fc.oneof(
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }),
      fc.constantFrom(...HOSTILE_KEYS, "p1", "demo"),
    );
    await fc.assert(
      fc.asyncProperty(segment, segment, async (collection, id) => {
        const reply = await get(
          `${server.url}/collections/${encodeURIComponent(collection)}/points/${encodeURIComponent(id)}`,
        );
        expectWellFormed(reply as Reply);
        if (collection !== "demo") expect(reply.status).toBe(404);
        else if (/^p[0-4]$/.test(id)) expect(reply.body.result.id).toBe(id);
        else expect(reply.body.error?.code).toBe("POINT_NOT_FOUND");
      }),
      { seed: SEED + 9, numRuns: 300 },
    );
  });

  it("answers every valid search with min(k, points) hits sorted by distance", async () => {
    await fc.assert(
      fc.asyncProperty(validSearch, async (body) => {
        const reply = await post(searchUrl(), { ...body, filter: undefined });
        expect(reply.status).toBe(200);
        const hits = reply.body.result as { distance: number }[];
        expect(hits).toHaveLength(Math.min(body.k ?? 10, POINTS));
        for (let i = 1; i < hits.length; i++)
          expect(hits[i].distance).toBeGreaterThanOrEqual(hits[i - 1].distance);
      }),
      { seed: SEED + 10, numRuns: 300 },
    );
  });
});
