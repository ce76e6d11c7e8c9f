/**
 * Damaged snapshots: a truncated or bit-flipped snapshot file is detected, reported (log and
 * `vecstream_snapshot_load_failures_total{collection, reason}`), and skipped for the previous good one,
 * or for a full replay of the topic when none is good. A damaged file is never loaded, not even in part.
 *
 * Two levels: the snapshot store alone against seeded damage at every kind of position (fast, no
 * broker), and the whole service against the dev broker, where the recovered state must equal the
 * log's expected state exactly.
 */

import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { Collection } from "../../src/collection/collection.js";
import type { CollectionConfig } from "../../src/config.js";
import { deepMerge, loadConfig, parseConfig } from "../../src/config.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { startService } from "../../src/service.js";
import type { Service } from "../../src/service.js";
import type { SnapshotError } from "../../src/snapshot/errors.js";
import { engineCodec } from "../../src/snapshot/index-codec.js";
import { SnapshotStore } from "../../src/snapshot/store.js";
import type { MutationOp } from "../../src/collection/ops.js";
import {
  DEV_BROKER_CONSUMER_SETTINGS,
  devBrokerUnavailableReason,
  isDevBrokerAvailable,
} from "../support/dev-broker.js";
import { expectedState, generateSeededLog } from "../support/seeded-log.js";
import type { LogEntry, SeededLog } from "../support/seeded-log.js";
import {
  compareWithExpected,
  metricValue,
  processConfig,
  sendEntries,
  startBrokerAndProducer,
  waitApplied,
} from "./helpers.js";

const SEED = Number(process.env.VECSTREAM_SNAPSHOT_SEED ?? 20261127);
const DAMAGE_REASONS = [
  "checksum_mismatch",
  "corrupt_index",
  "truncated",
  "bad_magic",
  "unsupported_version",
];

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

const storeConfig: CollectionConfig = {
  name: "snap",
  topic: "snap.points",
  dlqTopic: "snap.points.dlq",
  dim: 8,
  metric: "l2",
  M: 8,
  efConstruction: 32,
  ef: 32,
  seed: 3,
};

function opsOf(entries: readonly LogEntry[], firstOffset: number): MutationOp[] {
  return entries.map((e, i) => {
    const position = { partition: 0, offset: firstOffset + i, timestampMs: 0 };
    return e.kind === "delete"
      ? { kind: "delete", id: e.id, ...position }
      : { kind: "upsert", id: e.id, vector: new Float32Array(e.vector), payload: e.payload, ...position };
  });
}

/** A comparable picture of a collection state: ids, vectors, payloads, offsets, and a few searches. */
function picture(
  index: Collection["index"],
  payloads: ReadonlyMap<string, unknown>,
  offsets: ReadonlyMap<number, number>,
) {
  const ids = [...index.ids()].sort();
  return {
    points: ids.map((id) => [id, Array.from(index.getVector(id)!), payloads.get(id) ?? null]),
    offsets: [...offsets],
    searches: [0, 1, 2].map((q) => index.search(new Array(8).fill(q / 2 - 0.5), 5)),
  };
}

describe("the snapshot store, against seeded damage", () => {
  /** Two snapshots of one collection: after the first 300 entries, then after all 600. */
  async function twoSnapshots(log: SeededLog) {
    const dir = tempDir("vecstream-snapstore-");
    const store = new SnapshotStore({ dataDir: dir, keep: 2, codec: engineCodec });
    const collection = new Collection({
      config: storeConfig,
      index: new HnswIndex({ dim: 8, metric: "l2", M: 8, efConstruction: 32, seed: 3 }),
      applySliceMs: 50,
    });
    await collection.apply(opsOf(log.entries.slice(0, 300), 0));
    await store.write(collection);
    const older = picture(collection.index, collection.payloads(), collection.appliedOffsets());
    await collection.apply(opsOf(log.entries.slice(300), 300));
    await store.write(collection);
    const files = (await store.list("snap")).map((f) => f.path);
    return { store, older, newest: files[0], oldest: files[1], pristine: files.map((p) => readFileSync(p)) };
  }

  it("skips a bit-flipped or truncated newest snapshot for the previous good one, reporting it once", async () => {
    const log = generateSeededLog({ seed: SEED, count: 600, idSpace: 200, dim: 8 });
    const { store, older, newest, oldest, pristine } = await twoSnapshots(log);
    const size = pristine[0].length;
    const damage = fc.oneof(
      fc.record({
        kind: fc.constant("flip" as const),
        at: fc.integer({ min: 0, max: size - 1 }),
        bit: fc.integer({ min: 0, max: 7 }),
      }),
      fc.record({
        kind: fc.constant("truncate" as const),
        at: fc.integer({ min: 0, max: size - 1 }),
        bit: fc.constant(0),
      }),
    );
    await fc.assert(
      fc.asyncProperty(damage, async ({ kind, at, bit }) => {
        writeFileSync(oldest, pristine[1]);
        if (kind === "flip") {
          const bytes = Buffer.from(pristine[0]);
          bytes[at] ^= 1 << bit;
          writeFileSync(newest, bytes);
        } else {
          writeFileSync(newest, pristine[0]);
          truncateSync(newest, at);
        }
        const failures: [string, SnapshotError][] = [];
        const loaded = await store.loadNewest(storeConfig, (path, err) => failures.push([path, err]));
        expect(failures.map(([p, e]) => [p, e.code.toLowerCase()])).toEqual([
          [newest, expect.toBeOneOf(DAMAGE_REASONS)],
        ]);
        expect(loaded?.path).toBe(oldest);
        expect(picture(loaded!.state.index, loaded!.state.payloads, loaded!.state.offsets)).toEqual(older);
      }),
      { seed: SEED, numRuns: 120 },
    );
  });

  it("answers 'full replay' (nothing loaded) when every snapshot is damaged, reporting each", async () => {
    const log = generateSeededLog({ seed: SEED + 1, count: 600, idSpace: 200, dim: 8 });
    const { store, newest, oldest, pristine } = await twoSnapshots(log);
    const flipped = Buffer.from(pristine[0]);
    flipped[flipped.length >> 1] ^= 0x10;
    writeFileSync(newest, flipped);
    truncateSync(oldest, pristine[1].length - 9);
    const failures: string[] = [];
    expect(await store.loadNewest(storeConfig, (path) => failures.push(path))).toBeUndefined();
    expect(failures).toEqual([newest, oldest]);
  });
});

const available = isDevBrokerAvailable();
if (!available) console.warn(`skipping damaged-snapshot service tests: ${devBrokerUnavailableReason()}`);

const SPEC = { name: "snap", topic: "snap.points", dim: 8 };

describe.skipIf(!available)("the service, restarted on damaged snapshots", () => {
  it(
    "falls back to the older snapshot or a full replay, says so in the log and the metric, and serves exactly the log's state",
    { timeout: 120_000 },
    async () => {
      const { broker, producer } = await startBrokerAndProducer(cleanups, SPEC);
      const dataDir = tempDir("vecstream-snapsvc-");
      const log = generateSeededLog({ seed: SEED + 2, count: 900, idSpace: 250, dim: SPEC.dim });
      let run = 0;
      const start = async (lines: Record<string, unknown>[] = []) => {
        const base = processConfig(broker, SPEC, { kafka: { groupId: `snap-${++run}` } });
        const config = parseConfig(
          deepMerge(deepMerge(loadConfig({}), base), { logLevel: "info", dataDir, http: { port: 0 } }),
        );
        const logger = pino(
          { level: "info" },
          { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
        );
        const service: Service = await startService(config, {
          registry: new Registry(),
          logger,
          consumer: { consumerConfig: { ...DEV_BROKER_CONSUMER_SETTINGS }, heartbeatIntervalMs: 500 },
        });
        cleanups.push(() => service.stop());
        await service.ready;
        return service;
      };

      // Two graceful stops leave two snapshots: after 500 entries, and after all 900.
      let service = await start();
      await waitApplied(
        service.url,
        SPEC.name,
        SPEC.dim,
        await sendEntries(producer, SPEC.topic, log.entries.slice(0, 500)),
      );
      await service.stop();
      service = await start();
      const last = await sendEntries(producer, SPEC.topic, log.entries.slice(500));
      await waitApplied(service.url, SPEC.name, SPEC.dim, last);
      await service.stop();
      const dir = join(dataDir, SPEC.name);
      const [oldest, newest] = readdirSync(dir)
        .sort()
        .map((f) => join(dir, f));
      const pristine = [readFileSync(oldest), readFileSync(newest)];

      const expected = expectedState(log);
      const ids = Array.from({ length: 250 }, (_, i) => `p${i}`);
      const scenarios: { name: string; damage: () => void; replayed: number; failures: number }[] = [
        {
          name: "newest bit-flipped",
          damage: () => writeFileSync(newest, flip(pristine[1], SEED)),
          replayed: 400,
          failures: 1,
        },
        {
          name: "newest truncated",
          damage: () => truncateSync(newest, Math.floor(pristine[1].length * 0.6)),
          replayed: 400,
          failures: 1,
        },
        {
          name: "both damaged",
          damage: () => {
            writeFileSync(newest, flip(pristine[1], SEED + 1));
            truncateSync(oldest, pristine[0].length - 1);
          },
          replayed: 900,
          failures: 2,
        },
      ];
      for (const scenario of scenarios) {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir);
        writeFileSync(oldest, pristine[0]);
        writeFileSync(newest, pristine[1]);
        scenario.damage();
        const lines: Record<string, unknown>[] = [];
        service = await start(lines);
        await waitApplied(service.url, SPEC.name, SPEC.dim, last);
        expect(await compareWithExpected(service.url, SPEC.name, ids, expected), scenario.name).toEqual([]);
        const text = await (await fetch(`${service.url}/metrics`)).text();
        const failures = DAMAGE_REASONS.reduce(
          (n, reason) =>
            n +
            (metricValue(text, "vecstream_snapshot_load_failures_total", { collection: SPEC.name, reason }) ||
              0),
          0,
        );
        expect(failures, scenario.name).toBe(scenario.failures);
        expect(
          metricValue(text, "vecstream_messages_total", { collection: SPEC.name, outcome: "applied" }),
          scenario.name,
        ).toBe(scenario.replayed);
        const reported = lines.filter((l) => l.msg === "snapshot unusable; trying an older one");
        expect(
          reported.map((l) => l.path),
          scenario.name,
        ).toEqual(scenario.failures === 1 ? [newest] : [newest, oldest]);
        const loaded = lines.filter((l) => l.msg === "snapshot loaded").map((l) => l.path);
        expect(loaded, scenario.name).toEqual(scenario.failures === 1 ? [oldest] : []);
        await service.stop();
      }
    },
  );
});

/** A copy of `bytes` with one seeded bit flipped past the 8-byte magic (so it is a checksum's job). */
function flip(bytes: Buffer, seed: number): Buffer {
  const out = Buffer.from(bytes);
  const at = 8 + ((Math.imul(seed, 2654435761) >>> 0) % (out.length - 16));
  out[at] ^= 1 << (seed & 7);
  return out;
}
