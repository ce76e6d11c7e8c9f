/**
 * One cell of the distance benchmark, run in its own process so every kernel call site stays
 * monomorphic (V8 shares type feedback between variants run in one process, which would penalise
 * whichever runs second).
 *
 * Contract: builds a seeded slab of `--vectors` random vectors of `--dim` floats, then for each access
 * pattern (random slots, sequential slots) times passes of "distance from one query to slot idx[i]"
 * over an index array as long as the slab, and prints one JSON line (`WorkerResult`). The same seed
 * gives every variant the same data and slots, so checksums (the sum of one pass's distances) must
 * agree across variants; the runner checks that.
 *
 *   npx tsx bench/distance/worker.ts --variant wasm-pair --dim 128 --metric l2 --vectors 100000
 */

import { parseArgs } from "node:util";

import { kernelFor } from "../../src/index/distance.js";
import type { DistanceKernel } from "../../src/index/distance.js";
import { createWasmMemory, instantiateDistanceKernels } from "../../src/index/distance-wasm.js";
import { SeededRandom } from "../../src/index/random.js";
import type { Metric } from "../../src/index/types.js";
import { WasmVectorSlab } from "./wasm-vector-slab.js";
import { ipFround, ipUnroll8, ipViews, l2Fround, l2Unroll8, l2Views } from "./js-variants.js";

export const VARIANTS = [
  "js-unroll4",
  "js-unroll8",
  "js-fround",
  "js-views",
  "wasm-pair",
  "wasm-pair-raw",
  "wasm-batch-16",
  "wasm-batch-64",
] as const;
export type Variant = (typeof VARIANTS)[number];
export type Pattern = "random" | "sequential";

export interface PatternResult {
  pattern: Pattern;
  /** Median over the timed repetitions. */
  nsPerDistance: number;
  /** ns per distance of each timed repetition, in run order. */
  samples: number[];
  /** Sum of the distances of one pass: equal (within float rounding) for every variant. */
  checksum: number;
}

export interface WorkerResult {
  variant: Variant;
  dim: number;
  metric: Metric;
  vectors: number;
  results: PatternResult[];
}

/** Computes the distance from the query to slot idx[i] for every i and returns their sum. */
type Pass = (idx: Uint32Array) => number;

const SEED = 20_261_127;

function fillRandom(target: Float32Array, rng: SeededRandom): void {
  for (let i = 0; i < target.length; i++) target[i] = rng.next() * 2 - 1;
}

/** JS kernels over a plain Float32Array slab, query in its own array (as a search request brings it). */
function jsPass(kernel: DistanceKernel, dim: number, vectors: number, rng: SeededRandom): Pass {
  const slab = new Float32Array(vectors * dim);
  fillRandom(slab, rng);
  const query = new Float32Array(dim);
  fillRandom(query, rng);
  return (idx) => {
    let sum = 0;
    for (let i = 0; i < idx.length; i++) sum += kernel(query, 0, slab, idx[i] * dim, dim);
    return sum;
  };
}

function viewsPass(metric: Metric, dim: number, vectors: number, rng: SeededRandom): Pass {
  const slab = new Float32Array(vectors * dim);
  fillRandom(slab, rng);
  const query = new Float32Array(dim);
  fillRandom(query, rng);
  const views = Array.from({ length: vectors }, (_, s) => slab.subarray(s * dim, (s + 1) * dim));
  const kernel =
    metric === "l2" ? l2Views : (a: Float32Array, b: Float32Array, d: number) => 1 - ipViews(a, b, d);
  return (idx) => {
    let sum = 0;
    for (let i = 0; i < idx.length; i++) sum += kernel(query, views[idx[i]], dim);
    return sum;
  };
}

function slabFor(metric: Metric, dim: number, vectors: number, rng: SeededRandom): WasmVectorSlab {
  const slab = new WasmVectorSlab(dim, metric, vectors);
  fillRandom(slab.vectors().subarray(0, vectors * dim), rng);
  const query = new Float32Array(dim);
  fillRandom(query, rng);
  slab.setQuery(query);
  return slab;
}

/** The realistic HNSW pattern: one JS->WASM call per candidate, through the slab's API. */
function wasmPairPass(metric: Metric, dim: number, vectors: number, rng: SeededRandom): Pass {
  const slab = slabFor(metric, dim, vectors, rng);
  return (idx) => {
    let sum = 0;
    for (let i = 0; i < idx.length; i++) sum += slab.queryDistance(idx[i]);
    return sum;
  };
}

/** The raw export without the slab's method and metric mapping, to show what that wrapper costs. */
function wasmRawPass(metric: Metric, dim: number, vectors: number, rng: SeededRandom): Pass {
  const base = (dim * 4 + 15) & ~15;
  const memory = createWasmMemory(Math.ceil((base + vectors * dim * 4) / 65_536));
  const kernels = instantiateDistanceKernels(memory);
  const query = new Float32Array(memory.buffer, 0, dim);
  fillRandom(new Float32Array(memory.buffer, base, vectors * dim), rng);
  fillRandom(query, rng);
  const stride = dim * 4;
  const raw = metric === "l2" ? kernels.l2 : kernels.ip;
  const bias = metric === "cosine" ? 1 : 0;
  const sign = metric === "l2" ? 1 : -1;
  return (idx) => {
    let sum = 0;
    for (let i = 0; i < idx.length; i++) sum += bias + sign * raw(0, base + idx[i] * stride, dim);
    return sum;
  };
}

/**
 * Candidates gathered into a buffer (as an HNSW step gathers unvisited neighbours), one WASM call per
 * batch, then every result read back: gathering and reading are counted against WASM.
 */
function wasmBatchPass(batch: number, metric: Metric, dim: number, vectors: number, rng: SeededRandom): Pass {
  const slab = slabFor(metric, dim, vectors, rng);
  const candidates = new Uint32Array(batch);
  const out = new Float32Array(batch);
  return (idx) => {
    let sum = 0;
    for (let start = 0; start < idx.length; start += batch) {
      const n = Math.min(batch, idx.length - start);
      for (let j = 0; j < n; j++) candidates[j] = idx[start + j];
      slab.queryDistances(candidates, n, out);
      for (let j = 0; j < n; j++) sum += out[j];
    }
    return sum;
  };
}

function makePass(variant: Variant, metric: Metric, dim: number, vectors: number, rng: SeededRandom): Pass {
  const ip = (k: DistanceKernel): DistanceKernel =>
    metric === "l2" ? k : (a, aOff, b, bOff, d) => 1 - k(a, aOff, b, bOff, d);
  switch (variant) {
    case "js-unroll4":
      return jsPass(kernelFor(metric), dim, vectors, rng);
    case "js-unroll8":
      return jsPass(metric === "l2" ? l2Unroll8 : ip(ipUnroll8), dim, vectors, rng);
    case "js-fround":
      return jsPass(metric === "l2" ? l2Fround : ip(ipFround), dim, vectors, rng);
    case "js-views":
      return viewsPass(metric, dim, vectors, rng);
    case "wasm-pair":
      return wasmPairPass(metric, dim, vectors, rng);
    case "wasm-pair-raw":
      return wasmRawPass(metric, dim, vectors, rng);
    case "wasm-batch-16":
      return wasmBatchPass(16, metric, dim, vectors, rng);
    case "wasm-batch-64":
      return wasmBatchPass(64, metric, dim, vectors, rng);
  }
}

/** Keeps every pass's result observable so V8 cannot drop the work. */
let sink = 0;

export function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Warms up, sizes a repetition to at least `minMs`, then times `reps` repetitions. */
function measure(pass: Pass, idx: Uint32Array, reps: number, minMs: number): Omit<PatternResult, "pattern"> {
  const checksum = pass(idx);
  for (let w = 0; w < 3; w++) sink += pass(idx);
  const t0 = process.hrtime.bigint();
  sink += pass(idx);
  const onePassNs = Number(process.hrtime.bigint() - t0);
  const passes = Math.max(1, Math.ceil((minMs * 1e6) / onePassNs));
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = process.hrtime.bigint();
    for (let p = 0; p < passes; p++) sink += pass(idx);
    samples.push(Number(process.hrtime.bigint() - start) / (passes * idx.length));
  }
  return { nsPerDistance: median(samples), samples, checksum };
}

function slotOrder(pattern: Pattern, vectors: number, rng: SeededRandom): Uint32Array {
  const idx = new Uint32Array(vectors);
  for (let i = 0; i < vectors; i++) idx[i] = pattern === "random" ? rng.nextInt(vectors) : i;
  return idx;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      variant: { type: "string" },
      dim: { type: "string" },
      metric: { type: "string", default: "l2" },
      vectors: { type: "string", default: "100000" },
      reps: { type: "string", default: "7" },
      "min-ms": { type: "string", default: "40" },
    },
  });
  const variant = values.variant as Variant;
  if (!VARIANTS.includes(variant)) throw new Error(`--variant must be one of ${VARIANTS.join(", ")}`);
  const metric = values.metric as Metric;
  const dim = Number(values.dim);
  const vectors = Number(values.vectors);
  const rng = new SeededRandom(SEED);
  const pass = makePass(variant, metric, dim, vectors, rng);
  const results: PatternResult[] = [];
  for (const pattern of ["random", "sequential"] as const) {
    const idx = slotOrder(pattern, vectors, new SeededRandom(SEED + 1));
    results.push({ pattern, ...measure(pass, idx, Number(values.reps), Number(values["min-ms"])) });
  }
  const result: WorkerResult = { variant, dim, metric, vectors, results };
  console.log(JSON.stringify(result));
  if (Number.isNaN(sink)) console.error("sink is NaN");
}

if (process.argv[1]?.endsWith("worker.ts")) main();
