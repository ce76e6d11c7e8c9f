/**
 * HTTP calls from one member to another (a router asking a peer to search its partitions).
 *
 * Contract:
 * - Connections are kept alive and reused (one `http.Agent`/`https.Agent` per client, `keepAlive`),
 *   so a fan-out pays no TCP handshake per call; `close()` destroys the sockets.
 * - Every call carries the API key (`Authorization: Bearer <key>`) when one is configured: peers
 *   share the cluster's key.
 * - Every call is bounded: it is aborted after `timeoutMs` (or earlier by the caller's signal), so a
 *   hung peer (a stopped process whose socket still accepts) never holds the caller longer. The whole
 *   exchange, body included, is inside the bound.
 * - A call either resolves with the peer's parsed 2xx JSON body or rejects with a `PeerError` saying
 *   what happened (`timeout`, `network`, `status` with the peer's status and error body, `invalid`
 *   for a body that is not JSON) and whether another replica may succeed (`retriable`: everything but
 *   a 4xx other than 408/429, which would fail the same everywhere).
 */

import http from "node:http";
import https from "node:https";

export type PeerFailure = "timeout" | "network" | "status" | "invalid" | "aborted";

export class PeerError extends Error {
  readonly url: string;
  readonly failure: PeerFailure;
  readonly status: number | undefined;
  /** The peer's error body (`{"error": {...}}`) on a `status` failure. */
  readonly body: unknown;
  readonly retriable: boolean;

  constructor(url: string, failure: PeerFailure, message: string, status?: number, body?: unknown) {
    super(`peer ${url}: ${message}`);
    this.name = "PeerError";
    this.url = url;
    this.failure = failure;
    this.status = status;
    this.body = body;
    this.retriable =
      failure !== "aborted" &&
      (failure !== "status" || status === undefined || status >= 500 || status === 408 || status === 429);
  }
}

export interface PeerClientOptions {
  apiKey: string | null;
  /** Bound of one call unless the call gives its own. */
  timeoutMs: number;
  /** Open sockets per peer (default 32). */
  maxSocketsPerPeer?: number;
}

export interface CallOptions {
  timeoutMs?: number;
  /** The caller's own abort (the client request went away, or the fan-out finished). */
  signal?: AbortSignal;
}

const MAX_BODY_BYTES = 256 * 1024 * 1024;

export class PeerClient {
  readonly #options: PeerClientOptions;
  readonly #http: http.Agent;
  readonly #https: https.Agent;

  constructor(options: PeerClientOptions) {
    this.#options = options;
    const agent = { keepAlive: true, maxSockets: options.maxSocketsPerPeer ?? 32 };
    this.#http = new http.Agent(agent);
    this.#https = new https.Agent(agent);
  }

  /** POSTs `body` as JSON to `baseUrl` + `path`; the parsed 2xx answer, or a `PeerError`. */
  postJson(baseUrl: string, path: string, body: unknown, options: CallOptions = {}): Promise<unknown> {
    return this.#call("POST", new URL(relative(path), withSlash(baseUrl)), JSON.stringify(body), options);
  }

  /** GETs `baseUrl` + `path`; the parsed 2xx answer, or a `PeerError`. */
  getJson(baseUrl: string, path: string, options: CallOptions = {}): Promise<unknown> {
    return this.#call("GET", new URL(relative(path), withSlash(baseUrl)), undefined, options);
  }

  /** Open sockets to `baseUrl`'s host, for tests and the peers-up view. */
  socketsTo(baseUrl: string): number {
    const url = new URL(baseUrl);
    const agent = url.protocol === "https:" ? this.#https : this.#http;
    let n = 0;
    for (const [name, list] of Object.entries({ ...agent.sockets, ...agent.freeSockets }))
      if (name.startsWith(`${url.hostname}:${url.port}`)) n += list?.length ?? 0;
    return n;
  }

  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }

  #call(method: string, url: URL, payload: string | undefined, options: CallOptions): Promise<unknown> {
    const where = url.origin;
    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs;
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { accept: "application/json" };
      if (payload !== undefined) {
        headers["content-type"] = "application/json";
        headers["content-length"] = String(Buffer.byteLength(payload));
      }
      if (this.#options.apiKey) headers.authorization = `Bearer ${this.#options.apiKey}`;
      const lib = url.protocol === "https:" ? https : http;
      const agent = url.protocol === "https:" ? this.#https : this.#http;
      let settled = false;
      const finish = (err: PeerError | undefined, value?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        if (err) {
          req.destroy();
          reject(err);
        } else resolve(value);
      };
      const timer = setTimeout(
        () => finish(new PeerError(where, "timeout", `no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onAbort = () => finish(new PeerError(where, "aborted", "call aborted by the caller"));
      const req = lib.request(url, { method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) finish(new PeerError(where, "invalid", "answer too large"));
          else chunks.push(chunk);
        });
        res.on("error", (err) => finish(new PeerError(where, "network", err.message)));
        res.on("end", () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          } catch {
            const status = res.statusCode ?? 0;
            return finish(
              new PeerError(
                where,
                status >= 300 ? "status" : "invalid",
                `status ${status}, body not JSON`,
                status,
              ),
            );
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return finish(undefined, parsed);
          const message = (parsed as { error?: { message?: unknown } })?.error?.message;
          finish(
            new PeerError(
              where,
              "status",
              `status ${status}: ${String(message ?? "no message")}`,
              status,
              parsed,
            ),
          );
        });
      });
      req.on("error", (err) => finish(new PeerError(where, "network", err.message)));
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      req.end(payload);
    });
  }
}

function withSlash(baseUrl: string): string {
  return baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
}

/** Paths are relative to the peer's URL, so an advertised URL with a path prefix keeps it. */
function relative(path: string): string {
  return path.replace(/^\/+/, "");
}
