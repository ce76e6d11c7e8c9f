/**
 * An op the decoder accepts but the index refuses: the real Collection behind the real writer must
 * dead-letter it with a reason from the engine's error code, apply every message around it exactly
 * once, and record offsets so that recovery replays nothing.
 */

import { describe, expect, it } from "vitest";
import { Collection } from "../../src/collection/collection.js";
import { BruteForceIndex } from "../../src/index/brute-force-index.js";
import { IndexError } from "../../src/index/errors.js";
import type { RecordBatch } from "../../src/stream/batch.js";
import { CollectionWriter } from "../../src/stream/pipeline.js";
import type { WireMessage } from "../../src/stream/wire.js";
import { testCollectionConfig } from "../support/collection-config.js";
import { RecordingDeadLetters, RecordingObserver, silentLogger } from "./support/memory-sink.js";

const config = testCollectionConfig({ name: "refusals", topic: "refusals.points" });

/** A brute-force index that refuses chosen ids as the engine refuses bad input, and counts upserts. */
class RefusingIndex extends BruteForceIndex {
  readonly upserted: string[] = [];

  constructor(readonly refused: ReadonlySet<string>) {
    super({ dim: 2, metric: "l2" });
  }

  override upsert(id: string, vector: ArrayLike<number>): void {
    if (this.refused.has(id)) throw new IndexError("INVALID_ID", `id ${id} is refused by this index`, { id });
    super.upsert(id, vector);
    this.upserted.push(id);
  }
}

function message(offset: number, id: string): WireMessage {
  return {
    key: Buffer.from(id),
    value: Buffer.from(JSON.stringify({ vector: [offset, 1] })),
    offset: String(offset),
    timestamp: "1000",
  };
}

function setup(refused: string[]) {
  const index = new RefusingIndex(new Set(refused));
  const collection = new Collection({ config, index, applySliceMs: 4 });
  const deadLetters = new RecordingDeadLetters();
  const observer = new RecordingObserver();
  const errors: unknown[] = [];
  const writer = new CollectionWriter({
    target: collection,
    topic: config.topic,
    dlqTopic: config.dlqTopic,
    deadLetters,
    observer,
    settings: {
      batchMaxMessages: 100,
      batchMaxMs: 5,
      highWaterMark: 1000,
      lowWaterMark: 100,
      maxMessageBytes: 4096,
    },
    logger: silentLogger,
    onError: (err) => errors.push(err),
  });
  const push = (partition: number, messages: WireMessage[]) => {
    const batch: RecordBatch = {
      topic: config.topic,
      partition,
      highWatermark: 100,
      lastOffset: Number(messages[messages.length - 1].offset),
      messages,
    };
    return writer.push({ batch, pause: () => () => {} });
  };
  return { index, collection, deadLetters, errors, push };
}

describe("a message the index refuses", () => {
  it("lands in the DLQ with the reason from the engine's code, and the messages around it are applied once", async () => {
    const { index, collection, deadLetters, errors, push } = setup(["refused"]);
    await push(0, [
      message(0, "a"),
      message(1, "b"),
      message(2, "refused"),
      message(3, "c"),
      message(4, "d"),
    ]);
    expect(deadLetters.published).toHaveLength(1);
    expect(deadLetters.published[0]).toMatchObject({
      dlqTopic: config.dlqTopic,
      letter: { reason: "bad_key", partition: 0, offset: 2, message: "id refused is refused by this index" },
    });
    expect(deadLetters.published[0].letter.original.key?.toString()).toBe("refused");
    // Every message around it applied exactly once: none lost, none applied twice.
    expect(index.upserted).toEqual(["a", "b", "c", "d"]);
    expect(collection.get("refused")).toBeUndefined();
    expect(collection.appliedOffsets().get(0)).toBe(4);
    expect(errors).toEqual([]);
  });

  it("is dead-lettered on each partition while the other partition's messages apply", async () => {
    const { index, collection, deadLetters, push } = setup(["x1", "y0"]);
    await Promise.all([
      push(0, [message(0, "x0"), message(1, "x1"), message(2, "x2")]),
      push(1, [message(0, "y0"), message(1, "y1")]),
    ]);
    const letters = deadLetters.published.map((p) => [p.letter.partition, p.letter.offset, p.letter.reason]);
    expect(letters.sort()).toEqual([
      [0, 1, "bad_key"],
      [1, 0, "bad_key"],
    ]);
    expect([...index.upserted].sort()).toEqual(["x0", "x2", "y1"]);
    expect(collection.appliedOffsets()).toEqual(
      new Map([
        [0, 2],
        [1, 1],
      ]),
    );
  });
});
