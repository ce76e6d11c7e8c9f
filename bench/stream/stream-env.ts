/**
 * What the streaming benchmark's figures are compared with and measured on: the engine's bare insert
 * rate, and the code version in the (shared, live) checkout.
 *
 * Contract: `engineInsertRate` inserts the first `n` rows into an in-process `HnswIndex` built exactly
 * as the service builds a collection's index (same M, efConstruction, ef, seed, default initial
 * capacity, so growth costs the same) and returns inserts per second of wall time: no Kafka, no HTTP,
 * no event-loop slicing. `codeVersion` names the commit and the `src/` or `config/` files that differ
 * from it, because the service runs from the working tree and other people edit it concurrently.
 */

import { spawnSync } from "node:child_process";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { BENCH_HNSW } from "./stream-service.js";

export function engineInsertRate(vectors: Float32Array, dim: number, n: number): number {
  const { M, efConstruction, ef, seed } = BENCH_HNSW;
  const index = new HnswIndex({ dim, metric: "l2", M, efConstruction, efSearch: ef, seed });
  const started = performance.now();
  for (let i = 0; i < n; i++) index.upsert(`p${i}`, vectors.subarray(i * dim, (i + 1) * dim));
  return n / ((performance.now() - started) / 1000);
}

export function codeVersion(): { commit: string; dirty: string[] } {
  const git = (args: string[]) => spawnSync("git", args, { encoding: "utf8" }).stdout ?? "";
  // Porcelain lines are "XY path": two status columns and a space, so no trimming before slicing.
  const dirty = git(["status", "--porcelain", "--", "src", "config"]).split("\n").filter(Boolean);
  const commit = git(["rev-parse", "--short", "HEAD"]).trim() || "unknown (not a git checkout)";
  return { commit, dirty: dirty.map((line) => line.slice(3)) };
}
