import { describe, expect, it } from "vitest";
import { Collection } from "../../src/collection/collection.js";
import type { MutationOp } from "../../src/collection/ops.js";
import { ReadYourWritesTimeoutError } from "../../src/collection/partition-ledger.js";
import { BruteForceIndex } from "../../src/index/brute-force-index.js";
import { testCollectionConfig } from "../support/collection-config.js";

const config = testCollectionConfig({ name: "c", topic: "t" });

function make(applySliceMs = 4) {
  const offsets: [number, number][] = [];
  const collection = new Collection({
    config,
    index: new BruteForceIndex({ dim: 2, metric: "l2" }),
    applySliceMs,
    onAppliedOffset: (p, o) => offsets.push([p, o]),
  });
  return { collection, offsets };
}

const up = (
  id: string,
  x: number,
  y: number,
  partition: number,
  offset: number,
  payload?: object,
): MutationOp => ({
  kind: "upsert",
  id,
  vector: new Float32Array([x, y]),
  payload: payload as Record<string, unknown> | undefined,
  partition,
  offset,
  timestampMs: 0,
});
const del = (id: string, partition: number, offset: number): MutationOp => ({
  kind: "delete",
  id,
  partition,
  offset,
  timestampMs: 0,
});

describe("Collection", () => {
  it("makes an applied upsert searchable with its payload", async () => {
    const { collection } = make();
    await collection.apply([up("a", 0, 0, 0, 0, { tag: "x" }), up("b", 5, 5, 0, 1)]);
    const hits = collection.search([0.1, 0], 1);
    expect(hits).toEqual([{ id: "a", distance: expect.closeTo(0.1, 5), payload: { tag: "x" } }]);
  });

  it("returns a deleted id in no search result and forgets its payload", async () => {
    const { collection } = make();
    await collection.apply([up("a", 0, 0, 0, 0, { tag: "x" }), up("b", 5, 5, 0, 1), del("a", 0, 2)]);
    expect(collection.search([0, 0], 10).map((h) => h.id)).toEqual(["b"]);
    expect(collection.get("a")).toBeUndefined();
    expect(collection.payloads().has("a")).toBe(false);
  });

  it("replaces the vector and payload of an id upserted twice", async () => {
    const { collection } = make();
    await collection.apply([up("a", 0, 0, 0, 0, { v: 1 }), up("a", 9, 9, 0, 1)]);
    const point = collection.get("a");
    expect(Array.from(point!.vector)).toEqual([9, 9]);
    expect(point!.payload).toBeUndefined();
    expect(collection.sizes().points).toBe(1);
  });

  it("records the highest applied offset of each partition", async () => {
    const { collection, offsets } = make();
    await collection.apply([up("a", 0, 0, 0, 7), up("b", 1, 1, 1, 3), up("c", 2, 2, 0, 8)]);
    expect([...collection.appliedOffsets()]).toEqual([
      [0, 8],
      [1, 3],
    ]);
    expect(offsets.at(-1)).toBeDefined();
  });

  it("applies a large batch in several slices so timers run in between", async () => {
    const { collection } = make(0);
    const ops = Array.from({ length: 200 }, (_, i) => up(`p${i}`, i, i, 0, i));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    await collection.apply(ops);
    clearInterval(timer);
    expect(collection.sizes().points).toBe(200);
    expect(ticks).toBeGreaterThan(0);
  });

  it("resolves waitForOffsets once every named partition reaches its offset", async () => {
    const { collection } = make();
    let resolved = false;
    const waiting = collection.waitForOffsets({ "0": 2, "1": 0 }, 10_000).then(() => (resolved = true));
    await collection.apply([up("a", 0, 0, 0, 2)]);
    expect(resolved).toBe(false);
    await collection.apply([up("b", 0, 0, 1, 0)]);
    await waiting;
    expect(resolved).toBe(true);
  });

  it("resolves waitForOffsets at once when the offsets are already applied", async () => {
    const { collection } = make();
    await collection.apply([up("a", 0, 0, 0, 5)]);
    await expect(collection.waitForOffsets({ "0": 3 }, 1)).resolves.toBeUndefined();
  });

  it("rejects waitForOffsets with a typed timeout naming the pending partitions", async () => {
    const { collection } = make();
    await collection.apply([up("a", 0, 0, 0, 1)]);
    const err = await collection.waitForOffsets({ "0": 9 }, 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadYourWritesTimeoutError);
    expect((err as ReadYourWritesTimeoutError).details.pending).toEqual({ "0": { wanted: 9, applied: 1 } });
  });

  it("returns an op the index refuses as a value, applies the ops around it, and records every offset", async () => {
    const { collection, offsets } = make();
    const bad: MutationOp = {
      kind: "upsert",
      id: "bad",
      vector: new Float32Array([1, 2, 3]),
      partition: 0,
      offset: 2,
      timestampMs: 0,
    };
    const batch = [up("a", 0, 0, 0, 0), up("b", 1, 1, 1, 7), up("c", 2, 2, 0, 1), bad, up("d", 3, 3, 0, 3)];
    const result = await collection.apply(batch);
    expect(result.refused).toEqual([{ op: bad, code: "DIMENSION_MISMATCH", message: expect.any(String) }]);
    expect(result.upserts).toBe(4);
    expect(["a", "b", "c", "d"].map((id) => collection.get(id) !== undefined)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(collection.get("bad")).toBeUndefined();
    // The refused op's offset counts as consumed: the writer dead-letters it, recovery never replays it.
    expect(collection.appliedOffsets()).toEqual(
      new Map([
        [0, 3],
        [1, 7],
      ]),
    );
    expect(offsets).toEqual([
      [0, 3],
      [1, 7],
    ]);
  });

  it("keeps applying later batches after a refused op", async () => {
    const { collection } = make();
    const bad = { ...up("bad", 0, 0, 0, 0), vector: new Float32Array([Number.NaN, 0]) };
    const result = await collection.apply([bad]);
    expect(result.refused.map((r) => r.code)).toEqual(["NON_FINITE_VALUE"]);
    await collection.apply([up("good", 1, 1, 0, 1)]);
    expect(collection.get("good")).toBeDefined();
    expect(collection.appliedOffsets().get(0)).toBe(1);
  });

  it("raises a partition's offset for a skip entry without changing any point", async () => {
    const { collection } = make();
    await collection.apply([up("a", 0, 0, 0, 0), { kind: "skip", partition: 0, offset: 4 }]);
    expect(collection.appliedOffsets().get(0)).toBe(4);
    expect(collection.sizes().points).toBe(1);
  });

  it("refuses a second apply while one is running, since it has one writer", async () => {
    const { collection } = make(0);
    const first = collection.apply(Array.from({ length: 200 }, (_, i) => up(`p${i}`, i, i, 0, i)));
    await expect(collection.apply([up("x", 0, 0, 1, 0)])).rejects.toThrow(/one writer/);
    await first;
  });

  it("names the partitions its topic does not have, once ingest has read them", () => {
    const { collection } = make();
    expect(collection.unknownPartitions([0, 7])).toEqual([]);
    collection.ledger.setTopicPartitions([0, 1, 2]);
    expect(collection.unknownPartitions([0, 2, 3, 7])).toEqual([3, 7]);
  });

  it("filters search hits by payload", async () => {
    const { collection } = make();
    await collection.apply([up("a", 0, 0, 0, 0, { color: "red" }), up("b", 1, 1, 0, 1, { color: "blue" })]);
    const hits = collection.search([0, 0], 5, undefined, (_id, p) => p?.color === "blue");
    expect(hits.map((h) => h.id)).toEqual(["b"]);
  });
});
