/**
 * The Kafka wire format of vecstream, decode side (the encode side is `src/producer/encode.ts`).
 *
 * Key: the point id, UTF-8, required, 1..1024 characters. Value:
 * - `null` deletes the point (the Kafka tombstone, so log compaction and deletes agree);
 * - a JSON object `{"vector": number[], "payload"?: object}` upserts (content-type absent or
 *   `application/json`); unknown top-level fields are ignored, known ones are type-checked strictly;
 * - raw little-endian float32 values, `4 * dim` bytes, when the `content-type` header is
 *   `application/x-vecstream-f32`, upserts without payload.
 *
 * Contract: `decodeMessage` never throws on bad input; it returns a `MutationOp` or an `InvalidMessage`
 * whose `reason` is a short stable code (also the `reason` label of `vecstream_dead_letters_total`).
 * Payloads are the object `JSON.parse` built and are never merged into other objects, so a
 * `"__proto__"` key stays an inert own data property.
 */

import type { Metric } from "../index/types.js";
import type { MutationOp } from "../collection/ops.js";

export const F32_CONTENT_TYPE = "application/x-vecstream-f32";
export const JSON_CONTENT_TYPE = "application/json";
export const CONTENT_TYPE_HEADER = "content-type";
/** Same bound as the engine's `MAX_ID_LENGTH` (UTF-16 code units). */
export const MAX_KEY_LENGTH = 1024;

/** Why a message was dead-lettered. Stable: dashboards and alerts key on these strings. */
export type InvalidReason =
  | "no_key" // key absent or empty
  | "bad_key" // key not valid UTF-8, or longer than MAX_KEY_LENGTH
  | "oversized" // value longer than maxMessageBytes
  | "bad_content_type" // content-type header neither JSON nor raw float32
  | "bad_json" // not parseable, not an object, or `vector` missing / not an array
  | "wrong_dimension" // vector length (or raw byte length / 4) differs from the collection's dim
  | "non_finite" // a vector value that is not a finite number within float32 range
  | "zero_vector" // all-zero vector under the cosine metric (its direction is undefined)
  | "bad_payload"; // payload present but not a plain JSON object

export const INVALID_REASONS: readonly InvalidReason[] = [
  "no_key",
  "bad_key",
  "oversized",
  "bad_content_type",
  "bad_json",
  "wrong_dimension",
  "non_finite",
  "zero_vector",
  "bad_payload",
];

export type WireHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** The parts of a kafkajs `KafkaMessage` the decoder reads (structurally compatible with it). */
export interface WireMessage {
  key?: Buffer | null;
  value: Buffer | null;
  headers?: WireHeaders;
  /** Kafka offset as kafkajs gives it (a decimal string). */
  offset: string;
  /** Kafka timestamp in ms since epoch, as a decimal string. */
  timestamp: string;
}

/** A message that cannot become a mutation; it goes to the dead-letter topic with its original bytes. */
export interface InvalidMessage {
  kind: "invalid";
  reason: InvalidReason;
  /** Human-readable explanation, sent as the `x-vecstream-error` header. */
  message: string;
  partition: number;
  offset: number;
  timestampMs: number;
  /** The message as received, so the dead-letter record carries the original key, value and headers. */
  original: WireMessage;
}

export type DecodedMessage = MutationOp | InvalidMessage;

export interface DecodeOptions {
  dim: number;
  metric: Metric;
  maxMessageBytes: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Raised inside the decoder only; `decodeMessage` turns it into an `InvalidMessage`. */
class WireError extends Error {
  constructor(
    readonly reason: InvalidReason,
    message: string,
  ) {
    super(message);
  }
}

/** Decodes one Kafka message from `partition` into a mutation or an invalid message. Never throws. */
export function decodeMessage(msg: WireMessage, partition: number, options: DecodeOptions): DecodedMessage {
  const position = { partition, offset: Number(msg.offset), timestampMs: Number(msg.timestamp) };
  try {
    const id = decodeKey(msg.key);
    if (msg.value === null || msg.value === undefined) return { kind: "delete", id, ...position };
    if (msg.value.length > options.maxMessageBytes) {
      throw new WireError(
        "oversized",
        `value has ${msg.value.length} bytes, the limit is ${options.maxMessageBytes}`,
      );
    }
    const format = contentFormat(msg.headers);
    if (format === "f32") {
      return { kind: "upsert", id, vector: decodeF32(msg.value, options), ...position };
    }
    const { vector, payload } = decodeJson(msg.value, options);
    const op: MutationOp = { kind: "upsert", id, vector, ...position };
    if (payload !== undefined) op.payload = payload;
    return op;
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    return { kind: "invalid", reason: err.reason, message: err.message, ...position, original: msg };
  }
}

function decodeKey(key: Buffer | null | undefined): string {
  if (key === null || key === undefined || key.length === 0) {
    throw new WireError("no_key", "the message has no key; the key is the point id");
  }
  // A key of more than 4 * MAX_KEY_LENGTH bytes cannot be MAX_KEY_LENGTH UTF-16 units: skip decoding it.
  if (key.length > 4 * MAX_KEY_LENGTH) {
    throw new WireError(
      "bad_key",
      `the key has ${key.length} bytes; ids are at most ${MAX_KEY_LENGTH} characters`,
    );
  }
  let id: string;
  try {
    id = utf8.decode(key);
  } catch {
    throw new WireError("bad_key", "the key is not valid UTF-8");
  }
  if (id.length > MAX_KEY_LENGTH) {
    throw new WireError("bad_key", `the key has ${id.length} characters; ids are at most ${MAX_KEY_LENGTH}`);
  }
  return id;
}

function headerText(value: WireHeaders[string]): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  return typeof first === "string" ? first : first.toString("utf8");
}

/** Reads the `content-type` header: media type only, parameters (`; charset=utf-8`) ignored. */
function contentFormat(headers: WireHeaders | undefined): "json" | "f32" {
  const raw = headers ? headerText(headers[CONTENT_TYPE_HEADER]) : undefined;
  if (raw === undefined) return "json";
  const mediaType = raw.split(";", 1)[0].trim().toLowerCase();
  if (mediaType === JSON_CONTENT_TYPE || mediaType === "") return "json";
  if (mediaType === F32_CONTENT_TYPE) return "f32";
  throw new WireError(
    "bad_content_type",
    `content-type "${raw.slice(0, 100)}" is neither ${JSON_CONTENT_TYPE} nor ${F32_CONTENT_TYPE}`,
  );
}

function decodeF32(value: Buffer, { dim, metric }: DecodeOptions): Float32Array {
  if (value.length !== 4 * dim) {
    throw new WireError(
      "wrong_dimension",
      `raw float32 value has ${value.length} bytes, expected ${4 * dim} (dim ${dim})`,
    );
  }
  const vector = new Float32Array(dim);
  if (littleEndianHost) {
    // Copy the bytes: the Buffer may sit at an offset of a pooled ArrayBuffer that is not 4-aligned.
    new Uint8Array(vector.buffer).set(value);
  } else {
    for (let i = 0; i < dim; i++) vector[i] = value.readFloatLE(4 * i);
  }
  checkValues(vector, dim, metric);
  return vector;
}

function decodeJson(
  value: Buffer,
  { dim, metric }: DecodeOptions,
): { vector: Float32Array; payload?: Record<string, unknown> } {
  let doc: unknown;
  try {
    doc = JSON.parse(value.toString("utf8"));
  } catch (err) {
    throw new WireError("bad_json", `value is not JSON: ${(err as Error).message.slice(0, 200)}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new WireError("bad_json", 'value must be a JSON object {"vector": [...], "payload"?: {...}}');
  }
  const { vector: raw, payload } = doc as { vector?: unknown; payload?: unknown };
  if (!Array.isArray(raw)) throw new WireError("bad_json", '"vector" must be an array of numbers');
  if (raw.length !== dim) {
    throw new WireError("wrong_dimension", `vector has ${raw.length} dimensions, the collection has ${dim}`);
  }
  const vector = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    const x: unknown = raw[i];
    // A hand check rather than zod, for speed on the ingest path: docs/decisions/wire-json-decode.md.
    if (typeof x !== "number") throw new WireError("non_finite", `vector[${i}] is not a number`);
    vector[i] = x;
  }
  checkValues(vector, dim, metric);
  if (payload === undefined) return { vector };
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    throw new WireError("bad_payload", '"payload" must be a JSON object');
  }
  return { vector, payload: payload as Record<string, unknown> };
}

/**
 * Checks the float32 values: finite (a double beyond float32 range became Infinity when stored) and,
 * under cosine, not all zero.
 */
function checkValues(vector: Float32Array, dim: number, metric: Metric): void {
  let anyNonZero = false;
  for (let i = 0; i < dim; i++) {
    const x = vector[i];
    if (!Number.isFinite(x)) {
      throw new WireError("non_finite", `vector[${i}] is ${x} as float32; every value must be finite`);
    }
    if (x !== 0) anyNonZero = true;
  }
  if (metric === "cosine" && !anyNonZero) {
    throw new WireError("zero_vector", "vector is all zeros; cosine distance is undefined for it");
  }
}
