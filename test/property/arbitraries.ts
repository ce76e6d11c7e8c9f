/**
 * fast-check arbitraries for the property tests: Kafka wire messages labelled with what the decoder
 * must make of them, and HTTP request bodies, valid and hostile.
 *
 * Contract: every `labelled*` arbitrary yields `{ message, expect }` where `expect` is the only correct
 * outcome: the op (`upsert` with its exact float32 vector and payload JSON, or `delete`) or the
 * `invalid` reason. Each invalid generator breaks exactly one rule and keeps everything else valid, so
 * the reason is unambiguous (the decoder checks key, then tombstone, then size, then content type,
 * then JSON shape, dimension and values, then payload).
 */

import fc from "fast-check";
import type { Arbitrary } from "fast-check";
import type { InvalidReason, WireMessage } from "../../src/stream/wire.js";
import { F32_CONTENT_TYPE, MAX_KEY_LENGTH } from "../../src/stream/wire.js";

export const DIM = 4;
/** Large enough for the "huge array" cases to reach the dimension check rather than the size limit. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export type Expected =
  | { kind: "upsert"; id: string; vector: number[]; payloadJson?: string }
  | { kind: "delete"; id: string }
  | { kind: "invalid"; reason: InvalidReason };

export interface Labelled {
  message: WireMessage;
  expect: Expected;
}

/** Keys that would pollute a prototype if a payload were merged into another object naively. */
export const HOSTILE_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty"];

const wire = (key: Buffer | null, value: Buffer | null, headers?: WireMessage["headers"]): WireMessage => ({
  key,
  value,
  headers,
  offset: "0",
  timestamp: "0",
});

/** Valid ids: any well-formed Unicode, 1..40 graphemes (well under MAX_KEY_LENGTH). */
export const idArb: Arbitrary<string> = fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 });

/** Finite float32 values, -0 excluded (JSON cannot carry it: it arrives as 0). */
export const float32Arb: Arbitrary<number> = fc
  .float({ noNaN: true, noDefaultInfinity: true })
  .map((x) => (Object.is(x, -0) ? 0 : x));

export const vectorArb = (dim = DIM): Arbitrary<number[]> =>
  fc.array(float32Arb, { minLength: dim, maxLength: dim });

/** JSON object text with hostile keys among ordinary ones; built as text so `__proto__` is a real key. */
export const payloadJsonArb: Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 8 })),
      fc.jsonValue({ maxDepth: 3 }),
    ),
    {
      maxLength: 6,
    },
  )
  .map((entries) => {
    const seen = new Set<string>();
    const unique = entries.filter(([k]) => !seen.has(k) && seen.add(k));
    return `{${unique.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`;
  });

const jsonValue = (vectorText: string, payloadJson?: string) =>
  Buffer.from(
    payloadJson === undefined
      ? `{"vector":${vectorText}}`
      : `{"vector":${vectorText},"payload":${payloadJson}}`,
  );

const validJsonUpsert: Arbitrary<Labelled> = fc
  .record({ id: idArb, vector: vectorArb(), payloadJson: fc.option(payloadJsonArb, { nil: undefined }) })
  .map(({ id, vector, payloadJson }) => ({
    message: wire(Buffer.from(id), jsonValue(JSON.stringify(vector), payloadJson)),
    expect: { kind: "upsert", id, vector, payloadJson },
  }));

const f32Bytes = (values: readonly number[]) => {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeFloatLE(v, 4 * i));
  return b;
};

const f32HeaderArb = fc.constantFrom(
  F32_CONTENT_TYPE,
  "Application/X-Vecstream-F32",
  `${F32_CONTENT_TYPE}; v=1`,
);

const validF32Upsert: Arbitrary<Labelled> = fc
  .record({ id: idArb, vector: vectorArb(), header: f32HeaderArb })
  .map(({ id, vector, header }) => ({
    message: wire(Buffer.from(id), f32Bytes(vector), { "content-type": header }),
    expect: { kind: "upsert", id, vector },
  }));

const validDelete: Arbitrary<Labelled> = idArb.map((id) => ({
  message: wire(Buffer.from(id), null),
  expect: { kind: "delete", id },
}));

export const validMessageArb: Arbitrary<Labelled> = fc.oneof(validJsonUpsert, validF32Upsert, validDelete);

const invalid =
  (reason: InvalidReason) =>
  (message: WireMessage): Labelled => ({
    message,
    expect: { kind: "invalid", reason },
  });

const someValue = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  fc.constant(null),
);

const noKey = fc
  .record({ key: fc.constantFrom(null, Buffer.alloc(0)), value: someValue })
  .map(({ key, value }) => invalid("no_key")(wire(key, value)));

/** Bytes that are not UTF-8 (a lone continuation byte or a truncated sequence), or a key that is too long. */
const badKey = fc
  .oneof(
    fc
      .tuple(fc.uint8Array({ maxLength: 8 }), fc.constantFrom(0x80, 0xbf, 0xc3, 0xff))
      .map(([a, b]) => Buffer.from([...a, b])),
    fc
      .integer({ min: MAX_KEY_LENGTH + 1, max: 4 * MAX_KEY_LENGTH + 10 })
      .map((n) => Buffer.from("k".repeat(n))),
  )
  .filter((b) => {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(b).length > MAX_KEY_LENGTH;
    } catch {
      return true;
    }
  })
  .map((key) => invalid("bad_key")(wire(key, jsonValue("[1,2,3,4]"))));

const oversized = fc
  .integer({ min: MAX_MESSAGE_BYTES + 1, max: MAX_MESSAGE_BYTES + 4096 })
  .map((n) => invalid("oversized")(wire(Buffer.from("id"), Buffer.alloc(n, 0x20))));

const badContentType = fc
  .string({ maxLength: 40 })
  .filter((t) => {
    const media = t.split(";", 1)[0].trim().toLowerCase();
    return media !== "" && media !== "application/json" && media !== F32_CONTENT_TYPE;
  })
  .map((t) =>
    invalid("bad_content_type")(wire(Buffer.from("id"), jsonValue("[1,2,3,4]"), { "content-type": t })),
  );

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

const badJson = fc
  .oneof(
    fc.uint8Array({ minLength: 1, maxLength: 200 }).map((a) => Buffer.from(a)),
    fc
      .jsonValue()
      .filter((v) => v === null || typeof v !== "object" || Array.isArray(v))
      .map((v) => Buffer.from(JSON.stringify(v))),
    fc.integer({ min: 1, max: 20_000 }).map((d) => Buffer.from(nested(d))),
    fc
      .constantFrom(
        '{"vector":"1,2,3,4"}',
        '{"vector":{"0":1}}',
        '{"vectors":[1,2,3,4]}',
        "{}",
        '{"vector":null}',
      )
      .map((t) => Buffer.from(t)),
  )
  .filter((b) => {
    try {
      const doc: unknown = JSON.parse(b.toString("utf8"));
      return !(
        doc !== null &&
        typeof doc === "object" &&
        Array.isArray((doc as { vector?: unknown }).vector)
      );
    } catch {
      return true;
    }
  })
  .map((value) => invalid("bad_json")(wire(Buffer.from("id"), value)));

const wrongDimension = fc
  .oneof(
    fc
      .array(float32Arb, { maxLength: 40 })
      .filter((v) => v.length !== DIM)
      .map((v) => jsonValue(JSON.stringify(v))),
    fc.integer({ min: 5, max: 8000 }).map((n) => jsonValue(`[${new Array<string>(n).fill("0").join(",")}]`)),
    fc
      .integer({ min: 0, max: 40 })
      .filter((n) => n !== DIM)
      .map((n) => f32Bytes(new Array<number>(n).fill(1))),
  )
  .map((value) =>
    invalid("wrong_dimension")(
      wire(Buffer.from("id"), value, value[0] === 0x7b ? undefined : { "content-type": F32_CONTENT_TYPE }),
    ),
  );

/** Values JSON or float32 cannot hold finitely, and things that are not numbers at all. */
const nonNumberText = fc.constantFrom(
  '"NaN"',
  '"Infinity"',
  "1e39",
  "-1e39",
  "1e400",
  "-1e400",
  "null",
  "true",
  '"1"',
  "[1]",
  "{}",
);

const nonFinite = fc
  .oneof(
    fc
      .record({ at: fc.integer({ min: 0, max: DIM - 1 }), bad: nonNumberText, rest: vectorArb() })
      .map(({ at, bad, rest }) => {
        const parts = rest.map((x) => JSON.stringify(x));
        parts[at] = bad;
        return jsonValue(`[${parts.join(",")}]`);
      }),
    fc
      .record({
        at: fc.integer({ min: 0, max: DIM - 1 }),
        bad: fc.constantFrom(Number.NaN, Infinity, -Infinity),
        rest: vectorArb(),
      })
      .map(({ at, bad, rest }) => {
        const v = [...rest];
        v[at] = bad;
        return f32Bytes(v);
      }),
  )
  .map((value) =>
    invalid("non_finite")(
      wire(Buffer.from("id"), value, value[0] === 0x7b ? undefined : { "content-type": F32_CONTENT_TYPE }),
    ),
  );

const badPayload = fc
  .record({
    vector: vectorArb(),
    payload: fc.oneof(fc.jsonValue().filter((v) => v === null || typeof v !== "object" || Array.isArray(v))),
  })
  .map(({ vector, payload }) =>
    invalid("bad_payload")(
      wire(Buffer.from("id"), jsonValue(JSON.stringify(vector), JSON.stringify(payload))),
    ),
  );

/** One message breaking one rule under the l2 metric, labelled with the reason it must be refused for. */
export const invalidMessageArb: Arbitrary<Labelled> = fc.oneof(
  noKey,
  badKey,
  oversized,
  badContentType,
  badJson,
  wrongDimension,
  nonFinite,
  badPayload,
);

/** A valid or invalid message (about one in three invalid). */
export const labelledMessageArb: Arbitrary<Labelled> = fc.oneof(
  { arbitrary: validMessageArb, weight: 2 },
  { arbitrary: invalidMessageArb, weight: 1 },
);

/** Anything at all: random key, value and header bytes. Only "never throws, answers well-formed" holds. */
export const arbitraryMessageArb: Arbitrary<WireMessage> = fc
  .record({
    key: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: null }),
    value: fc.option(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc.string({ maxLength: 200 }).map((s) => new TextEncoder().encode(s)),
      ),
      { nil: null },
    ),
    contentType: fc.option(
      fc.oneof(fc.string({ maxLength: 30 }), f32HeaderArb, fc.constant("application/json")),
      { nil: undefined },
    ),
  })
  .map(({ key, value, contentType }) =>
    wire(
      key === null ? null : Buffer.from(key),
      value === null ? null : Buffer.from(value),
      contentType === undefined ? undefined : { "content-type": contentType },
    ),
  );
