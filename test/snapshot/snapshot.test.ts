import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { Collection } from "../../src/collection/collection.js";
import type { CollectionConfig } from "../../src/config.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { SeededRandom } from "../../src/index/random.js";
import { createLogger } from "../../src/logger.js";
import { Metrics } from "../../src/metrics.js";
import type { SnapshotError } from "../../src/snapshot/errors.js";
import { engineCodec } from "../../src/snapshot/index-codec.js";
import { SnapshotScheduler } from "../../src/snapshot/scheduler.js";
import { SnapshotStore } from "../../src/snapshot/store.js";
import type { MutationOp } from "../../src/collection/ops.js";

const config: CollectionConfig = {
  name: "snap",
  topic: "t",
  dlqTopic: "t.dlq",
  dim: 8,
  metric: "l2",
  M: 8,
  efConstruction: 64,
  ef: 32,
  seed: 7,
};

function newCollection(applySliceMs = 4): Collection {
  const index = new HnswIndex({ dim: 8, metric: "l2", M: 8, efConstruction: 64, efSearch: 32, seed: 7 });
  return new Collection({ config, index, applySliceMs });
}

function ops(count: number, startOffset: number, rnd = new SeededRandom(3)): MutationOp[] {
  return Array.from({ length: count }, (_, i) => {
    const offset = startOffset + i;
    const vector = Float32Array.from({ length: 8 }, () => rnd.next());
    return {
      kind: "upsert",
      id: `p${offset % 150}`,
      vector,
      payload: { n: offset },
      partition: offset % 2,
      offset,
      timestampMs: 0,
    };
  });
}

function setup(keep = 2) {
  const dataDir = mkdtempSync(join(tmpdir(), "vecstream-snap-"));
  const store = new SnapshotStore({ dataDir, keep, codec: engineCodec });
  return { dataDir, store };
}

async function save(store: SnapshotStore, c: Collection) {
  return store.write(c);
}

/** A one-at-a-time queue standing in for the writer's (src/stream/pipeline.ts `exclusive`). */
function serialQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T> | T): Promise<T> => {
    const run = tail.then(task);
    tail = run.catch(() => undefined);
    return run;
  };
}

function flipByteAt(path: string, at: number) {
  const bytes = readFileSync(path);
  bytes[at] ^= 0xff;
  writeFileSync(path, bytes);
}

const failures = () => {
  const seen: { path: string; code: string }[] = [];
  return { seen, onFailure: (path: string, e: SnapshotError) => seen.push({ path, code: e.code }) };
};

describe("snapshots", () => {
  it("restores exactly the saved index, payloads and offsets", async () => {
    const { store } = setup();
    const c = newCollection();
    await c.apply([...ops(200, 0), { kind: "delete", id: "p3", partition: 1, offset: 200, timestampMs: 0 }]);
    await save(store, c);
    const { onFailure, seen } = failures();
    const loaded = await store.loadNewest(config, onFailure);
    expect(seen).toEqual([]);
    const r = newCollection();
    r.restore(loaded!.state);
    expect([...r.appliedOffsets()].sort()).toEqual([...c.appliedOffsets()].sort());
    expect(r.sizes().points).toBe(c.sizes().points);
    expect(r.get("p3")).toBeUndefined();
    expect(r.get("p10")!.payload).toEqual(c.get("p10")!.payload);
    const q = Array.from({ length: 8 }, (_, i) => i / 8);
    expect(r.search(q, 10)).toEqual(c.search(q, 10));
  });

  it("keeps only the newest `keep` snapshots", async () => {
    const { store } = setup(2);
    const c = newCollection();
    for (let i = 0; i < 4; i++) {
      await c.apply(ops(5, i * 5));
      await save(store, c);
    }
    expect((await store.list("snap")).map((f) => f.seq)).toEqual([4, 3]);
  });

  it("falls back to the previous snapshot when the newest fails its checksum", async () => {
    const { store } = setup();
    const c = newCollection();
    await c.apply(ops(20, 0));
    await save(store, c);
    await c.apply(ops(20, 20));
    const newest = await save(store, c);
    flipByteAt(newest.path, 40);
    const { onFailure, seen } = failures();
    const loaded = await store.loadNewest(config, onFailure);
    expect(seen).toEqual([{ path: newest.path, code: "CHECKSUM_MISMATCH" }]);
    expect(loaded!.state.offsets.get(1)).toBe(19);
  });

  it("reports a damaged index section as CORRUPT_INDEX and never returns it", async () => {
    const { store } = setup();
    const c = newCollection();
    await c.apply(ops(50, 0));
    const saved = await save(store, c);
    flipByteAt(saved.path, saved.bytes - 200);
    const { onFailure, seen } = failures();
    expect(await store.loadNewest(config, onFailure)).toBeUndefined();
    expect(seen.map((s) => s.code)).toEqual(["CORRUPT_INDEX"]);
  });

  it("reports a cut file as truncated", async () => {
    const { store } = setup();
    const c = newCollection();
    await c.apply(ops(50, 0));
    const saved = await save(store, c);
    writeFileSync(saved.path, readFileSync(saved.path).subarray(0, saved.bytes - 9));
    const { onFailure, seen } = failures();
    expect(await store.loadNewest(config, onFailure)).toBeUndefined();
    expect(seen).toHaveLength(1);
    expect(["TRUNCATED", "CORRUPT_INDEX"]).toContain(seen[0].code);
  });

  it("refuses a snapshot whose dimension differs from the configuration", async () => {
    const { store } = setup();
    const c = newCollection();
    await c.apply(ops(5, 0));
    await save(store, c);
    const { onFailure, seen } = failures();
    expect(await store.loadNewest({ ...config, dim: 16 }, onFailure)).toBeUndefined();
    expect(seen.map((s) => s.code)).toEqual(["CONFIG_MISMATCH"]);
  });

  it("removes a leftover temporary file instead of loading it", async () => {
    const { store, dataDir } = setup();
    const c = newCollection();
    await c.apply(ops(5, 0));
    await save(store, c);
    writeFileSync(join(dataDir, "snap", "snapshot-000000000009.vss.tmp"), "partial");
    const loaded = await store.loadNewest(config, () => {});
    expect(loaded!.path).toMatch(/snapshot-000000000001\.vss$/);
    expect(readdirSync(join(dataDir, "snap"))).toEqual(["snapshot-000000000001.vss"]);
  });
});

describe("SnapshotScheduler", () => {
  function scheduler(store: SnapshotStore, everyMessages: number, intervalMs = 3_600_000) {
    const metrics = new Metrics(new Registry(), { defaultMetrics: false });
    const queue = serialQueue();
    const s = new SnapshotScheduler({
      store,
      observer: metrics,
      logger: createLogger("silent"),
      config: { intervalMs, everyMessages },
      runExclusive: (_name, task) => queue(task),
    });
    return { s, metrics, queue };
  }

  /** Applies through the queue and tells the scheduler, as the writer and ingest's observer do. */
  async function applied(
    c: Collection,
    s: SnapshotScheduler,
    queue: ReturnType<typeof serialQueue>,
    o: MutationOp[],
  ) {
    const result = await queue(() => c.apply(o));
    s.noteApplied(c.name, result.upserts);
  }

  it("snapshots once the message-count trigger is reached, and counts again from zero after", async () => {
    const { store } = setup();
    const c = newCollection();
    const { s, metrics, queue } = scheduler(store, 30);
    s.start([c]);
    await applied(c, s, queue, ops(20, 0));
    expect(await store.list("snap")).toEqual([]);
    await applied(c, s, queue, ops(20, 20));
    await queue(() => undefined); // the triggered snapshot runs behind the batch
    expect((await store.list("snap")).length).toBe(1);
    await applied(c, s, queue, ops(20, 40));
    await queue(() => undefined);
    expect((await store.list("snap")).length).toBe(1); // 20 since the snapshot: below the trigger
    await s.stop();
    expect(await metrics.registry.metrics()).toContain(
      'vecstream_snapshots_total{collection="snap",outcome="ok"} 1',
    );
  });

  it("reports a failed snapshot, and snapshotAll names the collections whose snapshot failed", async () => {
    const { store } = setup();
    const c = newCollection();
    await c.apply(ops(5, 0));
    const { s, metrics } = scheduler(store, 1_000_000);
    const failing = Object.assign(Object.create(store) as SnapshotStore, {
      write: () => Promise.reject(new Error("disk full")),
    });
    const broken = new SnapshotScheduler({
      store: failing,
      observer: metrics,
      logger: createLogger("silent"),
      config: { intervalMs: 3_600_000, everyMessages: 1_000_000 },
      runExclusive: (_name, task) => task(),
    });
    expect(await broken.snapshotAll([c], "shutdown")).toEqual(["snap"]);
    expect(await s.snapshotAll([c], "shutdown")).toEqual([]);
    expect(await metrics.registry.metrics()).toContain(
      'vecstream_snapshots_total{collection="snap",outcome="error"} 1',
    );
  });

  it("does not rewrite a snapshot of an unchanged collection", async () => {
    const { store } = setup();
    const c = newCollection();
    const { s } = scheduler(store, 1_000_000);
    await c.apply(ops(10, 0));
    expect(await s.snapshot(c, "manual")).toBe(true);
    expect(await s.snapshot(c, "interval")).toBe(false);
    await s.stop();
  });

  it("captures a state between batches even when asked mid-batch", async () => {
    const { store } = setup();
    const c = newCollection(0);
    const { s, queue } = scheduler(store, 1_000_000);
    const first = queue(() => c.apply(ops(100, 0)));
    const snap = s.snapshot(c, "manual");
    const second = queue(() => c.apply(ops(100, 100)));
    await Promise.all([first, snap, second]);
    const loaded = await store.loadNewest(config, () => {});
    expect(Object.fromEntries(loaded!.state.offsets)).toEqual({ 0: 98, 1: 99 });
    expect(loaded!.meta.points).toBe(100);
    await s.stop();
  });

  it("snapshots a changed collection on the interval timer", async () => {
    const { store } = setup();
    const c = newCollection();
    await c.apply(ops(10, 0));
    const { s, metrics } = scheduler(store, 1_000_000, 10);
    s.start([c]);
    const deadline = Date.now() + 10_000;
    while ((await store.list("snap")).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await s.stop();
    expect((await store.list("snap")).length).toBe(1);
    expect(await metrics.registry.metrics()).toMatch(
      /vecstream_last_snapshot_timestamp_seconds\{collection="snap"\} \d+/,
    );
  });
});
