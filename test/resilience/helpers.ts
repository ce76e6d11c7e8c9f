/**
 * Shared pieces of the resilience tests: a kafkajs producer on the dev broker that streams a seeded
 * log, the process configuration they start vecstream with, and HTTP readers that compare what a
 * running instance holds with what the log says it must hold.
 */

import type { Message, Producer } from "kafkajs";
import type { DevBroker } from "../support/dev-broker.js";
import { connectedProducer, kafkaClient, startBrokerWithTopic } from "../support/kafka-clients.js";
import type { CleanupList } from "../support/kafka-clients.js";
import { toMessage } from "../support/seeded-log.js";
import type { ExpectedState, LogEntry } from "../support/seeded-log.js";

export interface CollectionSpec {
  name: string;
  topic: string;
  dim: number;
}

/** A process configuration for tests: small batches, quiet probes, snapshots only when asked. */
export function processConfig(
  broker: DevBroker,
  spec: CollectionSpec,
  overrides: { snapshots?: Record<string, number>; kafka?: Record<string, unknown> } = {},
): Record<string, unknown> {
  return {
    logLevel: "info",
    kafka: {
      brokers: broker.bootstrap,
      groupId: `${spec.name}-group`,
      // The mock makes a new member wait sessionTimeout - 1 s for one that died without leaving.
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
      connectionTimeoutMs: 1000,
      ...overrides.kafka,
    },
    pipeline: { batchMaxMessages: 200, batchMaxMs: 5, highWaterMark: 4000, lowWaterMark: 400 },
    snapshots: { intervalMs: 3_600_000, everyMessages: 1_000_000, keep: 2, ...overrides.snapshots },
    quality: { recallProbeIntervalMs: 3_600_000, lidIntervalMs: 3_600_000 },
    collections: [
      { name: spec.name, topic: spec.topic, dim: spec.dim, metric: "l2", M: 8, efConstruction: 64, ef: 64 },
    ],
  };
}

/**
 * Starts a dev broker with the collection's topic and its `.dlq` (one partition each) and connects a
 * producer to it; both are stopped at cleanup. The producer retries longer than the tests' default,
 * since these tests take the broker down and inject request errors while it sends.
 */
export async function startBrokerAndProducer(
  cleanups: CleanupList,
  spec: CollectionSpec,
): Promise<{ broker: DevBroker; producer: Producer }> {
  const broker = await startBrokerWithTopic(cleanups, spec.topic);
  const retry = { retries: 30, initialRetryTime: 50, maxRetryTime: 1000 };
  const producer = await connectedProducer(kafkaClient(broker, "resilience-producer", retry), cleanups);
  return { broker, producer };
}

/**
 * Sends `entries` to partition 0 of `topic` in chunks, and returns the offset of the last one. One
 * partition keeps one total order, so a replay from offset 0 applies exactly the producer's order.
 */
export async function sendEntries(
  producer: Producer,
  topic: string,
  entries: readonly LogEntry[],
  chunk = 100,
  pauseMs = 0,
): Promise<number> {
  let last = -1;
  for (let i = 0; i < entries.length; i += chunk) {
    const part = entries.slice(i, i + chunk);
    const [result] = await producer.send({
      topic,
      acks: -1,
      messages: part.map((e) => ({ ...toMessage(e), partition: 0 })),
    });
    last = Number(result.baseOffset) + part.length - 1;
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
  return last;
}

/** Sends raw messages to partition 0 of `topic` in one request; returns the offset of the last one. */
export async function sendMessages(
  producer: Producer,
  topic: string,
  messages: readonly Message[],
): Promise<number> {
  const [result] = await producer.send({
    topic,
    acks: -1,
    messages: messages.map((m) => ({ ...m, partition: 0 })),
  });
  return Number(result.baseOffset) + messages.length - 1;
}

export interface Hit {
  id: string;
  distance: number;
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Waits (read-your-writes) until partition 0 applied `offset`. */
export async function waitApplied(
  url: string,
  collection: string,
  dim: number,
  offset: number,
): Promise<void> {
  const res = await postJson(`${url}/collections/${collection}/search`, {
    vector: new Array<number>(dim).fill(0),
    k: 1,
    min_offsets: { "0": offset },
    timeout_ms: 60_000,
  });
  if (res.status !== 200) throw new Error(`read-your-writes wait failed: ${JSON.stringify(res.body)}`);
}

export async function search(url: string, collection: string, vector: number[], k: number): Promise<Hit[]> {
  const res = await postJson(`${url}/collections/${collection}/search`, { vector, k, with_payload: false });
  if (res.status !== 200) throw new Error(`search answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.result as Hit[];
}

export interface StateMismatch {
  id: string;
  problem: string;
}

/**
 * Reads every id of `idSpace` through `GET /points/:id` and compares with `expected`: a live id must
 * return exactly its vector and payload, any other id (deleted or never written) a 404.
 */
export async function compareWithExpected(
  url: string,
  collection: string,
  ids: readonly string[],
  expected: ExpectedState,
): Promise<StateMismatch[]> {
  const problems: StateMismatch[] = [];
  const check = async (id: string) => {
    const res = await fetch(`${url}/collections/${collection}/points/${encodeURIComponent(id)}`);
    const body = (await res.json()) as { result?: { vector: number[]; payload: unknown } };
    const want = expected.live.get(id);
    if (!want) {
      if (res.status !== 404) {
        const what = expected.deletedIds.has(id) ? "a deleted id is back" : "an id never written exists";
        problems.push({ id, problem: `${what} (status ${res.status})` });
      }
      return;
    }
    if (res.status !== 200) problems.push({ id, problem: `live id answered ${res.status}` });
    else if (!sameVector(body.result!.vector, want.vector))
      problems.push({
        id,
        problem: `vector ${JSON.stringify(body.result!.vector)} != ${JSON.stringify(want.vector)}`,
      });
    else if (JSON.stringify(body.result!.payload) !== JSON.stringify(want.payload))
      problems.push({
        id,
        problem: `payload ${JSON.stringify(body.result!.payload)} != ${JSON.stringify(want.payload)}`,
      });
  };
  for (let i = 0; i < ids.length; i += 32) await Promise.all(ids.slice(i, i + 32).map(check));
  return problems;
}

function sameVector(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Reads one sample value from Prometheus text (`name{labels} value`), summing every matching line. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  let found = false;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
    found = true;
  }
  return found ? sum : Number.NaN;
}

export async function metrics(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/** Exact k nearest ids (l2) over the expected live points: the ground truth for recall. */
export function exactNeighbours(expected: ExpectedState, query: readonly number[], k: number): string[] {
  const scored = [...expected.live].map(([id, p]) => {
    let d = 0;
    for (let i = 0; i < query.length; i++) d += (p.vector[i] - query[i]) ** 2;
    return { id, d };
  });
  scored.sort((a, b) => a.d - b.d || (a.id < b.id ? -1 : 1));
  return scored.slice(0, k).map((s) => s.id);
}
