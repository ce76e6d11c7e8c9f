/**
 * End to end: vecstream fed by the dev broker, scraped by a real Prometheus, queried like Grafana.
 *
 * Proves that the dashboard works on first start: every PromQL expression of every dashboard returns
 * at least one series once the service has ingested (with some bad messages) and served searches,
 * the variables' label_values queries find their labels, every alert rule evaluates without error on
 * live data (and the dead-letter alert fires), and the documented metric list equals what /metrics
 * exports. The service runs as a child (`node --import tsx src/main.ts`) with a generated config.
 */

import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import type { Message, Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SeededRandom } from "../../src/index/random.js";
import type { DevBroker } from "../support/dev-broker.js";
import { devBrokerUnavailableReason, isDevBrokerAvailable, startDevBroker } from "../support/dev-broker.js";
import {
  ROOT,
  baseMetricName,
  dashboardFiles,
  dashboardQueries,
  documentedMetrics,
  metricsDocument,
  substituteVariables,
  variableQueries,
} from "./monitoring-files.js";
import type { Child, Prometheus } from "./prometheus-harness.js";
import {
  freePort,
  isPrometheusInstalled,
  startChild,
  startPrometheus,
  waitFor,
} from "./prometheus-harness.js";

const serviceExists = existsSync(`${ROOT}src/main.ts`);
const TOPIC = "e2e.vectors";
const DIM = 8;
const COLLECTION = "e2e";
/** Range of rate()/increase() in the evaluated queries: about 30 scrapes at the 1 s interval. */
const WINDOW = "30s";

const queries = dashboardFiles().flatMap((f) => dashboardQueries(f));

describe.skipIf(!serviceExists)("monitoring against a real Prometheus (needs src/main.ts)", () => {
  const random = new SeededRandom(2024);
  const vector = () => Array.from({ length: DIM }, () => random.nextGaussian());
  let broker: DevBroker | undefined;
  let service: Child | undefined;
  let prometheus: Prometheus | undefined;
  let producer: Producer | undefined;
  let dataDir = "";
  let base = "";
  let traffic: NodeJS.Timeout | undefined;

  const search = (body: unknown, path = `/collections/${COLLECTION}/search`) =>
    fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    if (!isPrometheusInstalled())
      throw new Error("prometheus is not installed: run `bash scripts/setup.sh` as root");
    if (!isDevBrokerAvailable()) throw new Error(devBrokerUnavailableReason());
    broker = await startDevBroker({
      topics: [
        { name: TOPIC, partitions: 2 },
        { name: `${TOPIC}.dlq`, partitions: 1 },
      ],
    });
    dataDir = mkdtempSync(join(tmpdir(), "vecstream-e2e-"));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dataDir, "config.json"),
      JSON.stringify(serviceConfig(broker.bootstrap, port, dataDir)),
    );
    service = startChild(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: ROOT,
      env: { ...process.env, VECSTREAM_CONFIG: join(dataDir, "config.json") },
    });
    await waitFor("vecstream to be ready", 90_000, async () => {
      if (service!.process.exitCode !== null) throw new Error(`vecstream exited: ${service!.output()}`);
      return (await fetch(`${base}/readyz`)).ok ? true : undefined;
    });
    prometheus = await startPrometheus({
      targets: [`127.0.0.1:${port}`],
      ruleFiles: [`${ROOT}config/prometheus/alerts.yml`],
    });
    producer = new Kafka({
      clientId: "e2e-producer",
      brokers: broker.bootstrap,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    await drive(producer);
    // Keep traffic flowing while Prometheus scrapes, so rate() and the quantiles have fresh samples.
    let n = 0;
    traffic = setInterval(() => {
      void search({ vector: vector(), k: 5 }).catch(() => {});
      void producer?.send({ topic: TOPIC, messages: [upsert(`live-${n++ % 20}`)] }).catch(() => {});
    }, 300);
    await waitFor("every dashboard query to return series", 90_000, async () =>
      (await emptyQueries(prometheus!)).length === 0 ? true : undefined,
    ).catch(() => {}); // the tests below report which panels stayed empty
  }, 300_000);

  afterAll(async () => {
    if (traffic) clearInterval(traffic);
    await producer?.disconnect().catch(() => {});
    await prometheus?.stop();
    await service?.stop();
    await broker?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  function upsert(id: string): Message {
    return { key: id, value: JSON.stringify({ vector: vector(), payload: { n: id } }) };
  }

  async function drive(p: Producer): Promise<void> {
    const upserts = Array.from({ length: 300 }, (_, i) => upsert(`p${i}`));
    await p.send({ topic: TOPIC, messages: upserts });
    await p.send({
      topic: TOPIC,
      messages: Array.from({ length: 10 }, (_, i) => ({ key: `p${i}`, value: null })),
    });
    await p.send({
      topic: TOPIC,
      messages: [
        { key: "bad-json", value: "{not json" },
        { key: "short", value: JSON.stringify({ vector: [1, 2] }) },
        { key: null, value: JSON.stringify({ vector: vector() }) },
        { key: "nan", value: JSON.stringify({ vector: [1, 2, 3, 4, 5, 6, 7, "x"] }) },
      ],
    });
    await waitFor("the upserts to be searchable", 60_000, async () => {
      const response = await fetch(`${base}/collections/${COLLECTION}/points/p299`);
      return response.ok ? true : undefined;
    });
    for (let i = 0; i < 30; i++) expect((await search({ vector: vector(), k: 5 })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await search({ vector: [1, 2], k: 5 })).status).toBe(400);
    const batch = {
      searches: [
        { vector: vector(), k: 3 },
        { vector: vector(), k: 3 },
      ],
    };
    expect((await search(batch, `/collections/${COLLECTION}/search/batch`)).status).toBe(200);
    expect((await search({ vector: vector(), k: 5 }, "/collections/nope/search")).status).toBe(404);
  }

  it("returns at least one series for every query of every dashboard panel", async () => {
    const empty = await emptyQueries(prometheus!);
    expect(
      empty,
      `panels whose query returned no series:\n${empty.join("\n")}\n${service!.output()}`,
    ).toEqual([]);
  });

  it("exports a recall estimate and a LID estimate from the quality prober", async () => {
    const [recall] = await prometheus!.query(`vecstream_recall_estimate{collection="${COLLECTION}"}`);
    const [lid] = await prometheus!.query(`vecstream_lid_estimate{collection="${COLLECTION}"}`);
    // 300 Gaussian points in 8 dimensions, M = 8, ef = 16: the graph finds nearly all neighbours.
    expect(Number(recall.value[1])).toBeGreaterThan(0.5);
    expect(Number(recall.value[1])).toBeLessThanOrEqual(1);
    expect(Number(lid.value[1])).toBeGreaterThan(1);
  });

  it("finds the labels the dashboard variables list", async () => {
    for (const v of dashboardFiles().flatMap((f) => variableQueries(f))) {
      const series = await prometheus!.query(substituteVariables(v.selector));
      expect(
        series.map((s) => s.metric[v.label]).filter(Boolean).length,
        `variable ${v.name}`,
      ).toBeGreaterThan(0);
    }
    const collections = await prometheus!.query("vecstream_points");
    expect(collections.map((s) => s.metric.collection)).toContain(COLLECTION);
  });

  it("exports exactly the vecstream metrics the metric list documents", async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const exported = new Set(
      [...text.matchAll(/^# TYPE (vecstream_\S+) \S+$/gm)].map((m) => baseMetricName(m[1])),
    );
    const documented = new Set(documentedMetrics());
    const where = metricsDocument().path;
    expect(
      [...exported].filter((m) => !documented.has(m)),
      `exported but missing from ${where}`,
    ).toEqual([]);
    expect(
      [...documented].filter((m) => !exported.has(m)),
      `listed in ${where} but not exported`,
    ).toEqual([]);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
  });

  it("evaluates every alert rule on live data without error, and fires the dead-letter alert", async () => {
    const rules = await waitFor("a rule evaluation", 30_000, async () => {
      const data = await prometheus!.api<{
        groups: { rules: { name: string; health: string; lastError?: string }[] }[];
      }>("/api/v1/rules");
      const all = data.groups.flatMap((g) => g.rules);
      return all.every((r) => r.health !== "unknown") ? all : undefined;
    });
    expect(rules.filter((r) => r.health !== "ok").map((r) => `${r.name}: ${r.lastError}`)).toEqual([]);
    // Rules run every second; the first evaluation after the dead-letter series appeared fires it.
    const firing = await waitFor("the dead-letter alert", 30_000, async () => {
      const data = await prometheus!.api<{ alerts: { labels: Record<string, string>; state: string }[] }>(
        "/api/v1/alerts",
      );
      const found = data.alerts.filter(
        (a) => a.labels.alertname === "VecstreamDeadLetters" && a.state === "firing",
      );
      return found.length > 0 ? found : undefined;
    });
    expect(firing.map((a) => a.labels.collection)).toContain(COLLECTION);
  });
});

/** Dashboard queries (panel title and refId) that Prometheus answers with no series at all. */
async function emptyQueries(prometheus: Prometheus): Promise<string[]> {
  const empty: string[] = [];
  for (const q of queries) {
    const expr = substituteVariables(q.expr, WINDOW);
    const series = await prometheus.query(expr).catch((error: Error) => {
      empty.push(`${q.dashboard} / "${q.panel}" (${q.refId}): ${error.message}`);
      return undefined;
    });
    if (series?.length === 0) empty.push(`${q.dashboard} / "${q.panel}" (${q.refId}): ${expr}`);
  }
  return empty;
}

function serviceConfig(brokers: string[], port: number, dataDir: string): unknown {
  return {
    logLevel: "warn",
    kafka: { brokers, clientId: "vecstream-e2e", groupId: `vecstream-e2e-${process.pid}` },
    http: { host: "127.0.0.1", port },
    dataDir: join(dataDir, "data"),
    snapshots: { intervalMs: 1000, everyMessages: 100, keep: 2 },
    quality: {
      recallProbeIntervalMs: 500,
      recallProbeQueries: 8,
      recallK: 5,
      lidIntervalMs: 500,
      lidSampleSize: 20,
      lidK: 5,
    },
    collections: [
      { name: COLLECTION, topic: TOPIC, dim: DIM, metric: "l2", M: 8, efConstruction: 32, ef: 16 },
    ],
  };
}
