import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Message } from "kafkajs";
import {
  decodeMessage,
  F32_CONTENT_TYPE,
  INVALID_REASONS,
  type DecodeOptions,
  type WireMessage,
} from "../../src/stream/wire.js";
import { encodeDelete, encodeUpsert, EncodeError } from "../../src/producer/encode.js";

const l2: DecodeOptions = { dim: 3, metric: "l2", maxMessageBytes: 1024 };
const cosine: DecodeOptions = { ...l2, metric: "cosine" };

function wire(key: string | Buffer | null, value: string | Buffer | null, headers = {}): WireMessage {
  return {
    key: typeof key === "string" ? Buffer.from(key) : key,
    value: typeof value === "string" ? Buffer.from(value) : value,
    headers,
    offset: "42",
    timestamp: "1700000000000",
  };
}

function fromMessage(m: Message, offset = "7"): WireMessage {
  const toBuf = (v: Buffer | string | null | undefined) =>
    v === null || v === undefined ? null : typeof v === "string" ? Buffer.from(v) : v;
  return {
    key: toBuf(m.key),
    value: toBuf(m.value),
    headers: m.headers as WireMessage["headers"],
    offset,
    timestamp: "1",
  };
}

function f32(values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeFloatLE(v, 4 * i));
  return b;
}

function reasonOf(msg: WireMessage, options = l2): string {
  const out = decodeMessage(msg, 0, options);
  return out.kind === "invalid" ? out.reason : `valid ${out.kind}`;
}

describe("decodeMessage", () => {
  it("decodes a JSON object into an upsert with its log position and payload", () => {
    const out = decodeMessage(wire("p1", '{"vector":[1,2.5,-3],"payload":{"color":"red"}}'), 4, l2);
    expect(out).toEqual({
      kind: "upsert",
      id: "p1",
      vector: new Float32Array([1, 2.5, -3]),
      payload: { color: "red" },
      partition: 4,
      offset: 42,
      timestampMs: 1700000000000,
    });
  });

  it("decodes an upsert without payload and leaves the payload field absent", () => {
    const out = decodeMessage(wire("p1", '{"vector":[1,2,3]}'), 0, l2);
    expect(out.kind).toBe("upsert");
    expect("payload" in out).toBe(false);
  });

  it("ignores unknown top-level fields", () => {
    expect(reasonOf(wire("p1", '{"vector":[1,2,3],"extra":true}'))).toBe("valid upsert");
  });

  it("decodes a null value into a delete (the Kafka tombstone)", () => {
    expect(decodeMessage(wire("gone", null), 1, l2)).toEqual({
      kind: "delete",
      id: "gone",
      partition: 1,
      offset: 42,
      timestampMs: 1700000000000,
    });
  });

  it("decodes raw little-endian float32 under the f32 content-type", () => {
    const out = decodeMessage(wire("p", f32([0.1, -2, 3e30]), { "content-type": F32_CONTENT_TYPE }), 0, l2);
    expect(out.kind).toBe("upsert");
    if (out.kind !== "upsert") return;
    expect(Array.from(out.vector)).toEqual([Math.fround(0.1), -2, Math.fround(3e30)]);
    expect(out.payload).toBeUndefined();
  });

  it("decodes raw float32 from a Buffer that is not 4-byte aligned", () => {
    const big = Buffer.concat([Buffer.from([9]), f32([1, 2, 3])]);
    const out = decodeMessage(
      wire("p", big.subarray(1), { "content-type": Buffer.from(F32_CONTENT_TYPE) }),
      0,
      l2,
    );
    expect(out.kind === "upsert" && Array.from(out.vector)).toEqual([1, 2, 3]);
  });

  it("accepts an application/json content-type with parameters", () => {
    const h = { "content-type": "application/json; charset=utf-8" };
    expect(reasonOf(wire("p", '{"vector":[1,2,3]}', h))).toBe("valid upsert");
  });

  it.each([
    ["a missing key", wire(null, '{"vector":[1,2,3]}'), "no_key"],
    ["an empty key", wire("", '{"vector":[1,2,3]}'), "no_key"],
    ["a key over 1024 characters", wire("x".repeat(1025), '{"vector":[1,2,3]}'), "bad_key"],
    ["a key that is not UTF-8", wire(Buffer.from([0xff, 0xfe]), '{"vector":[1,2,3]}'), "bad_key"],
    ["text that is not JSON", wire("p", "{vector:"), "bad_json"],
    ["a JSON array", wire("p", "[1,2,3]"), "bad_json"],
    ["a JSON string", wire("p", '"hello"'), "bad_json"],
    ["an object without vector", wire("p", '{"payload":{}}'), "bad_json"],
    ["a vector that is an object", wire("p", '{"vector":{"0":1}}'), "bad_json"],
    ["a vector of the wrong length", wire("p", '{"vector":[1,2]}'), "wrong_dimension"],
    ["a vector holding a string", wire("p", '{"vector":[1,"2",3]}'), "non_finite"],
    ["a vector holding null", wire("p", '{"vector":[1,null,3]}'), "non_finite"],
    ["a value beyond float32 range", wire("p", '{"vector":[1,1e39,3]}'), "non_finite"],
    ["a payload that is an array", wire("p", '{"vector":[1,2,3],"payload":[1]}'), "bad_payload"],
    ["a payload that is null", wire("p", '{"vector":[1,2,3],"payload":null}'), "bad_payload"],
    ["a payload that is a string", wire("p", '{"vector":[1,2,3],"payload":"x"}'), "bad_payload"],
    [
      "an unknown content-type",
      wire("p", '{"vector":[1,2,3]}', { "content-type": "text/csv" }),
      "bad_content_type",
    ],
    [
      "raw float32 of the wrong length",
      wire("p", f32([1, 2]), { "content-type": F32_CONTENT_TYPE }),
      "wrong_dimension",
    ],
    [
      "raw float32 holding NaN",
      wire("p", f32([1, NaN, 2]), { "content-type": F32_CONTENT_TYPE }),
      "non_finite",
    ],
    [
      "raw float32 holding Infinity",
      wire("p", f32([Infinity, 1, 2]), { "content-type": F32_CONTENT_TYPE }),
      "non_finite",
    ],
    [
      "a value over maxMessageBytes",
      wire("p", `{"vector":[1,2,3],"pad":"${"x".repeat(1100)}"}`),
      "oversized",
    ],
  ])("dead-letters %s with its reason code", (_what, msg, reason) => {
    expect(reasonOf(msg)).toBe(reason);
  });

  it("rejects an all-zero vector under cosine but accepts it under l2", () => {
    expect(reasonOf(wire("p", '{"vector":[0,0,-0]}'), cosine)).toBe("zero_vector");
    expect(reasonOf(wire("p", f32([0, 0, 0]), { "content-type": F32_CONTENT_TYPE }), cosine)).toBe(
      "zero_vector",
    );
    expect(reasonOf(wire("p", '{"vector":[0,0,0]}'), l2)).toBe("valid upsert");
  });

  it("keeps the original message, position and a human message on an invalid result", () => {
    const msg = wire("p", "nope");
    const out = decodeMessage(msg, 2, l2);
    expect(out).toMatchObject({
      kind: "invalid",
      reason: "bad_json",
      partition: 2,
      offset: 42,
      original: msg,
    });
    expect(out.kind === "invalid" && out.message).toMatch(/not JSON/);
  });

  it("keeps a __proto__ key in the payload as inert data and pollutes no prototype", () => {
    const value =
      '{"vector":[1,2,3],"payload":{"__proto__":{"polluted":1},"constructor":{"prototype":{"p":1}}}}';
    const out = decodeMessage(wire("p", value), 0, l2);
    expect(out.kind).toBe("upsert");
    if (out.kind !== "upsert" || !out.payload) throw new Error("expected a payload");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).p).toBeUndefined();
    expect(Object.getPrototypeOf(out.payload)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out.payload, "__proto__")?.value).toEqual({ polluted: 1 });
    expect(JSON.parse(JSON.stringify(out.payload))).toEqual(JSON.parse(value).payload);
  });
});

describe("decodeMessage on arbitrary input", () => {
  const bytes = fc.option(
    fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    { nil: null },
  );
  const header = fc.constantFrom(undefined, "application/json", F32_CONTENT_TYPE, "text/plain", "");
  const jsonish = fc
    .record({ vector: fc.anything(), payload: fc.anything() }, { requiredKeys: [] })
    .map((doc) => Buffer.from(JSON.stringify(doc) ?? "null"));

  it("never throws, and returns either a well-formed op or a coded invalid message", () => {
    fc.assert(
      fc.property(bytes, fc.oneof(bytes, jsonish), header, (key, value, contentType) => {
        const headers = contentType === undefined ? {} : { "content-type": contentType };
        const out = decodeMessage({ key, value, headers, offset: "1", timestamp: "2" }, 0, l2);
        if (out.kind === "invalid") {
          expect(INVALID_REASONS).toContain(out.reason);
        } else {
          expect(out.id.length).toBeGreaterThan(0);
          if (out.kind === "upsert") {
            expect(out.vector).toHaveLength(3);
            expect(Array.from(out.vector).every(Number.isFinite)).toBe(true);
          }
        }
      }),
      { seed: 11, numRuns: 2000 },
    );
  });
});

describe("encodeUpsert and encodeDelete", () => {
  const vec = fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 3, maxLength: 3 });

  it("round-trips vectors and payloads through JSON and raw float32", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 50 }), vec, fc.jsonValue(), (id, v, extra) => {
        const payload = { extra };
        const json = decodeMessage(fromMessage(encodeUpsert(id, v, payload)), 0, l2);
        expect(json).toMatchObject({ kind: "upsert", id, payload: JSON.parse(JSON.stringify(payload)) });
        expect(json.kind === "upsert" && Array.from(json.vector)).toEqual(v.map((x) => Math.fround(x) + 0));
        const raw = decodeMessage(fromMessage(encodeUpsert(id, v, undefined, { format: "f32" })), 0, l2);
        expect(raw.kind === "upsert" && Array.from(raw.vector)).toEqual(v.map(Math.fround));
      }),
      { seed: 20261127, numRuns: 200 },
    );
  });

  it("encodes a delete as a tombstone that decodes to a delete", () => {
    expect(decodeMessage(fromMessage(encodeDelete("x")), 3, l2)).toMatchObject({
      kind: "delete",
      id: "x",
      partition: 3,
    });
  });

  it("refuses what the consumer would dead-letter", () => {
    expect(() => encodeUpsert("", [1, 2, 3])).toThrow(EncodeError);
    expect(() => encodeUpsert("a", [1, NaN, 3])).toThrow(/finite/);
    expect(() => encodeUpsert("a", [1, 2, 3], { a: 1 }, { format: "f32" })).toThrow(/no payload/);
    expect(() => encodeDelete("x".repeat(1025))).toThrow(EncodeError);
  });
});
