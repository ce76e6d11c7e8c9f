/**
 * HNSW parameters, their defaults and their checks, named after the paper's symbols.
 *
 * Contract: `resolveParams` returns a complete, validated parameter set or throws
 * `IndexError("INVALID_PARAMETER")`; the derived constants below are the only place where the paper's
 * rules (M links on upper layers, 2M on layer 0, mL = 1/ln(M)) are written down.
 */

import { IndexError } from "./errors.js";
import type { SeededRandom } from "./random.js";
import type { Metric } from "./types.js";
import { METRICS } from "./types.js";
import { MAX_EF } from "./validation.js";

export interface HnswParams {
  dim: number;
  metric: Metric;
  /** Links per node on upper layers (the paper's M); default 16. Layer 0 keeps up to 2M. */
  M?: number;
  /** Beam width while inserting (the paper's efConstruction); default 200. */
  efConstruction?: number;
  /** Default beam width of a search (the paper's ef); default 64. */
  efSearch?: number;
  /** Seed of the level generator; default 42. */
  seed?: number;
  /** Slots allocated up front; default 1024. */
  initialCapacity?: number;
  /**
   * Fraction of used slots that may be tombstones before a delete-consolidation pass starts; default
   * `CONSOLIDATION_RATIO`. `Infinity` turns repair off and leaves hnswlib-style mark-only deletes, the
   * baseline benchmarks compare against. Saved in snapshots, since it decides how later deletes go.
   */
  consolidationRatio?: number;
}

/**
 * Default tombstone fraction that starts a consolidation pass. A pass touches nearly every node, so
 * larger batches amortise it better; smaller ones keep fewer dead nodes routing searches. Measured:
 * docs/decisions/consolidation-ratio.md.
 */
export const CONSOLIDATION_RATIO = 0.1;

/** Levels are stored in a Uint8Array; with M >= 2 a level above 30 has probability below 2^-30. */
export const MAX_LEVEL = 30;
export const MAX_DIM = 65_536;
export const MAX_M = 1024;

function checkInt(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new IndexError("INVALID_PARAMETER", `${name} must be an integer from ${min} to ${max}`, {
      parameter: name,
      value,
    });
  }
  return value;
}

export function resolveParams(params: HnswParams): Required<HnswParams> {
  if (params === null || typeof params !== "object") {
    throw new IndexError("INVALID_PARAMETER", "HNSW parameters must be an object", {});
  }
  if (!METRICS.includes(params.metric)) {
    throw new IndexError("INVALID_PARAMETER", `metric must be one of ${METRICS.join(", ")}`, {
      parameter: "metric",
      value: params.metric,
    });
  }
  return {
    dim: checkInt("dim", params.dim, 1, MAX_DIM),
    metric: params.metric,
    M: checkInt("M", params.M ?? 16, 2, MAX_M),
    efConstruction: checkInt("efConstruction", params.efConstruction ?? 200, 1, MAX_EF),
    efSearch: checkInt("efSearch", params.efSearch ?? 64, 1, MAX_EF),
    seed: checkInt("seed", params.seed ?? 42, 0, 0xffffffff),
    initialCapacity: checkInt("initialCapacity", params.initialCapacity ?? 1024, 1, 2 ** 31),
    consolidationRatio: checkRatio(params.consolidationRatio ?? CONSOLIDATION_RATIO),
  };
}

function checkRatio(value: unknown): number {
  if (typeof value !== "number" || !(value >= 0)) {
    throw new IndexError("INVALID_PARAMETER", "consolidationRatio must be a number >= 0 (Infinity: never)", {
      parameter: "consolidationRatio",
      value,
    });
  }
  return value;
}

/** The paper's Mmax0: the largest neighbour list on layer 0. */
export function maxLinksLevel0(M: number): number {
  return 2 * M;
}

/** The paper's mL, the level normalisation factor 1/ln(M). */
export function levelMultiplier(M: number): number {
  return 1 / Math.log(M);
}

/** Draws a node's top layer, floor(-ln(U) * mL), from the seeded generator. */
export function drawLevel(rng: SeededRandom, mL: number): number {
  const level = Math.floor(-Math.log(1 - rng.next()) * mL);
  return Math.min(level, MAX_LEVEL);
}
