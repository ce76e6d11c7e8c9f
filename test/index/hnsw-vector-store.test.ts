import { describe, expect, it } from "vitest";
import type { DistanceKernel } from "../../src/index/distance.js";
import { kernelFor } from "../../src/index/distance.js";
import { isWasmSimdSupported } from "../../src/index/distance-wasm.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { SeededRandom } from "../../src/index/random.js";
import { deserializeIndex, serializeIndex } from "../../src/index/serialization.js";
import { METRICS } from "../../src/index/types.js";
import type { VectorStore } from "../../src/index/vector-store.js";
import { CHUNK_NODES, JsVectorStore, QUERY, planGrowth } from "../../src/index/vector-store.js";
import {
  WasmVectorStore,
  createVectorStore,
  vectorStoreFromChunks,
} from "../../src/index/vector-store-wasm.js";
import { gaussianClusters } from "./hnsw-fixtures.js";

const simd = isWasmSimdSupported();

function gaussian(rng: SeededRandom, dim: number): Float32Array {
  const v = Float32Array.from({ length: dim }, () => rng.nextGaussian());
  return v;
}

function unit(v: Float32Array): Float32Array {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** Fills `store` with `count` seeded vectors (unit length for cosine, as the index stores them). */
function fill(store: VectorStore, count: number, cosine: boolean, seed: number): void {
  const rng = new SeededRandom(seed);
  store.ensureCapacity(count);
  for (let s = 0; s < count; s++) {
    const v = gaussian(rng, store.dim);
    store.write(s, cosine ? unit(v) : v);
  }
}

describe.skipIf(!simd)("WasmVectorStore", () => {
  it.each(METRICS)("computes %s distances that agree with the JS store to float32 precision", (metric) => {
    const dim = 37;
    const count = 300;
    const kernel = kernelFor(metric);
    const wasm = createVectorStore(dim, kernel, 8);
    const js = new JsVectorStore(dim, 8, kernel);
    expect(wasm).toBeInstanceOf(WasmVectorStore);
    fill(wasm, count, metric === "cosine", 5);
    fill(js, count, metric === "cosine", 5);
    const query =
      metric === "cosine" ? unit(gaussian(new SeededRandom(9), dim)) : gaussian(new SeededRandom(9), dim);
    wasm.setQuery(query, 0);
    js.setQuery(query, 0);
    const slots = Uint32Array.from({ length: 101 }, (_, i) => (i * 37) % count);
    const [fromWasm, fromJs] = [new Float64Array(101), new Float64Array(101)];
    wasm.distances(QUERY, slots, 0, 101, fromWasm);
    js.distances(QUERY, slots, 0, 101, fromJs);
    for (let i = 0; i < 101; i++) {
      expect(fromWasm[i]).toBeCloseTo(fromJs[i], 4);
      expect(wasm.distance(QUERY, slots[i])).toBe(fromWasm[i]);
      expect(wasm.distance(slots[i], 3)).toBeCloseTo(js.distance(slots[i], 3), 4);
    }
    const fromSlot = new Float64Array(5);
    wasm.distances(7, slots, 10, 5, fromSlot);
    for (let i = 0; i < 5; i++) expect(fromSlot[i]).toBe(wasm.distance(7, slots[10 + i]));
  });

  it("keeps every vector in its slot, cut into chunks by the chunk rule, as the memory grows", () => {
    const store = createVectorStore(2, kernelFor("l2"), 10);
    const n = CHUNK_NODES + 100;
    const written = [0, 9];
    for (const slot of written) store.write(slot, Float32Array.of(slot, 1));
    store.ensureCapacity(n);
    for (const slot of [1000, CHUNK_NODES - 1, CHUNK_NODES, n - 1]) {
      store.write(slot, Float32Array.of(slot, 1));
      written.push(slot);
    }
    store.ensureCapacity(2 * CHUNK_NODES + 1);
    expect(store.capacity).toBe(3 * CHUNK_NODES);
    expect(store.chunks.map((c) => c.length)).toEqual([1, 2, 3].map(() => CHUNK_NODES * 2));
    for (const slot of written) {
      expect(Array.from(store.view(slot))).toEqual([slot, 1]);
      expect(store.chunk(slot)[store.offset(slot)]).toBe(slot);
    }
    store.setQuery(Float32Array.of(0, 1), 0);
    expect(store.distance(QUERY, 9)).toBe(81);
    expect(store.distance(QUERY, CHUNK_NODES)).toBe(CHUNK_NODES ** 2);
  });

  it("grows the first chunk like the JS store, so snapshots see the same chunk sizes", () => {
    const store = createVectorStore(3, kernelFor("dot"), 1000);
    expect(store.capacity).toBe(1000);
    store.ensureCapacity(1001);
    expect(store.capacity).toBe(planGrowth(1000, 1, 1001).chunk0Slots);
    expect(store.chunks).toHaveLength(1);
  });

  it("refuses to hold more than fits below 4 GiB, so the graph can move to JS chunks", () => {
    const store = createVectorStore(65_536, kernelFor("l2"), 1) as WasmVectorStore;
    expect(store.canHold(1000)).toBe(true);
    expect(store.canHold(16_384)).toBe(false);
  });

  it("moves the vectors to JS chunks once the memory bound is reached, and keeps answering", async () => {
    const points = gaussianClusters(2500, 8, 5, 31);
    const storage = { wasmMaxBytes: 64 * 1024 };
    const index = new HnswIndex({ dim: 8, metric: "l2", seed: 4, initialCapacity: 16 }, storage);
    points.forEach((p, i) => index.upsert(`p${i}`, p));
    const chunks = index.view().graph.vectorRecords(index.view().graph.capacity);
    // A JS chunk owns its whole buffer; a WASM view sits in a memory that also holds the scratch area.
    expect(chunks.every((c) => c.buffer.byteLength === c.byteLength)).toBe(true);
    for (const i of [0, 1000, 2499]) expect(index.getVector(`p${i}`)).toEqual(points[i]);
    for (const i of [3, 1500, 2400]) expect(index.search(points[i], 1)[0].id).toBe(`p${i}`);
    const restored = await deserializeIndex(serializeIndex(index), { storage });
    expect(restored.search(points[7], 3)).toEqual(index.search(points[7], 3));
  });

  it("copies snapshot chunks into the memory with their values", () => {
    const chunk = Float32Array.from({ length: 12 }, (_, i) => i);
    const store = vectorStoreFromChunks(3, kernelFor("l2"), [chunk]);
    expect(store).toBeInstanceOf(WasmVectorStore);
    expect(Array.from(store.view(3))).toEqual([9, 10, 11]);
    chunk[9] = -1;
    expect(store.view(3)[0]).toBe(9);
  });
});

describe("vector store selection", () => {
  it("uses the JS store for a kernel that has no WASM equivalent", () => {
    const custom: DistanceKernel = (a, aOff, b, bOff) => Math.abs(a[aOff] - b[bOff]);
    const store = createVectorStore(2, custom, 4);
    expect(store).toBeInstanceOf(JsVectorStore);
    store.write(1, Float32Array.of(5, 0));
    store.setQuery(Float32Array.of(2, 0), 0);
    expect(store.distance(QUERY, 1)).toBe(3);
  });

  it("builds indexes on the JS store when the backend is set to js", () => {
    expect(createVectorStore(4, kernelFor("l2"), 4, { backend: "js" })).toBeInstanceOf(JsVectorStore);
    const index = new HnswIndex({ dim: 4, metric: "l2" }, { backend: "js" });
    index.upsert("a", [1, 2, 3, 4]);
    const [chunk] = index.view().graph.vectorRecords(index.view().graph.capacity);
    // A JS chunk owns its whole buffer; a WASM view sits in a memory that also holds the scratch area.
    expect(chunk.buffer.byteLength).toBe(chunk.byteLength);
  });

  it("answers the same queries alike on the JS fallback store and on the default store", async () => {
    const points = gaussianClusters(600, 16, 6, 21);
    const queries = gaussianClusters(30, 16, 6, 21, 22);
    const answers = async (backend: "auto" | "js"): Promise<string[][]> => {
      const built = new HnswIndex({ dim: 16, metric: "l2", seed: 3 }, { backend });
      points.forEach((p, i) => built.upsert(`p${i}`, p));
      const restored = await deserializeIndex(serializeIndex(built), { storage: { backend } });
      return queries.flatMap((q) => [built, restored].map((ix) => ix.search(q, 5).map((h) => h.id)));
    };
    const js = await answers("js");
    const auto = await answers("auto");
    let same = 0;
    js.forEach((row, i) => (same += row.filter((id) => auto[i].includes(id)).length));
    expect(same / (js.length * 5)).toBeGreaterThanOrEqual(0.98);
    for (const rows of [js, auto])
      for (let i = 0; i < rows.length; i += 2) expect(rows[i + 1]).toEqual(rows[i]);
  });
});
