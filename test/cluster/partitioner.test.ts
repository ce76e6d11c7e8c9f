/**
 * The producer partitioners a point lookup follows: kafkajs's DefaultPartitioner (Java murmur2) on
 * many keys, librdkafka's consistent_random (crc32) on its own test vectors.
 */

import * as zlib from "node:zlib";
import fc from "fast-check";
import { Partitioners } from "kafkajs";
import { describe, expect, it } from "vitest";
import { crc32, murmur2, partitionOf } from "../../src/cluster/partitioner.js";

const bytes = (text: string) => new TextEncoder().encode(text);

/** The partition kafkajs's DefaultPartitioner gives a keyed message on a topic of `n` partitions. */
function kafkajsPartition(key: string, n: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: n }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return partitioner({ topic: "t", partitionMetadata, message: { key, value: null } });
}

describe("murmur2", () => {
  it("gives the partitions Java's DefaultPartitioner gives on 1000 partitions", () => {
    // Published Java-compatibility vectors (kafka-python's test of its murmur2 partitioner).
    const cases: [string, number][] = [
      ["", 681],
      ["a", 524],
      ["ab", 434],
      ["abc", 107],
      ["123456789", 566],
      ["\u0000 ", 742],
    ];
    for (const [key, partition] of cases) expect(partitionOf("murmur2", key, 1000)).toBe(partition);
  });

  it("matches librdkafka's murmur2 test vectors (hash masked to 31 bits)", () => {
    // librdkafka tests/0048-partitioner.c, values from Java's murmur2.
    expect(murmur2(bytes("")) & 0x7fffffff).toBe(0x106e08d9);
    expect(murmur2(bytes("23456")) & 0x7fffffff).toBe(0x058d780f);
    expect(murmur2(bytes("this is another string with more length to it perhaps")) & 0x7fffffff).toBe(
      0x4f7703da,
    );
    expect(murmur2(bytes("hejsan")) & 0x7fffffff).toBe(0x5ec19395);
  });

  it("places every key where kafkajs's DefaultPartitioner places it, for any key and partition count", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 40 }),
        fc.integer({ min: 1, max: 64 }),
        (key, n) => {
          expect(partitionOf("murmur2", key, n)).toBe(kafkajsPartition(key, n));
        },
      ),
      { numRuns: 2000, seed: 11 },
    );
  });

  it("places the ids of a typical point set where kafkajs does", () => {
    for (let i = 0; i < 3000; i++) {
      const key = `point-${i}`;
      expect(partitionOf("murmur2", key, 4)).toBe(kafkajsPartition(key, 4));
      expect(partitionOf("murmur2", String(i), 13)).toBe(kafkajsPartition(String(i), 13));
    }
  });
});

describe("crc32", () => {
  it("matches the zlib CRC-32 check value and librdkafka's partitioner vectors", () => {
    expect(crc32(bytes("123456789"))).toBe(0xcbf43926);
    expect(crc32(bytes(""))).toBe(0);
    // librdkafka tests/0048-partitioner.c ("consistent_random"), on 17 and 7 partitions.
    const vectors: [string, number][] = [
      ["23456", 0xb1b451d7],
      ["this is another string with more length to it perhaps", 0xb0150df7],
      ["hejsan", 0xd077037e],
    ];
    for (const [key, crc] of vectors) {
      expect(crc32(bytes(key))).toBe(crc);
      for (const n of [17, 7]) expect(partitionOf("crc32", key, n)).toBe(crc % n);
    }
  });

  it.skipIf(typeof zlib.crc32 !== "function")("agrees with Node's zlib crc32 on any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (data) => {
        expect(crc32(data)).toBe(zlib.crc32(data));
      }),
      { numRuns: 1000, seed: 12 },
    );
  });

  it("cannot place an empty key, which librdkafka places at random", () => {
    expect(partitionOf("crc32", "", 4)).toBeUndefined();
  });
});

describe("partitionOf", () => {
  it("gives no partition for an unknown partitioner, so every partition is asked", () => {
    expect(partitionOf("unknown", "a", 4)).toBeUndefined();
  });

  it("gives no partition for a topic whose partition count is not known", () => {
    expect(partitionOf("murmur2", "a", 0)).toBeUndefined();
  });

  it("hashes the UTF-8 bytes of a string key, as the producers send it", () => {
    expect(partitionOf("murmur2", "é☺", 97)).toBe(partitionOf("murmur2", bytes("é☺"), 97));
    expect(partitionOf("crc32", "é☺", 97)).toBe(partitionOf("crc32", bytes("é☺"), 97));
  });
});
