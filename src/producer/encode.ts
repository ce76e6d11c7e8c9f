/**
 * Encode side of the vecstream wire format (decode side and format description: `src/stream/wire.ts`),
 * for event-stream producers that write their own kafkajs code.
 *
 * Contract: `encodeUpsert` and `encodeDelete` return kafkajs `Message` objects keyed by the point id, so
 * the default (murmur2) partitioner keeps every id on one partition and per-id order holds. They check
 * what the consumer would reject (empty or long id, wrong values, payload with raw float32) and throw an
 * `EncodeError` instead of producing a message that would only reach the dead-letter topic.
 */

import type { Message } from "kafkajs";
import { CONTENT_TYPE_HEADER, F32_CONTENT_TYPE, MAX_KEY_LENGTH } from "../stream/wire.js";

export type WireFormat = "json" | "f32";

export interface EncodeOptions {
  /** `json` (default) carries a payload; `f32` is 4 bytes per dimension, about 3x smaller, no payload. */
  format?: WireFormat;
}

export type EncodeErrorCode = "INVALID_ID" | "NON_FINITE_VALUE" | "PAYLOAD_NOT_SUPPORTED" | "INVALID_PAYLOAD";

export class EncodeError extends Error {
  readonly code: EncodeErrorCode;
  readonly retriable = false;

  constructor(code: EncodeErrorCode, message: string) {
    super(message);
    this.name = "EncodeError";
    this.code = code;
  }
}

function checkId(id: string): void {
  if (typeof id !== "string" || id.length === 0 || id.length > MAX_KEY_LENGTH) {
    throw new EncodeError(
      "INVALID_ID",
      `id must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`,
    );
  }
}

/** An upsert of `vector` (and `payload`, JSON format only) under `id`. */
export function encodeUpsert(
  id: string,
  vector: ArrayLike<number>,
  payload?: Record<string, unknown>,
  options: EncodeOptions = {},
): Message {
  checkId(id);
  for (let i = 0; i < vector.length; i++) {
    if (!Number.isFinite(Math.fround(vector[i]))) {
      throw new EncodeError(
        "NON_FINITE_VALUE",
        `vector[${i}] is ${vector[i]}; every value must be a finite float32`,
      );
    }
  }
  if ((options.format ?? "json") === "f32") {
    if (payload !== undefined) {
      throw new EncodeError("PAYLOAD_NOT_SUPPORTED", "the raw float32 format carries no payload; use json");
    }
    const value = Buffer.allocUnsafe(4 * vector.length);
    for (let i = 0; i < vector.length; i++) value.writeFloatLE(vector[i], 4 * i);
    return { key: id, value, headers: { [CONTENT_TYPE_HEADER]: F32_CONTENT_TYPE } };
  }
  if (payload !== undefined && (payload === null || typeof payload !== "object" || Array.isArray(payload))) {
    throw new EncodeError("INVALID_PAYLOAD", "payload must be a plain object");
  }
  // Array.from on a Float32Array yields the exact doubles of its float32 values, so decode restores them.
  const doc =
    payload === undefined ? { vector: Array.from(vector) } : { vector: Array.from(vector), payload };
  return { key: id, value: JSON.stringify(doc) };
}

/** A delete of `id`: a Kafka tombstone (null value). */
export function encodeDelete(id: string): Message {
  checkId(id);
  return { key: id, value: null };
}
