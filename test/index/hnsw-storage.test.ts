import { describe, expect, it } from "vitest";
import { kernelFor, l2Squared, pairKernelFor } from "../../src/index/distance.js";
import { HnswGraph } from "../../src/index/hnsw-graph.js";
import {
  FREE,
  LIVE,
  TOMBSTONE,
  layer0RecordWords,
  upperRecordWords,
} from "../../src/index/hnsw-graph-view.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { SeededRandom } from "../../src/index/random.js";
import { CHUNK_NODES, JsVectorStore, planGrowth } from "../../src/index/vector-store.js";

describe("chunked HNSW storage", () => {
  it("doubles the first chunk up to a full chunk, then appends whole chunks", () => {
    expect(planGrowth(1024, 1, 1025)).toEqual({ chunk0Slots: 2048, appendFull: 0 });
    expect(planGrowth(1024, 1, 5000)).toEqual({ chunk0Slots: 8192, appendFull: 0 });
    expect(planGrowth(CHUNK_NODES / 2, 1, CHUNK_NODES + 1)).toEqual({
      chunk0Slots: CHUNK_NODES,
      appendFull: 1,
    });
    expect(planGrowth(CHUNK_NODES, 2, 3 * CHUNK_NODES + 5)).toEqual({
      chunk0Slots: CHUNK_NODES,
      appendFull: 2,
    });
  });

  it("keeps every vector where it was written while chunks are added", () => {
    const store = new JsVectorStore(3, 10);
    const n = CHUNK_NODES + 100;
    store.ensureCapacity(n);
    for (const slot of [0, 9, CHUNK_NODES - 1, CHUNK_NODES, n - 1])
      store.write(slot, Float32Array.of(slot, 1, 2));
    expect(store.chunks).toHaveLength(2);
    expect(store.capacity).toBe(2 * CHUNK_NODES);
    for (const slot of [0, 9, CHUNK_NODES - 1, CHUNK_NODES, n - 1]) {
      expect(Array.from(store.view(slot))).toEqual([slot, 1, 2]);
      expect(store.chunk(slot)[store.offset(slot)]).toBe(slot);
    }
  });

  it("allocates slots across a chunk boundary with links, levels and states beside each", () => {
    const graph = new HnswGraph(2, 4, l2Squared, new JsVectorStore(2, 16, l2Squared));
    const n = CHUNK_NODES + 10;
    for (let i = 0; i < n; i++) graph.allocate(`n${i}`, i === CHUNK_NODES ? 1 : 0, Float32Array.of(i, -i));
    const records = graph.layer0Records(graph.capacity);
    expect(records).toHaveLength(2);
    expect(records[1]).toHaveLength(CHUNK_NODES * layer0RecordWords(4));
    const last = n - 1;
    expect(Array.from(graph.vector(last))).toEqual([last, -last]);
    expect(graph.slotOf(`n${last}`)).toBe(last);
    expect(graph.state(last)).toBe(LIVE);
    expect(graph.upperRecord(CHUNK_NODES)?.length).toBe(upperRecordWords(4, 1));
    graph.markTombstone(last);
    expect(graph.state(last)).toBe(TOMBSTONE);
    graph.release(last);
    expect(graph.state(last)).toBe(FREE);
    expect(graph.allocate("again", 0, Float32Array.of(1, 1))).toBe(last);
  });

  it("reports memory that grows with the points held", () => {
    const index = new HnswIndex({ dim: 16, metric: "l2", initialCapacity: 8 });
    const empty = index.stats().memoryBytes;
    for (let i = 0; i < 100; i++)
      index.upsert(
        `p${i}`,
        Array.from({ length: 16 }, (_, j) => i * j),
      );
    expect(index.stats().memoryBytes).toBeGreaterThan(empty + 100 * 16 * 4);
  });
});

describe("pair distance kernels", () => {
  it.each(["l2", "cosine", "dot"] as const)(
    "agree bit for bit with the %s kernel, at every dimension remainder",
    (metric) => {
      const single = kernelFor(metric);
      const pair = pairKernelFor(single);
      const rng = new SeededRandom(3);
      for (const dim of [1, 2, 3, 4, 5, 7, 8, 25, 128]) {
        const slab = Float32Array.from({ length: 3 * dim + 2 }, () => rng.nextGaussian());
        const out = new Float64Array(3);
        pair(slab, 1, slab, dim + 1, slab, 2 * dim + 2, dim, out, 1);
        expect(out[1]).toBe(single(slab, 1, slab, dim + 1, dim));
        expect(out[2]).toBe(single(slab, 1, slab, 2 * dim + 2, dim));
      }
    },
  );

  it("falls back to two calls of an unknown kernel, so an adaptor still sees every distance", () => {
    let calls = 0;
    const counting = (a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number) => {
      calls++;
      return l2Squared(a, aOff, b, bOff, dim);
    };
    const out = new Float64Array(2);
    pairKernelFor(counting)(
      Float32Array.of(0, 0),
      0,
      Float32Array.of(3, 4),
      0,
      Float32Array.of(1, 0),
      0,
      2,
      out,
      0,
    );
    expect(Array.from(out)).toEqual([25, 1]);
    expect(calls).toBe(2);
  });
});
