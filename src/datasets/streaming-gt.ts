/**
 * Readers for the per-step ground truth of a replayed streaming runbook (`streaming-gt/<runbook>/`).
 *
 * `stepN.gt100` layout (big-ann-benchmarks' range/knn result format): int32 `nq`, int32 `k`, then
 * uint32 `tags[nq*k]` (row-major, nearest first), then float32 Euclidean `distances[nq*k]`.
 * `index.json` lists the search steps, their files and the number of live points at each.
 *
 * Contract: `readGt100` checks the file size against its header before returning typed arrays, and
 * `readStreamingGtIndex` validates the index with a schema; malformed input throws a `DatasetError`.
 */

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { z } from "zod";

import { DatasetError } from "./errors.js";

export interface StepGroundTruth {
  nq: number;
  k: number;
  /** Query `q`'s neighbours are `tags.subarray(q*k, (q+1)*k)`, nearest first. */
  tags: Uint32Array;
  distances: Float32Array;
}

export interface StreamingGtStep {
  step: number;
  file: string;
  activePoints: number;
}

export interface StreamingGtIndex {
  runbook: string;
  datasetKey: string;
  maxPts: number;
  numSteps: number;
  steps: StreamingGtStep[];
}

const HEADER_BYTES = 8;

/** Reads one `stepN.gt100` file. */
export function readGt100(path: string): StepGroundTruth {
  if (!existsSync(path)) throw new DatasetError("NOT_FOUND", path, "no such file");
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
    throw new DatasetError("INVALID_HEADER", path, "gt100 files are little-endian; this host is not");
  }
  const source = readFileSync(path);
  // Copy into a fresh buffer so the typed-array views below are 4-byte aligned.
  const bytes = new Uint8Array(source.byteLength);
  bytes.set(source);
  if (bytes.byteLength < HEADER_BYTES)
    throw new DatasetError("TRUNCATED_FILE", path, "shorter than its header");
  const view = new DataView(bytes.buffer);
  const nq = view.getInt32(0, true);
  const k = view.getInt32(4, true);
  if (nq < 0 || k <= 0) throw new DatasetError("INVALID_HEADER", path, `header nq=${nq} k=${k}`, { nq, k });
  const expected = HEADER_BYTES + 8 * nq * k;
  if (bytes.byteLength !== expected) {
    throw new DatasetError("TRUNCATED_FILE", path, `size ${bytes.byteLength}, header implies ${expected}`, {
      nq,
      k,
    });
  }
  const tags = new Uint32Array(bytes.buffer, HEADER_BYTES, nq * k);
  const distances = new Float32Array(bytes.buffer, HEADER_BYTES + 4 * nq * k, nq * k);
  return { nq, k, tags, distances };
}

const indexSchema = z.object({
  runbook: z.string(),
  runbook_dataset_key: z.string(),
  max_pts: z.number().int().positive(),
  num_steps: z.number().int().nonnegative(),
  steps: z.array(
    z.object({
      step: z.number().int().positive(),
      file: z.string().regex(/^[\w.-]+$/, "a plain file name"),
      active_points: z.number().int().nonnegative(),
    }),
  ),
});

/** Reads `<dir>/index.json`. */
export function readStreamingGtIndex(dir: string): StreamingGtIndex {
  const path = join(dir, "index.json");
  if (!existsSync(path)) throw new DatasetError("NOT_FOUND", path, "no such file");
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new DatasetError("INVALID_GT_INDEX", path, `not valid JSON: ${(error as Error).message}`);
  }
  const parsed = indexSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DatasetError("INVALID_GT_INDEX", path, `${issue?.path.join(".")}: ${issue?.message}`);
  }
  const index = parsed.data;
  return {
    runbook: index.runbook,
    datasetKey: index.runbook_dataset_key,
    maxPts: index.max_pts,
    numSteps: index.num_steps,
    steps: index.steps.map((s) => ({ step: s.step, file: s.file, activePoints: s.active_points })),
  };
}
