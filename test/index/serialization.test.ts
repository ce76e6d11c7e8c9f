/**
 * Snapshots: a loaded index answers and evolves exactly like the saved one, the stream works through a
 * real file and any chunking, and every kind of damage is refused with a typed error naming the place.
 */

import { once } from "node:events";
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, describe, expect, it } from "vitest";
import { BruteForceIndex } from "../../src/index/brute-force-index.js";
import { IndexError } from "../../src/index/errors.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { SeededRandom } from "../../src/index/random.js";
import { MAX_CHUNK_BYTES } from "../../src/index/serialization-frame.js";
import { deserializeIndex, serializeIndex } from "../../src/index/serialization.js";
import type { SerializableIndex } from "../../src/index/serialization.js";
import { METRICS } from "../../src/index/types.js";
import type { Metric } from "../../src/index/types.js";
import { randomVector } from "./contract-helpers.js";

type Kind = "hnsw" | "brute-force";

function makeIndex(kind: Kind, metric: Metric, dim: number): SerializableIndex {
  return kind === "hnsw"
    ? new HnswIndex({ dim, metric, M: 6, efConstruction: 40, efSearch: 20, seed: 7, initialCapacity: 8 })
    : new BruteForceIndex({ dim, metric, initialCapacity: 8 });
}

/** A seeded mix of inserts, replacements and deletes, so tombstones and free slots are in the file. */
function churn(index: SerializableIndex, rng: SeededRandom, steps: number, idSpace: number): void {
  for (let i = 0; i < steps; i++) {
    const id = `doc-${rng.nextInt(idSpace)}`;
    if (rng.next() < 0.2) index.delete(id);
    else index.upsert(id, randomVector(rng, index.dim));
  }
}

function concat(chunks: Iterable<Uint8Array>): Uint8Array {
  const list = [...chunks];
  const out = new Uint8Array(list.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of list) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Splits `bytes` into pieces of `size`, to exercise fields that straddle chunk boundaries. */
function* split(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function rejection(input: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<IndexError> {
  try {
    await deserializeIndex(input);
  } catch (error) {
    expect(error).toBeInstanceOf(IndexError);
    return error as IndexError;
  }
  throw new Error("the damaged snapshot was accepted");
}

function expectSameAnswers(a: SerializableIndex, b: SerializableIndex, rng: SeededRandom): void {
  expect(b.constructor).toBe(a.constructor);
  // A loaded brute-force slab is sized to its contents, so only its memory estimate may differ.
  const exactMemory = a instanceof HnswIndex;
  const { memoryBytes: memoryA, ...statsA } = a.stats();
  const { memoryBytes: memoryB, ...statsB } = b.stats();
  expect(statsB).toEqual(statsA);
  if (exactMemory) expect(memoryB).toBe(memoryA);
  expect(new Set(b.ids())).toEqual(new Set(a.ids()));
  for (let q = 0; q < 25; q++) {
    const query = randomVector(rng, a.dim);
    const k = 1 + rng.nextInt(15);
    expect(b.search(query, k)).toEqual(a.search(query, k));
    const odd = (id: string) => id.length % 2 === 1;
    expect(b.search(query, k, { ef: 50, filter: odd })).toEqual(a.search(query, k, { ef: 50, filter: odd }));
  }
  for (const id of a.ids()) expect(b.getVector(id)).toEqual(a.getVector(id));
}

describe.each<Kind>(["hnsw", "brute-force"])("snapshot round trip of %s", (kind) => {
  it.each(METRICS)("answers every query identically after loading (%s)", async (metric) => {
    const rng = new SeededRandom(1);
    const index = makeIndex(kind, metric, 12);
    churn(index, rng, 600, 300);
    const loaded = await deserializeIndex(serializeIndex(index));
    expectSameAnswers(index, loaded, rng);
  });

  it("evolves identically to the original under further writes", async () => {
    const rng = new SeededRandom(2);
    const index = makeIndex(kind, "l2", 6);
    churn(index, rng, 400, 200);
    const loaded = await deserializeIndex(serializeIndex(index));
    const seed = rng.nextInt(1000);
    churn(index, new SeededRandom(seed), 400, 300);
    churn(loaded, new SeededRandom(seed), 400, 300);
    expectSameAnswers(index, loaded, rng);
    // Byte-identical snapshots mean identical levels, links, free lists and generator state.
    expect(concat(serializeIndex(loaded))).toEqual(concat(serializeIndex(index)));
  });

  it("round-trips an empty index", async () => {
    const index = makeIndex(kind, "cosine", 3);
    const loaded = await deserializeIndex(serializeIndex(index));
    expect(loaded.size).toBe(0);
    expect(loaded.stats()).toMatchObject({ livePoints: 0, tombstones: 0, maxLevel: -1 });
    loaded.upsert("a", [1, 2, 3]);
    expect(loaded.search([1, 2, 3], 1)[0].id).toBe("a");
  });

  it("keeps ids that are not valid UTF-16 (lone surrogates) exactly", async () => {
    const index = makeIndex(kind, "l2", 2);
    const odd = ["\ud800", "a\udfffb", "é", "🙂", "x".repeat(1024)];
    odd.forEach((id, i) => index.upsert(id, [i, 1]));
    const loaded = await deserializeIndex(serializeIndex(index));
    expect(new Set(loaded.ids())).toEqual(new Set(odd));
  });

  it("reads a snapshot delivered one byte per chunk, and from an async source", async () => {
    const rng = new SeededRandom(3);
    const index = makeIndex(kind, "dot", 5);
    churn(index, rng, 100, 60);
    const bytes = concat(serializeIndex(index));
    expectSameAnswers(index, await deserializeIndex(split(bytes, 1)), rng);
    expectSameAnswers(index, await deserializeIndex(Readable.from(split(bytes, 333))), rng);
  });
});

describe("snapshot of HnswIndex settings", () => {
  it.each([0.3, Infinity])(
    "keeps a consolidation ratio of %s and repairs deletes as the original does",
    async (ratio) => {
      const rng = new SeededRandom(8);
      const index = new HnswIndex({
        ...(makeIndex("hnsw", "l2", 4) as HnswIndex).params,
        consolidationRatio: ratio,
      });
      churn(index, rng, 300, 150);
      const loaded = (await deserializeIndex(serializeIndex(index))) as HnswIndex;
      expect(loaded.params.consolidationRatio).toBe(ratio);
      churn(index, new SeededRandom(9), 300, 150);
      churn(loaded, new SeededRandom(9), 300, 150);
      expect(loaded.stats()).toEqual(index.stats());
      expect(concat(serializeIndex(loaded))).toEqual(concat(serializeIndex(index)));
    },
  );
});

describe("snapshot of a delete-consolidation pass in progress", () => {
  /** An index whose last mutation left a consolidation pass part-way through its nodes. */
  function midPass(seed: number): HnswIndex {
    const rng = new SeededRandom(seed);
    const index = makeIndex("hnsw", "l2", 6) as HnswIndex;
    for (let i = 0; i < 300; i++) index.upsert(`doc-${i}`, randomVector(rng, 6));
    // Deleting a tenth of the points starts a pass; it repairs 32 nodes per mutation, so it is still
    // running one mutation later.
    for (let i = 0; i < 40 && !index.consolidating; i++) index.delete(`doc-${rng.nextInt(300)}`);
    index.upsert("after-start", randomVector(rng, 6));
    expect(index.consolidating).toBe(true);
    expect(index.view().consolidation?.cursor).toBeGreaterThan(0);
    return index;
  }

  it("loads an index saved mid-pass with the same pass (doomed slots and cursor)", async () => {
    const index = midPass(31);
    const loaded = (await deserializeIndex(serializeIndex(index))) as HnswIndex;
    expect(loaded.consolidating).toBe(true);
    expect(loaded.view().consolidation).toEqual(index.view().consolidation);
  });

  it("evolves byte-identically to the original under further writes after loading mid-pass", async () => {
    const index = midPass(32);
    const loaded = await deserializeIndex(serializeIndex(index));
    // Enough writes to finish the pass in progress and run further ones.
    churn(index, new SeededRandom(33), 600, 400);
    churn(loaded, new SeededRandom(33), 600, 400);
    expectSameAnswers(index, loaded, new SeededRandom(34));
    expect(concat(serializeIndex(loaded))).toEqual(concat(serializeIndex(index)));
  });
});

describe("snapshot format version 2", () => {
  // Written by the version 2 build (before PASS existed): 40 points v0..v39 at (i, i+.1, i+.2, i+.3),
  // every ninth deleted, M 4, seed 5, no consolidation pass running.
  const path = new URL("./fixtures/hnsw-format-v2.vsnap", import.meta.url);

  it("loads a version 2 file with no pass running, and saves it again in the current version", async () => {
    const bytes = new Uint8Array(readFileSync(path));
    expect(bytes[6]).toBe(2);
    const loaded = (await deserializeIndex([bytes])) as HnswIndex;
    const kept = Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 9 !== 0);
    expect(new Set(loaded.ids())).toEqual(new Set(kept.map((i) => `v${i}`)));
    expect(loaded.consolidating).toBe(false);
    for (const i of kept) {
      const vector = [i, i + 0.1, i + 0.2, i + 0.3];
      expect(loaded.getVector(`v${i}`)).toEqual(Float32Array.from(vector));
      expect(loaded.search(vector, 1)[0]).toMatchObject({ id: `v${i}`, distance: 0 });
    }
    const again = concat(serializeIndex(loaded));
    expect(again[6]).toBe(3);
    expectSameAnswers(loaded, await deserializeIndex([again]), new SeededRandom(35));
  });
});

describe("snapshot files", () => {
  const dir = mkdtempSync(join(tmpdir(), "vecstream-snapshot-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("round-trips through a file written with node:fs and read with createReadStream", async () => {
    const rng = new SeededRandom(4);
    const index = makeIndex("hnsw", "cosine", 16);
    churn(index, rng, 1500, 1000);
    const path = join(dir, "index.vsnap");
    const out = createWriteStream(path);
    for (const chunk of serializeIndex(index)) {
      if (!out.write(chunk)) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
    const loaded = await deserializeIndex(createReadStream(path, { highWaterMark: 4096 }));
    expectSameAnswers(index, loaded, rng);
  });

  it("rejects a truncated file read through a stream", async () => {
    const index = makeIndex("brute-force", "l2", 4);
    churn(index, new SeededRandom(5), 50, 50);
    const path = join(dir, "cut.vsnap");
    const bytes = concat(serializeIndex(index));
    await pipeline(Readable.from([bytes.subarray(0, bytes.length - 9)]), createWriteStream(path));
    const error = await rejection(createReadStream(path, { highWaterMark: 64 }));
    expect(error.code).toBe("CORRUPT_INDEX");
    expect(error.message).toMatch(/trailer/);
  });

  it("emits chunks of at most 1 MiB for an index larger than that", () => {
    const rng = new SeededRandom(6);
    const index = new BruteForceIndex({ dim: 128, metric: "l2" });
    for (let i = 0; i < 5000; i++) index.upsert(`p${i}`, randomVector(rng, 128));
    const sizes = [...serializeIndex(index)].map((c) => c.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_CHUNK_BYTES);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThan(5000 * 128 * 4);
  });
});
