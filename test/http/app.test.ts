import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MutationOp } from "../../src/collection/ops.js";
import { get, post, serve } from "./helpers.js";
import type { TestServer } from "./helpers.js";

const up = (id: string, v: number[], offset: number, payload?: Record<string, unknown>): MutationOp => ({
  kind: "upsert",
  id,
  vector: new Float32Array(v),
  payload,
  partition: 0,
  offset,
  timestampMs: Date.now(),
});

describe("HTTP API", () => {
  let s: TestServer;
  beforeEach(async () => {
    s = await serve();
    await s.collection.apply([
      up("a", [0, 0, 0], 0, { color: "red" }),
      up("b", [1, 0, 0], 1, { color: "blue" }),
      up("c", [5, 5, 5], 2),
    ]);
  });
  afterEach(() => s.close());

  it("returns the nearest points with distances and payloads", async () => {
    const r = await post(`${s.url}/collections/demo/search`, { vector: [0.9, 0, 0], k: 2 });
    expect(r.status).toBe(200);
    expect(r.body.result.map((h: { id: string }) => h.id)).toEqual(["b", "a"]);
    expect(r.body.result[0].payload).toEqual({ color: "blue" });
    expect(r.body.result[0].distance).toBeCloseTo(0.1, 5);
    expect(typeof r.body.took_ms).toBe("number");
  });

  it("omits payloads and adds vectors when asked", async () => {
    const r = await post(`${s.url}/collections/demo/search`, {
      vector: [0, 0, 0],
      k: 1,
      with_payload: false,
      with_vector: true,
    });
    expect(r.body.result).toEqual([{ id: "a", distance: 0, vector: [0, 0, 0] }]);
  });

  it("filters hits by payload equality", async () => {
    const r = await post(`${s.url}/collections/demo/search`, {
      vector: [0, 0, 0],
      filter: { color: "blue" },
    });
    expect(r.body.result.map((h: { id: string }) => h.id)).toEqual(["b"]);
  });

  it("answers a batch of searches in order", async () => {
    const r = await post(`${s.url}/collections/demo/search/batch`, {
      searches: [
        { vector: [5, 5, 5], k: 1 },
        { vector: [0, 0, 0], k: 1 },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.result.map((hits: { id: string }[]) => hits[0].id)).toEqual(["c", "a"]);
  });

  it("rejects a vector of the wrong dimension naming both dimensions", async () => {
    const r = await post(`${s.url}/collections/demo/search`, { vector: [1, 2] });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("DIMENSION_MISMATCH");
    expect(r.body.error.message).toBe("vector has 2 dimensions, collection demo has 3");
  });

  it("rejects an invalid k with a message naming the field", async () => {
    const r = await post(`${s.url}/collections/demo/search`, { vector: [1, 2, 3], k: 0 });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("INVALID_REQUEST");
    expect(r.body.error.message).toMatch(/^k: /);
  });

  it("rejects malformed JSON with 400", async () => {
    const r = await post(`${s.url}/collections/demo/search`, "{ nope");
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("INVALID_JSON");
  });

  it("asks for a JSON content type when the body is not JSON", async () => {
    const res = await fetch(`${s.url}/collections/demo/search`, { method: "POST", body: "vector=1,2,3" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain("content-type: application/json");
  });

  it("rejects a body over the limit with 413", async () => {
    const r = await post(`${s.url}/collections/demo/search`, { vector: new Array(2000).fill(0.5) });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe("BODY_TOO_LARGE");
  });

  it("answers 404 for an unknown collection and an unknown point", async () => {
    const a = await post(`${s.url}/collections/nope/search`, { vector: [0, 0, 0] });
    expect(a.status).toBe(404);
    expect(a.body.error.code).toBe("COLLECTION_NOT_FOUND");
    const b = await get(`${s.url}/collections/demo/points/zzz`);
    expect(b.status).toBe(404);
    expect(b.body.error.code).toBe("POINT_NOT_FOUND");
  });

  it("returns a stored point with its vector and payload", async () => {
    const r = await get(`${s.url}/collections/demo/points/a`);
    expect(r.body.result).toEqual({ id: "a", vector: [0, 0, 0], payload: { color: "red" } });
  });

  it("waits for min_offsets and then sees the write", async () => {
    const pending = post(`${s.url}/collections/demo/search`, {
      vector: [9, 9, 9],
      k: 1,
      min_offsets: { "0": 3 },
      timeout_ms: 10_000,
    });
    await new Promise((r) => setTimeout(r, 20));
    await s.collection.apply([up("d", [9, 9, 9], 3)]);
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.body.result[0].id).toBe("d");
  });

  it("answers 408 when min_offsets are not applied in time", async () => {
    const r = await post(`${s.url}/collections/demo/search`, {
      vector: [0, 0, 0],
      min_offsets: { "0": 99 },
      timeout_ms: 10,
    });
    expect(r.status).toBe(408);
    expect(r.body.error.code).toBe("READ_YOUR_WRITES_TIMEOUT");
    expect(r.body.error.details.pending).toEqual({ "0": { wanted: 99, applied: 2 } });
  });

  it("lists collections and describes one with its applied offsets", async () => {
    const list = await get(`${s.url}/collections`);
    expect(list.body.result.collections).toEqual([{ name: "demo", status: "ready", points: 3 }]);
    const info = await get(`${s.url}/collections/demo`);
    expect(info.body.result).toMatchObject({ name: "demo", dim: 3, points: 3, applied_offsets: { "0": 2 } });
  });

  it("answers readyz 503 with what is pending, then 200", async () => {
    s.statuses.set("demo", "catching_up");
    const a = await get(`${s.url}/readyz`);
    expect(a.status).toBe(503);
    expect(a.body.error.details.collections).toEqual({ demo: "catching_up" });
    s.statuses.set("demo", "ready");
    expect((await get(`${s.url}/readyz`)).status).toBe(200);
    expect((await get(`${s.url}/healthz`)).status).toBe(200);
  });

  it("answers 503 for searches while a collection loads its snapshot", async () => {
    s.statuses.set("demo", "loading_snapshot");
    const r = await post(`${s.url}/collections/demo/search`, { vector: [0, 0, 0] });
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe("COLLECTION_LOADING");
  });

  it("counts requests by route pattern and searches by outcome", async () => {
    await post(`${s.url}/collections/demo/search`, { vector: [0, 0, 0] });
    await post(`${s.url}/collections/demo/search`, { vector: [0] });
    await post(`${s.url}/collections/other/search`, { vector: [0] });
    const text = (await get(`${s.url}/metrics`)).body.text as string;
    expect(text).toContain(
      'vecstream_http_requests_total{method="POST",route="/collections/:name/search",status="200"} 1',
    );
    expect(text).toContain('vecstream_searches_total{collection="demo",outcome="invalid"} 1');
    expect(text).toContain('vecstream_searches_total{collection="_unknown",outcome="not_found"} 1');
    expect(text).toContain('vecstream_points{collection="demo"} 3');
  });
});

describe("HTTP API with an API key", () => {
  let s: TestServer;
  beforeEach(async () => {
    s = await serve({ apiKey: "s3cret", protectMetrics: false });
  });
  afterEach(() => s.close());

  it("refuses a request without the key and accepts it with the key", async () => {
    expect((await get(`${s.url}/collections`)).status).toBe(401);
    expect((await get(`${s.url}/collections`, { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await get(`${s.url}/collections`, { authorization: "Bearer s3cret" })).status).toBe(200);
  });

  it("leaves health and metrics open unless configured otherwise", async () => {
    expect((await get(`${s.url}/healthz`)).status).toBe(200);
    expect((await get(`${s.url}/metrics`)).status).toBe(200);
  });

  it("protects metrics and health when configured", async () => {
    const p = await serve({ apiKey: "k", protectMetrics: true, protectHealth: true });
    try {
      expect((await get(`${p.url}/metrics`)).status).toBe(401);
      expect((await get(`${p.url}/healthz`)).status).toBe(401);
      expect((await get(`${p.url}/healthz`, { authorization: "Bearer k" })).status).toBe(200);
    } finally {
      await p.close();
    }
  });
});
