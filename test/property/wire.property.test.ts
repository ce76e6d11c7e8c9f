/**
 * Property tests of the wire decoder and of the ingest writer around it (no broker: the writer's
 * dead-letter sink is a recording fake, the collection is the real one over a BruteForceIndex).
 *
 * Generated cases: 3000 + 4000 + 600 + 300 sequences (of up to 40 messages) + 100 = 8000 runs.
 */

import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { Collection } from "../../src/collection/collection.js";
import type { CollectionConfig } from "../../src/config.js";
import { BruteForceIndex } from "../../src/index/brute-force-index.js";
import type { RecordBatch } from "../../src/stream/batch.js";
import { CollectionWriter } from "../../src/stream/pipeline.js";
import { decodeMessage, INVALID_REASONS } from "../../src/stream/wire.js";
import type { DecodedMessage, DecodeOptions, WireMessage } from "../../src/stream/wire.js";
import { RecordingDeadLetters, RecordingObserver, silentLogger } from "../stream/support/memory-sink.js";
import {
  arbitraryMessageArb,
  DIM,
  idArb,
  labelledMessageArb,
  MAX_MESSAGE_BYTES,
  vectorArb,
} from "./arbitraries.js";
import type { Labelled } from "./arbitraries.js";
import { expectPrototypesIntact, prototypeFingerprint } from "./prototypes.js";

const l2: DecodeOptions = { dim: DIM, metric: "l2", maxMessageBytes: MAX_MESSAGE_BYTES };
const SEED = Number(process.env.VECSTREAM_PROPERTY_SEED ?? 20261127);

const before = prototypeFingerprint();
afterEach(() => expectPrototypesIntact(before));

/** Throws (fails the property) unless `decoded` is exactly what `labelled` says. */
function checkDecoded({ expect: want }: Labelled, decoded: DecodedMessage): void {
  if (want.kind === "invalid") {
    expect(decoded).toMatchObject({ kind: "invalid", reason: want.reason });
    if (decoded.kind === "invalid") expect(decoded.message.length).toBeGreaterThan(0);
    return;
  }
  expect(decoded.kind).toBe(want.kind);
  expect(decoded.kind !== "invalid" && decoded.id).toBe(want.id);
  if (want.kind !== "upsert" || decoded.kind !== "upsert") return;
  expect(Array.from(decoded.vector).every((x, i) => x === want.vector[i])).toBe(true);
  if (want.payloadJson === undefined) {
    expect(decoded.payload).toBeUndefined();
    return;
  }
  // Same own keys and values as JSON.parse builds them, and still an ordinary object: a "__proto__" key
  // stayed an own data property instead of replacing the prototype.
  expect(JSON.stringify(decoded.payload)).toBe(JSON.stringify(JSON.parse(want.payloadJson)));
  expect(Object.getPrototypeOf(decoded.payload)).toBe(Object.prototype);
}

describe("the wire decoder, under generated input", () => {
  it("never throws on arbitrary bytes, and answers an op or one of the documented reasons", () => {
    fc.assert(
      fc.property(arbitraryMessageArb, fc.nat(1000), (message, partition) => {
        const decoded = decodeMessage(message, partition, l2);
        if (decoded.kind === "invalid") {
          expect(INVALID_REASONS).toContain(decoded.reason);
          expect(decoded.original).toBe(message);
        } else if (decoded.kind === "upsert") {
          expect(decoded.vector).toHaveLength(DIM);
          expect(decoded.vector.every(Number.isFinite)).toBe(true);
        }
        if (decoded.kind !== "invalid") expect(decoded.partition).toBe(partition);
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it("decodes every valid message exactly and refuses every broken one with the reason it breaks", () => {
    fc.assert(
      fc.property(labelledMessageArb, (labelled) =>
        checkDecoded(labelled, decodeMessage(labelled.message, 0, l2)),
      ),
      { seed: SEED + 1, numRuns: 4000 },
    );
  });

  it("refuses an all-zero vector under cosine only, whatever its zeros' signs", () => {
    const zeros = fc.array(fc.constantFrom(0, -0), { minLength: DIM, maxLength: DIM });
    fc.assert(
      fc.property(idArb, fc.oneof(zeros, vectorArb()), (id, vector) => {
        const message: WireMessage = {
          key: Buffer.from(id),
          value: Buffer.from(JSON.stringify({ vector })),
          offset: "1",
          timestamp: "1",
        };
        const allZero = vector.every((x) => x === 0);
        const cosine = decodeMessage(message, 0, { ...l2, metric: "cosine" });
        expect(cosine.kind === "invalid" && cosine.reason).toBe(allZero ? "zero_vector" : false);
        expect(decodeMessage(message, 0, l2).kind).toBe("upsert");
      }),
      { seed: SEED + 2, numRuns: 600 },
    );
  });
});

const config: CollectionConfig = {
  name: "prop",
  topic: "prop.points",
  dlqTopic: "prop.points.dlq",
  dim: DIM,
  metric: "l2",
  M: 8,
  efConstruction: 32,
  ef: 16,
  seed: 1,
};

/** Feeds `messages` (offsets 0..n-1 of partition 0) through a writer in batches of `batch`. */
async function ingest(messages: WireMessage[], batch: number) {
  const collection = new Collection({
    config,
    index: new BruteForceIndex({ dim: DIM, metric: "l2" }),
    applySliceMs: 4,
  });
  const deadLetters = new RecordingDeadLetters();
  const errors: unknown[] = [];
  const writer = new CollectionWriter({
    target: collection,
    topic: config.topic,
    dlqTopic: config.dlqTopic,
    deadLetters,
    observer: new RecordingObserver(),
    settings: {
      batchMaxMessages: 7,
      batchMaxMs: 1,
      highWaterMark: 1000,
      lowWaterMark: 10,
      maxMessageBytes: MAX_MESSAGE_BYTES,
    },
    logger: silentLogger,
    onError: (err) => errors.push(err),
  });
  for (let i = 0; i < messages.length; i += batch) {
    const part = messages.slice(i, i + batch);
    const record: RecordBatch = {
      topic: config.topic,
      partition: 0,
      highWatermark: messages.length,
      lastOffset: Number(part[part.length - 1].offset),
      messages: part,
    };
    await writer.push({ batch: record, pause: () => () => undefined });
  }
  return { collection, deadLetters, errors };
}

describe("the ingest writer, under generated message sequences", () => {
  it("dead-letters each invalid message with its reason and applies every valid one around it, in order", async () => {
    const sequence = fc.array(labelledMessageArb, { minLength: 1, maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(sequence, fc.integer({ min: 1, max: 12 }), async (labelled, batch) => {
        const messages = labelled.map((l, offset) => ({ ...l.message, offset: String(offset) }));
        const { collection, deadLetters, errors } = await ingest(messages, batch);
        expect(errors).toEqual([]);
        const expectedLetters = labelled.flatMap((l, offset) =>
          l.expect.kind === "invalid" ? [{ offset, reason: l.expect.reason }] : [],
        );
        expect(
          deadLetters.published.map((p) => ({ offset: p.letter.offset, reason: p.letter.reason })),
        ).toEqual(expectedLetters);
        expect(deadLetters.published.every((p) => p.dlqTopic === config.dlqTopic)).toBe(true);
        const live = new Map<string, number[]>();
        for (const { expect: e } of labelled) {
          if (e.kind === "upsert") live.set(e.id, e.vector);
          else if (e.kind === "delete") live.delete(e.id);
        }
        expect(collection.sizes().points).toBe(live.size);
        for (const [id, vector] of live) {
          const got = collection.get(id);
          expect(got && Array.from(got.vector).every((x, i) => x === vector[i])).toBe(true);
        }
        expect(collection.appliedOffsets().get(0)).toBe(messages.length - 1);
      }),
      { seed: SEED + 3, numRuns: 300 },
    );
  });

  it("keeps float32 values exact through the writer (a JSON double rounds like Math.fround)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: -1e30, max: 1e30, noNaN: true }), { minLength: DIM, maxLength: DIM }),
        async (v) => {
          const message: WireMessage = {
            key: Buffer.from("x"),
            value: Buffer.from(JSON.stringify({ vector: v })),
            offset: "0",
            timestamp: "0",
          };
          const { collection } = await ingest([message], 1);
          expect(Array.from(collection.get("x")!.vector)).toEqual(
            v.map((x) => Math.fround(JSON.parse(JSON.stringify(x)) as number)),
          );
        },
      ),
      { seed: SEED + 4, numRuns: 100 },
    );
  });
});
