/**
 * The peer client against real loopback HTTP servers: connections reused, the API key carried,
 * a hung peer cut off by the timeout, and each failure told apart (retriable or not).
 */

import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { PeerClient, PeerError } from "../../src/cluster/peer-client.js";

const servers: http.Server[] = [];
const clients: PeerClient[] = [];

async function serve(handler: http.RequestListener): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(handler);
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function client(options: Partial<ConstructorParameters<typeof PeerClient>[0]> = {}): PeerClient {
  const c = new PeerClient({ apiKey: null, timeoutMs: 2000, ...options });
  clients.push(c);
  return c;
}

async function failure(call: Promise<unknown>): Promise<PeerError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PeerError);
  return err as PeerError;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

describe("PeerClient", () => {
  it("reuses one connection for calls made one after another, and carries the API key", async () => {
    let connections = 0;
    const seen: (string | undefined)[] = [];
    const { url, server } = await serve((req, res) => {
      seen.push(req.headers.authorization);
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ echo: JSON.parse(body), path: req.url }));
      });
    });
    server.on("connection", () => connections++);
    const peer = client({ apiKey: "s3cret" });
    for (let i = 0; i < 5; i++) {
      expect(await peer.postJson(url, "/collections/c/search", { i })).toEqual({
        echo: { i },
        path: "/collections/c/search",
      });
    }
    expect(connections).toBe(1);
    expect(seen).toEqual(Array(5).fill("Bearer s3cret"));
  });

  it("keeps the path prefix of a peer URL", async () => {
    const { url } = await serve((req, res) => res.end(JSON.stringify({ path: req.url })));
    expect(await client().getJson(`${url}/vs`, "/cluster")).toEqual({ path: "/vs/cluster" });
  });

  it("gives up on a peer that accepts the call and never answers, with a retriable timeout", async () => {
    const { url } = await serve(() => {
      /* hung: never answers */
    });
    const err = await failure(client({ timeoutMs: 200 }).postJson(url, "/x", {}));
    expect(err.failure).toBe("timeout");
    expect(err.retriable).toBe(true);
    expect(err.message).toContain("no answer within 200 ms");
  });

  it("gives up on a peer that sends headers and then stalls the body", async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"result": [');
    });
    expect((await failure(client({ timeoutMs: 200 }).getJson(url, "/x"))).failure).toBe("timeout");
  });

  it("reports a refused connection as a retriable network failure", async () => {
    const { url, server } = await serve(() => {});
    server.close();
    await once(server, "close");
    const err = await failure(client().getJson(url, "/x"));
    expect([err.failure, err.retriable]).toEqual(["network", true]);
  });

  it("passes a peer's error status and body on; a 5xx may succeed elsewhere, a 400 would not", async () => {
    const { url } = await serve((req, res) => {
      const status = req.url === "/bad" ? 400 : 503;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "X", message: `status was ${status}` } }));
    });
    const busy = await failure(client().getJson(url, "/busy"));
    expect([busy.failure, busy.status, busy.retriable]).toEqual(["status", 503, true]);
    expect(busy.message).toContain("status was 503");
    const bad = await failure(client().getJson(url, "/bad"));
    expect([bad.status, bad.retriable]).toEqual([400, false]);
    expect(bad.body).toEqual({ error: { code: "X", message: "status was 400" } });
  });

  it("stops a call when the caller aborts it", async () => {
    const { url } = await serve(() => {});
    const controller = new AbortController();
    const call = client().getJson(url, "/x", { signal: controller.signal });
    controller.abort();
    const err = await failure(call);
    expect([err.failure, err.retriable]).toEqual(["aborted", false]);
  });

  it("reports a 2xx answer whose body is not JSON as invalid", async () => {
    const { url } = await serve((_req, res) => res.end("plain text"));
    expect((await failure(client().getJson(url, "/x"))).failure).toBe("invalid");
  });
});
