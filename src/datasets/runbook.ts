/**
 * Parser for the big-ann-benchmarks streaming runbooks (NeurIPS'23 streaming track).
 *
 * A runbook file maps dataset keys (`random-xs`, `msturing-10M`, ...) to `max_pts` (the most points live
 * at any one time, a capacity hint: ids themselves may exceed it), an optional
 * `gt_url`, and steps numbered from 1, each an `insert`/`delete` of a half-open id range, a `replace`
 * (point tags `[tags_start, tags_end)` at the vectors of ids `[ids_start, ids_end)`), or a `search`.
 *
 * Contract: `parseRunbook` returns the steps of one dataset key in step order, each validated (integer,
 * non-negative, non-empty ranges; equal-length replace ranges); anything else throws
 * a `DatasetError` naming the step, so a replay never runs half a runbook and fails in the middle.
 */

import { readFileSync } from "node:fs";

import { parse } from "yaml";
import { z } from "zod";

import { DatasetError } from "./errors.js";

export type RunbookStep =
  | { step: number; operation: "insert"; start: number; end: number }
  | { step: number; operation: "delete"; start: number; end: number }
  | {
      step: number;
      operation: "replace";
      tagsStart: number;
      tagsEnd: number;
      idsStart: number;
      idsEnd: number;
    }
  | { step: number; operation: "search" };

export interface Runbook {
  datasetKey: string;
  /** The most points live at any one time (a capacity hint; ids may be larger). */
  maxPts: number;
  gtUrl?: string;
  /** Steps in increasing step number. */
  steps: RunbookStep[];
}

const id = z.number().int().nonnegative();
const stepSchema = z.discriminatedUnion("operation", [
  z.object({ operation: z.literal("insert"), start: id, end: id }),
  z.object({ operation: z.literal("delete"), start: id, end: id }),
  z.object({
    operation: z.literal("replace"),
    tags_start: id,
    tags_end: id,
    ids_start: id,
    ids_end: id,
  }),
  z.object({ operation: z.literal("search") }),
]);

/** Converts one validated YAML step to the camel-cased union, checking its ranges. */
function toStep(step: number, raw: z.infer<typeof stepSchema>, path: string): RunbookStep {
  const fail = (message: string): never => {
    throw new DatasetError("INVALID_RUNBOOK", path, `step ${step}: ${message}`, { step });
  };
  const checkRange = (start: number, end: number, what: string): void => {
    if (start >= end) fail(`${what} range [${start}, ${end}) is empty`);
  };
  switch (raw.operation) {
    case "insert":
    case "delete":
      checkRange(raw.start, raw.end, raw.operation);
      return { step, operation: raw.operation, start: raw.start, end: raw.end };
    case "replace":
      checkRange(raw.tags_start, raw.tags_end, "tags");
      checkRange(raw.ids_start, raw.ids_end, "ids");
      if (raw.tags_end - raw.tags_start !== raw.ids_end - raw.ids_start)
        fail("tags and ids ranges differ in length");
      return {
        step,
        operation: "replace",
        tagsStart: raw.tags_start,
        tagsEnd: raw.tags_end,
        idsStart: raw.ids_start,
        idsEnd: raw.ids_end,
      };
    case "search":
      return { step, operation: "search" };
  }
}

/** Parses the runbook text and returns the entry for `datasetKey`. `path` is only used in messages. */
export function parseRunbook(text: string, datasetKey: string, path = "<runbook>"): Runbook {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new DatasetError("INVALID_RUNBOOK", path, `not valid YAML: ${(error as Error).message}`);
  }
  if (doc === null || typeof doc !== "object")
    throw new DatasetError("INVALID_RUNBOOK", path, "not a mapping");
  const entry = (doc as Record<string, unknown>)[datasetKey];
  if (entry === undefined) {
    throw new DatasetError("UNKNOWN_DATASET_KEY", path, `no dataset key "${datasetKey}"`, {
      available: Object.keys(doc),
    });
  }
  if (entry === null || typeof entry !== "object") {
    throw new DatasetError("INVALID_RUNBOOK", path, `"${datasetKey}" is not a mapping`);
  }
  const { max_pts: maxPtsRaw, gt_url: gtUrl, ...numbered } = entry as Record<string, unknown>;
  const maxPts = id.safeParse(maxPtsRaw);
  if (!maxPts.success || maxPts.data === 0) {
    throw new DatasetError("INVALID_RUNBOOK", path, `"${datasetKey}".max_pts must be a positive integer`);
  }
  const steps: RunbookStep[] = [];
  for (const [key, value] of Object.entries(numbered)) {
    const step = Number(key);
    if (!Number.isInteger(step) || step < 1) {
      throw new DatasetError("INVALID_RUNBOOK", path, `unexpected key "${key}" in "${datasetKey}"`);
    }
    const parsed = stepSchema.safeParse(value);
    if (!parsed.success) {
      throw new DatasetError("INVALID_RUNBOOK", path, `step ${step}: ${parsed.error.issues[0]?.message}`, {
        step,
      });
    }
    steps.push(toStep(step, parsed.data, path));
  }
  steps.sort((a, b) => a.step - b.step);
  return { datasetKey, maxPts: maxPts.data, ...(typeof gtUrl === "string" ? { gtUrl } : {}), steps };
}

/** Reads and parses a runbook file. */
export function readRunbook(path: string, datasetKey: string): Runbook {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new DatasetError("NOT_FOUND", path, "cannot read runbook");
  }
  return parseRunbook(text, datasetKey, path);
}
