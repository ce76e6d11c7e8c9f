/**
 * Replays a big-ann-benchmarks streaming runbook on one engine and scores every search step against
 * the per-step exact ground truth (`streaming-gt/<runbook>/stepN.gt100`).
 *
 * Semantics (`../shared/data/README.md`): id N is base row N; `insert`/`delete` act on the half-open id
 * range; `replace` points each tag at the vector of the matching id (an upsert of an existing id);
 * `search` runs every query with k = 10 at each requested ef (searches do not mutate, so one replay
 * serves all ef values).
 *
 * Contract: `replayRunbook` returns, per ef, recall@10 at each search step, and the live state (tag ->
 * base row) at the last search step, from which `freshBuildRecall` builds a new index to compare with.
 */

import { join } from "node:path";

import type { Runbook, RunbookStep, StepGroundTruth } from "../../src/datasets/index.js";
import { readGt100 } from "../../src/datasets/index.js";
import type { BenchEngine, PreparedQuery } from "./engines.js";
import { recallAtK, secondsSince } from "./measure.js";

const K = 10;

type MutationStep = Exclude<RunbookStep, { operation: "search" }>;

export interface StepRecall {
  step: number;
  live: number;
  recall: number;
}

export interface ReplayResult {
  /** Recall per search step, one array per ef (same order as the `efs` argument). */
  stepsByEf: StepRecall[][];
  /** tag -> base row at the last search step. */
  finalState: Map<number, number>;
  finalGt: StepGroundTruth;
  replaySeconds: number;
}

export interface ReplayInput {
  runbook: Runbook;
  gtDir: string;
  base: Float32Array;
  dim: number;
  queries: PreparedQuery[];
  efs: number[];
}

function row(base: Float32Array, dim: number, id: number): Float32Array {
  if ((id + 1) * dim > base.length)
    throw new Error(`runbook refers to id ${id}, beyond the ${base.length / dim} base rows`);
  return base.subarray(id * dim, (id + 1) * dim);
}

/** Recall@10 of `engine` on all queries at `ef` against one step's ground truth. */
export function stepRecall(
  engine: BenchEngine,
  queries: PreparedQuery[],
  gt: StepGroundTruth,
  ef: number,
): number {
  if (gt.nq !== queries.length)
    throw new Error(`ground truth has ${gt.nq} queries, the query file ${queries.length}`);
  return recallAtK(
    queries.map((q) => engine.search(q, K, ef)),
    gt.tags,
    gt.k,
    K,
  );
}

/** Applies one mutating step to the engine and to `state` (tag -> base row). */
function applyMutation(
  engine: BenchEngine,
  step: MutationStep,
  state: Map<number, number>,
  input: ReplayInput,
): void {
  const { base, dim } = input;
  if (step.operation === "insert") {
    for (let id = step.start; id < step.end; id++) {
      engine.upsert(id, row(base, dim, id));
      state.set(id, id);
    }
  } else if (step.operation === "delete") {
    for (let id = step.start; id < step.end; id++) {
      engine.delete(id);
      state.delete(id);
    }
  } else {
    for (let i = 0; i < step.tagsEnd - step.tagsStart; i++) {
      engine.upsert(step.tagsStart + i, row(base, dim, step.idsStart + i));
      state.set(step.tagsStart + i, step.idsStart + i);
    }
  }
}

export function replayRunbook(engine: BenchEngine, input: ReplayInput): ReplayResult {
  const state = new Map<number, number>();
  const stepsByEf: StepRecall[][] = input.efs.map(() => []);
  let finalState = new Map<number, number>();
  let finalGt: StepGroundTruth | undefined;
  const started = process.hrtime.bigint();
  for (const step of input.runbook.steps) {
    if (step.operation !== "search") {
      applyMutation(engine, step, state, input);
      continue;
    }
    const gt = readGt100(join(input.gtDir, `step${step.step}.gt100`));
    input.efs.forEach((ef, e) => {
      stepsByEf[e].push({
        step: step.step,
        live: state.size,
        recall: stepRecall(engine, input.queries, gt, ef),
      });
    });
    finalState = new Map(state);
    finalGt = gt;
  }
  if (finalGt === undefined) throw new Error(`runbook ${input.runbook.datasetKey} has no search step`);
  return { stepsByEf, finalState, finalGt, replaySeconds: secondsSince(started) };
}

/** Builds a fresh index of `state` (tags in increasing order) and returns its recall at each ef. */
export function freshBuildRecall(
  engine: BenchEngine,
  input: ReplayInput,
  state: Map<number, number>,
  gt: StepGroundTruth,
): number[] {
  const tags = [...state.keys()].sort((a, b) => a - b);
  for (const tag of tags) engine.upsert(tag, row(input.base, input.dim, state.get(tag) as number));
  return input.efs.map((ef) => stepRecall(engine, input.queries, gt, ef));
}
