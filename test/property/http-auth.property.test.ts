/**
 * Access control (issue 5, item 6): the optional bearer API key, and `/metrics` and the health
 * endpoints protected separately. Generated Authorization headers: 400 requests.
 */

import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { get, post, serve } from "../http/helpers.js";
import type { TestServer } from "../http/helpers.js";

const SEED = Number(process.env.VECSTREAM_PROPERTY_SEED ?? 20261127);
const KEY = "s3cret-Key_0123";
const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(http: Parameters<typeof serve>[0]): Promise<TestServer> {
  const s = await serve(http);
  servers.push(s);
  return s;
}

const bearer = { authorization: `Bearer ${KEY}` };
/** What a client would send that the server must accept (scheme case-insensitive, spaces trimmed). */
const accepted = (header: string) => new RegExp(`^bearer\\s+${KEY}$`, "i").test(header.trim());

describe("the API key", () => {
  it("refuses every Authorization header but the key itself with a 401 and a WWW-Authenticate challenge", async () => {
    const s = await start({ apiKey: KEY });
    const near = fc.oneof(
      fc.stringMatching(/^[\x20-\x7e]{0,60}$/),
      fc.constantFrom(
        KEY,
        `Basic ${KEY}`,
        `Bearer ${KEY.slice(0, -1)}`,
        `Bearer ${KEY}x`,
        `Bearer ${KEY.toUpperCase()}`,
        "Bearer",
        "Bearer ",
      ),
      fc.stringMatching(/^[\x21-\x7e]{1,30}$/).map((k) => `Bearer ${k}`),
    );
    const route = fc.constantFrom("collections", "point", "search");
    await fc.assert(
      fc.asyncProperty(
        near.filter((h) => !accepted(h)),
        route,
        async (header, which) => {
          const headers = { authorization: header };
          const reply =
            which === "collections"
              ? await get(`${s.url}/collections`, headers)
              : which === "point"
                ? await get(`${s.url}/collections/demo/points/p1`, headers)
                : await post(`${s.url}/collections/demo/search`, { vector: [1, 2, 3] }, headers);
          expect(reply.status).toBe(401);
          expect(reply.body.error.code).toBe("UNAUTHORIZED");
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
    const res = await fetch(`${s.url}/collections`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
  });

  it("accepts the key with any case of the scheme and surrounding spaces", async () => {
    const s = await start({ apiKey: KEY });
    for (const header of [`Bearer ${KEY}`, `bearer ${KEY}`, `BEARER   ${KEY}`, `  Bearer ${KEY}  `]) {
      expect((await get(`${s.url}/collections`, { authorization: header })).status).toBe(200);
    }
    expect((await post(`${s.url}/collections/demo/search`, { vector: [1, 2, 3] }, bearer)).status).toBe(200);
  });

  it("leaves /metrics and the health endpoints open by default while the API is protected", async () => {
    const s = await start({ apiKey: KEY });
    expect((await get(`${s.url}/metrics`)).status).toBe(200);
    expect((await get(`${s.url}/healthz`)).status).toBe(200);
    expect((await get(`${s.url}/readyz`)).status).toBe(200);
    expect((await get(`${s.url}/collections`)).status).toBe(401);
  });

  it("protects /metrics and the health endpoints separately when configured", async () => {
    const metricsOnly = await start({ apiKey: KEY, protectMetrics: true });
    expect((await get(`${metricsOnly.url}/metrics`)).status).toBe(401);
    expect((await get(`${metricsOnly.url}/metrics`, bearer)).status).toBe(200);
    expect((await get(`${metricsOnly.url}/healthz`)).status).toBe(200);

    const healthOnly = await start({ apiKey: KEY, protectHealth: true });
    expect((await get(`${healthOnly.url}/healthz`)).status).toBe(401);
    expect((await get(`${healthOnly.url}/readyz`)).status).toBe(401);
    expect((await get(`${healthOnly.url}/readyz`, bearer)).status).toBe(200);
    expect((await get(`${healthOnly.url}/metrics`)).status).toBe(200);
  });

  it("serves everything without a key when none is configured, whatever header is sent", async () => {
    const s = await start({ apiKey: null, protectMetrics: true, protectHealth: true });
    expect((await get(`${s.url}/collections`)).status).toBe(200);
    expect((await get(`${s.url}/metrics`, { authorization: "Bearer wrong" })).status).toBe(200);
    expect((await get(`${s.url}/healthz`)).status).toBe(200);
  });
});
