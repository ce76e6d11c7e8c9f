/**
 * Property: for any sequence of upserts and deletes, loading a snapshot gives an index whose own
 * snapshot is byte-identical and whose answers are identical, for both engines and every metric.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BruteForceIndex } from "../../src/index/brute-force-index.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { deserializeIndex, serializeIndex } from "../../src/index/serialization.js";
import type { SerializableIndex } from "../../src/index/serialization.js";
import { METRICS } from "../../src/index/types.js";

const DIM = 3;
const vector = fc.array(fc.integer({ min: -4, max: 4 }), { minLength: DIM, maxLength: DIM });
const op = fc.record({ id: fc.integer({ min: 0, max: 40 }), remove: fc.boolean(), vector });

function bytes(index: SerializableIndex): number[] {
  return [...serializeIndex(index)].flatMap((chunk) => Array.from(chunk));
}

describe.each(METRICS)("snapshot round trip under %s, for any operation sequence", (metric) => {
  const engines = {
    hnsw: () => new HnswIndex({ dim: DIM, metric, M: 3, efConstruction: 8, seed: 1, initialCapacity: 2 }),
    "brute-force": () => new BruteForceIndex({ dim: DIM, metric, initialCapacity: 2 }),
  };
  it.each(Object.entries(engines))(
    "reloads %s to a byte-identical, equally answering index",
    async (_, make) => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 120 }), vector, async (ops, query) => {
          const index = make();
          for (const { id, remove, vector: v } of ops) {
            // Zero vectors are invalid under cosine; they are rejected before changing anything.
            if (remove) index.delete(`p${id}`);
            else if (metric !== "cosine" || v.some((x) => x !== 0)) index.upsert(`p${id}`, v);
          }
          const loaded = await deserializeIndex(serializeIndex(index));
          expect(bytes(loaded)).toEqual(bytes(index));
          if (metric !== "cosine" || query.some((x) => x !== 0)) {
            expect(loaded.search(query, 5)).toEqual(index.search(query, 5));
          }
        }),
        { numRuns: 60, seed: 20261127 },
      );
    },
  );
});
