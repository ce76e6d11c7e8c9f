/** Builds an app over real collections (BruteForceIndex) and serves it on an ephemeral port. */

import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { Collection } from "../../src/collection/collection.js";
import type { CollectionConfig, Config } from "../../src/config.js";
import { createApp } from "../../src/http/app.js";
import type { CollectionStatus } from "../../src/http/view.js";
import { BruteForceIndex } from "../../src/index/brute-force-index.js";
import { createLogger } from "../../src/logger.js";
import { Metrics } from "../../src/metrics.js";

export const demoConfig: CollectionConfig = {
  name: "demo",
  topic: "vecstream.demo",
  dlqTopic: "vecstream.demo.dlq",
  dim: 3,
  metric: "l2",
  M: 8,
  efConstruction: 50,
  ef: 16,
  seed: 1,
};

export const httpDefaults: Config["http"] = {
  host: "127.0.0.1",
  port: 0,
  bodyLimitBytes: 4096,
  apiKey: null,
  protectMetrics: false,
  protectHealth: false,
};

export interface TestServer {
  url: string;
  collection: Collection;
  metrics: Metrics;
  statuses: Map<string, CollectionStatus>;
  close(): Promise<void>;
}

export async function serve(http: Partial<Config["http"]> = {}): Promise<TestServer> {
  const metrics = new Metrics(new Registry(), { defaultMetrics: false });
  const collection = new Collection({
    config: demoConfig,
    index: new BruteForceIndex({ dim: 3, metric: "l2" }),
    applySliceMs: 4,
  });
  const collections = new Map([[collection.name, collection]]);
  const statuses = new Map<string, CollectionStatus>([["demo", "ready"]]);
  metrics.watchCollections(() => collections.values());
  const app = createApp({
    view: { collections, status: (n) => statuses.get(n) ?? "ready" },
    metrics,
    logger: createLogger("silent"),
    http: { ...httpDefaults, ...http },
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    collection,
    metrics,
    statuses,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// Response bodies are read loosely: each test asserts the shape it cares about.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, Any> };
}

export async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body: Record<string, Any>;
  try {
    body = JSON.parse(text);
  } catch {
    body = { text };
  }
  return { status: res.status, body };
}
