/**
 * Profile before tuning: how much of an HNSW search is spent inside the distance kernel?
 *
 * Contract: builds an `HnswIndex` on siftsmall (10k x 128, l2) and glove-25 (10.9k x 25, cosine) from
 * `../shared/data/` (seeded random vectors of the same shape when the folder is absent), runs the query
 * set repeatedly under the V8 sampling profiler (`node:inspector`), and prints the self time of each
 * function as a share of all samples taken during the searches. The share bounds what any faster
 * kernel can win end to end (Amdahl).
 *
 * The profiler charges inlined code to the function it was inlined into, so by default this lowers
 * V8's inlining limit below the kernels' bytecode size (~220-250 bytes; small helpers stay inlined):
 * the kernel then shows up on its own, at the price of one real call per distance (a few ns, which
 * slightly lowers its share). `--inline` keeps V8's default, to time searches as they really run.
 *
 * `--backend js` (the default) profiles the JS vector store, the state before WASM; `--backend auto`
 * profiles the engine's default (the WASM store when SIMD is available), where the kernel time shows
 * as `wasm-function[...]` frames.
 *
 *   npx tsx bench/distance/hnsw-profile.ts [--seconds 3] [--ef 64] [--inline] [--backend js|auto]
 */

import { existsSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";

import { readFvecs } from "../../src/datasets/index.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { SeededRandom } from "../../src/index/random.js";
import type { Metric } from "../../src/index/types.js";

const DATA = fileURLToPath(new URL("../../../shared/data/", import.meta.url));

interface Workload {
  name: string;
  metric: Metric;
  dim: number;
  base: Float32Array;
  queries: Float32Array;
}

function randomRows(rows: number, dim: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  return Float32Array.from({ length: rows * dim }, () => rng.nextGaussian());
}

function load(name: string, folder: string, dim: number, metric: Metric, baseRows: number): Workload {
  const prefix = `${DATA}${folder}/${folder}`;
  if (!existsSync(`${prefix}_base.fvecs`)) {
    console.log(`(${folder} is absent: using seeded random vectors of the same shape)`);
    return {
      name: `${name} (random)`,
      metric,
      dim,
      base: randomRows(baseRows, dim, 1),
      queries: randomRows(100, dim, 2),
    };
  }
  const base = readFvecs(`${prefix}_base.fvecs`).data;
  const queries = readFvecs(`${prefix}_query.fvecs`, { limit: 200 }).data;
  return { name, metric, dim, base, queries };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

/** Self samples per "function (file)" label, as shares of all samples. */
function selfShares(profile: { nodes: ProfileNode[]; samples?: number[] }): [string, number][] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map<string, number>();
  const samples = profile.samples ?? [];
  for (const id of samples) {
    const frame = byId.get(id)?.callFrame;
    const file = frame?.url.split("/").pop() ?? "";
    const label = `${frame?.functionName || "(anonymous)"} (${file || "native"})`;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts]
    .map(([label, n]): [string, number] => [label, n / samples.length])
    .sort((a, b) => b[1] - a[1]);
}

async function profileSearches(index: HnswIndex, w: Workload, seconds: number, ef: number): Promise<void> {
  const queryCount = w.queries.length / w.dim;
  const run = (): void => {
    for (let q = 0; q < queryCount; q++)
      index.search(w.queries.subarray(q * w.dim, (q + 1) * w.dim), 10, { ef });
  };
  for (let i = 0; i < 3; i++) run();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
  const start = performance.now();
  let searches = 0;
  while (performance.now() - start < seconds * 1000) {
    run();
    searches += queryCount;
  }
  const elapsed = performance.now() - start;
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  console.log(
    `\n### ${w.name}: ${searches} searches (k=10, ef=${ef}), ${((elapsed * 1000) / searches).toFixed(1)} us each\n`,
  );
  console.log("| function (file) | self time share |\n|---|---:|");
  for (const [label, share] of selfShares(profile as { nodes: ProfileNode[]; samples?: number[] }).slice(
    0,
    8,
  )) {
    console.log(`| ${label} | ${(share * 100).toFixed(1)}% |`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "3" },
      ef: { type: "string", default: "64" },
      inline: { type: "boolean", default: false },
      backend: { type: "string", default: "js" },
    },
  });
  if (values.backend !== "js" && values.backend !== "auto") throw new Error("--backend is js or auto");
  const storage = { backend: values.backend as "js" | "auto" };
  // Before any search code is optimised, so TurboFan never inlines a kernel (see the module doc).
  if (!values.inline) setFlagsFromString("--max-inlined-bytecode-size=200");
  const workloads = [
    load("siftsmall", "siftsmall", 128, "l2", 10_000),
    load("glove-25", "glove-twitter-25-angular", 25, "cosine", 10_925),
  ];
  for (const w of workloads) {
    const index = new HnswIndex(
      {
        dim: w.dim,
        metric: w.metric,
        seed: 7,
        initialCapacity: w.base.length / w.dim,
      },
      storage,
    );
    const started = performance.now();
    for (let r = 0; r < w.base.length / w.dim; r++)
      index.upsert(String(r), w.base.subarray(r * w.dim, (r + 1) * w.dim));
    console.log(`built ${w.name} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await profileSearches(index, w, Number(values.seconds), Number(values.ef));
  }
}

await main();
