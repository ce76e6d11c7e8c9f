/**
 * The WASM SIMD kernels and `WasmVectorSlab`: the embedded bytes match the WAT source, every kernel
 * agrees with the JS kernels within float32 tolerance, and the slab keeps its contract across growth.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { innerProduct, kernelFor, l2Squared } from "../../src/index/distance.js";
import {
  createWasmMemory,
  DISTANCE_WASM_BASE64,
  distanceWasmBytes,
  instantiateDistanceKernels,
  isWasmSimdSupported,
  WASM_BATCH_MAX,
} from "../../src/index/distance-wasm.js";
import { WasmVectorSlab } from "../../bench/distance/wasm-vector-slab.js";
import { IndexError } from "../../src/index/errors.js";
import { SeededRandom } from "../../src/index/random.js";
import { METRICS } from "../../src/index/types.js";

const DIMS = [...Array.from({ length: 17 }, (_, i) => i + 1), 25, 31, 32, 33, 128, 768];

/** wabt is a devDependency; on an install without dev dependencies the byte check is skipped. */
const wabtAvailable = await import("wabt").then(
  () => true,
  () => false,
);

function gaussian(rng: SeededRandom, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = rng.nextGaussian();
  return out;
}

/** float32 lane sums against float64 sums: a relative error of a few ulps of float32 per term. */
function expectClose(actual: number, expected: number, scale: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-5 * Math.max(1, scale));
}

describe("embedded WASM module", () => {
  it.skipIf(!wabtAvailable)("holds exactly the bytes that distance-wasm.wat assembles to", async () => {
    const { assembleDistanceWat, toBase64 } = await import("../../bench/distance/assemble.js");
    expect(toBase64(await assembleDistanceWat())).toBe(DISTANCE_WASM_BASE64);
  });

  it("validates on Node 20, which supports WASM SIMD", () => {
    expect(isWasmSimdSupported()).toBe(true);
  });

  it("decodes to a WebAssembly binary (magic number and version 1)", () => {
    expect([...distanceWasmBytes().subarray(0, 8)]).toEqual([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  });
});

describe("raw WASM kernels", () => {
  const memory = createWasmMemory(1);
  const kernels = instantiateDistanceKernels(memory);
  const floats = new Float32Array(memory.buffer);

  it.each(DIMS)("match the JS kernels at dim %i for vectors at unaligned addresses", (dim) => {
    const rng = new SeededRandom(dim);
    // a at float 1, b at float 2*dim+3: neither is 16-byte aligned, both are surrounded by other data.
    gaussian(rng, floats.subarray(0, 4 * dim + 8));
    const aOff = 1;
    const bOff = 2 * dim + 3;
    const l2 = l2Squared(floats, aOff, floats, bOff, dim);
    const ip = innerProduct(floats, aOff, floats, bOff, dim);
    expectClose(kernels.l2(aOff * 4, bOff * 4, dim), l2, l2);
    expectClose(kernels.ip(aOff * 4, bOff * 4, dim), ip, dim);
  });

  it("stays within the float32 summation error bound of the JS kernels for any dim, offset and values", () => {
    const vector = (dim: number) =>
      fc.array(fc.float({ min: -1000, max: 1000, noNaN: true }), { minLength: dim, maxLength: dim });
    const input = fc
      .integer({ min: 1, max: 300 })
      .chain((dim) => fc.record({ a: vector(dim), b: vector(dim), aOff: fc.nat(15), bOff: fc.nat(15) }));
    fc.assert(
      fc.property(input, ({ a, b, aOff, bOff }) => {
        const dim = a.length;
        const bAt = aOff + dim + bOff;
        floats.set(a, aOff);
        floats.set(b, bAt);
        // Float32 sums of n terms err by at most ~n * 2^-24 of the sum of the terms' magnitudes.
        let l2Mass = 0;
        let ipMass = 0;
        for (let i = 0; i < dim; i++) {
          l2Mass += (a[i] - b[i]) ** 2;
          ipMass += Math.abs(a[i] * b[i]);
        }
        const bound = (mass: number): number => 2 * (dim + 2) * 2 ** -24 * mass + 1e-30;
        const l2Error = Math.abs(
          kernels.l2(aOff * 4, bAt * 4, dim) - l2Squared(floats, aOff, floats, bAt, dim),
        );
        const ipError = Math.abs(
          kernels.ip(aOff * 4, bAt * 4, dim) - innerProduct(floats, aOff, floats, bAt, dim),
        );
        return l2Error <= bound(l2Mass) && ipError <= bound(ipMass);
      }),
      { seed: 20_261_127, numRuns: 300 },
    );
  });

  it("returns 0 for an empty vector", () => {
    expect(kernels.l2(0, 64, 0)).toBe(0);
    expect(kernels.ip(0, 64, 0)).toBe(0);
  });

  it("writes one result per listed slot in a batch and nothing past n", () => {
    const dim = 5;
    const base = 64;
    gaussian(new SeededRandom(3), floats.subarray(base / 4, base / 4 + 10 * dim));
    const slotsAt = 4096;
    const outAt = 8192;
    new Uint32Array(memory.buffer, slotsAt, 3).set([7, 0, 7]);
    const out = new Float32Array(memory.buffer, outAt, 4);
    out[3] = -1;
    kernels.l2Batch(base, base, dim * 4, slotsAt, 3, outAt, dim);
    const expected = [7, 0, 7].map((s) => l2Squared(floats, base / 4, floats, base / 4 + s * dim, dim));
    expected.forEach((e, i) => expectClose(out[i], e, e));
    expect(out[1]).toBe(0);
    expect(out[3]).toBe(-1);
  });
});

describe("WasmVectorSlab", () => {
  function filledSlab(metric: (typeof METRICS)[number], dim: number, count: number, seed: number) {
    const rng = new SeededRandom(seed);
    const slab = new WasmVectorSlab(dim, metric, count);
    const reference = gaussian(rng, new Float32Array(count * dim));
    for (let s = 0; s < count; s++) slab.setVector(s, reference.subarray(s * dim, (s + 1) * dim));
    const query = gaussian(rng, new Float32Array(dim));
    slab.setQuery(query);
    return { slab, reference, query };
  }

  it.each(METRICS)("computes the same %s distances as kernelFor, per pair and between slots", (metric) => {
    const dim = 25;
    const { slab, reference, query } = filledSlab(metric, dim, 40, 11);
    const kernel = kernelFor(metric);
    for (let s = 0; s < 40; s++) {
      expectClose(slab.queryDistance(s), kernel(query, 0, reference, s * dim, dim), 10 * dim);
      expect(slab.queryDistanceAt(s * dim)).toBe(slab.queryDistance(s));
      const other = (s * 7) % 40;
      const between = kernel(reference, s * dim, reference, other * dim, dim);
      expectClose(slab.distanceBetween(s, other), between, 10 * dim);
    }
  });

  it.each(METRICS)("fills a %s batch longer than one WASM call with the per-pair distances", (metric) => {
    const { slab } = filledSlab(metric, 128, 200, 12);
    const rng = new SeededRandom(5);
    const n = 2 * WASM_BATCH_MAX + 19;
    const slots = Uint32Array.from({ length: n }, () => rng.nextInt(200));
    const out = new Float64Array(n + 1).fill(Number.NaN);
    slab.queryDistances(slots, n, out);
    for (let i = 0; i < n; i++) expect(out[i]).toBe(slab.queryDistance(slots[i]));
    expect(out[n]).toBeNaN();
  });

  it("keeps stored vectors across growth and detaches the views taken before it", () => {
    const { slab, reference, query } = filledSlab("l2", 128, 10, 13);
    const before = slab.vectors();
    const expected = Array.from({ length: 10 }, (_, s) => slab.queryDistance(s));
    slab.grow(slab.capacity * 4);
    expect(before.length).toBe(0);
    expect(slab.vectors().subarray(0, 10 * 128)).toEqual(reference);
    for (let s = 0; s < 10; s++) expect(slab.queryDistance(s)).toBe(expected[s]);
    slab.setQuery(query);
    expect(slab.queryDistance(3)).toBe(expected[3]);
  });

  it("offers at least the capacity asked for, backed by whole 64 KiB pages", () => {
    const slab = new WasmVectorSlab(768, "cosine", 1000);
    expect(slab.capacity).toBeGreaterThanOrEqual(1000);
    expect(slab.memoryBytes % 65_536).toBe(0);
    expect(slab.vectors().length).toBe(slab.capacity * 768);
    const capacity = slab.capacity;
    slab.grow(10);
    expect(slab.capacity).toBe(capacity);
  });

  it("rejects a vector or query of the wrong dimension with DIMENSION_MISMATCH", () => {
    const slab = new WasmVectorSlab(4, "l2", 2);
    expect(() => slab.setVector(0, [1, 2, 3])).toThrow(
      expect.objectContaining({ code: "DIMENSION_MISMATCH" }),
    );
    expect(() => slab.setQuery([1, 2, 3, 4, 5])).toThrow(IndexError);
  });

  it("rejects slots outside the slab and sizes past the 4 GiB of wasm32 with INVALID_PARAMETER", () => {
    const slab = new WasmVectorSlab(4, "l2", 2);
    const invalid = expect.objectContaining({ code: "INVALID_PARAMETER" });
    expect(() => slab.setVector(slab.capacity, [1, 2, 3, 4])).toThrow(invalid);
    expect(() => slab.setVector(-1, [1, 2, 3, 4])).toThrow(invalid);
    expect(() => slab.grow(2 ** 30)).toThrow(invalid);
    expect(() => slab.grow(1.5)).toThrow(invalid);
    expect(() => new WasmVectorSlab(0, "l2")).toThrow(invalid);
  });
});
