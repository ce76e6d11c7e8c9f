/**
 * Request bodies, validated with zod. Shape checks only: whether a vector fits a collection (its
 * dimension) is checked by the route, which knows the collection and can say so in the message.
 */

import { z } from "zod";
import { MAX_EF, MAX_K } from "../index/validation.js";

/** Longest read-your-writes wait a request may ask for. */
export const MAX_TIMEOUT_MS = 60_000;
export const MAX_BATCH_SEARCHES = 256;

const offset = z.number().int().nonnegative();

export const searchSchema = z.strictObject({
  vector: z.array(z.number({ error: "expected a finite number" }), { error: "expected an array of numbers" }),
  k: z.number().int().min(1).max(MAX_K).default(10),
  ef: z.number().int().min(1).max(MAX_EF).optional(),
  min_offsets: z
    .record(z.string().regex(/^\d+$/, { error: "partition keys must be integers" }), offset)
    .optional(),
  timeout_ms: z.number().int().min(0).max(MAX_TIMEOUT_MS).default(5000),
  with_payload: z.boolean().default(true),
  with_vector: z.boolean().default(false),
  /** Payload equality filter: a hit's payload must hold every key with exactly this value. */
  filter: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});

export type SearchRequest = z.infer<typeof searchSchema>;

export const batchSearchSchema = z.strictObject({
  searches: z.array(searchSchema).min(1).max(MAX_BATCH_SEARCHES),
});
