/**
 * Which partition a producer wrote a key to, so a point lookup asks the one member that holds it.
 *
 * Contract: `partitionOf(name, key, n)` returns the partition the named producer partitioner picks
 * for a record with key `key` (its UTF-8 bytes) on a topic of `n` partitions, or `undefined` when the
 * partition cannot be known and every partition must be asked:
 * - `murmur2`: Kafka's Java `DefaultPartitioner` for keyed records, which kafkajs 2.x ships as its
 *   `DefaultPartitioner`: `(murmur2(bytes) & 0x7fffffff) % n` (librdkafka's `murmur2_random` agrees
 *   for non-empty keys).
 * - `crc32`: librdkafka's default `consistent_random`: `crc32(bytes) % n` with the zlib CRC-32 taken
 *   unsigned; an empty key is placed at random there, so it gives `undefined`.
 * - `unknown`: always `undefined`.
 * Pure; both hashes are 32-bit integer arithmetic (`Math.imul`), no 64-bit emulation needed.
 */

export type ProducerPartitioner = "murmur2" | "crc32" | "unknown";

const encoder = new TextEncoder();

/** Kafka's murmur2 (`org.apache.kafka.common.utils.Utils.murmur2`), as a signed 32-bit integer. */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  // The tail falls through from the longest case, as Java's switch does.
  const rest = length & 3;
  if (rest === 3) h ^= data[whole + 2] << 16;
  if (rest >= 2) h ^= data[whole + 1] << 8;
  if (rest >= 1) h = Math.imul(h ^ data[whole], m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

const CRC32_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    table[b] = c >>> 0;
  }
  return table;
})();

/**
 * The zlib CRC-32 (reflected polynomial 0xEDB88320), unsigned, as librdkafka's `rd_crc32`. Not the
 * engine's CRC-32C (src/index/crc32.ts): librdkafka's partitioner uses the zlib polynomial.
 */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = (c >>> 8) ^ CRC32_TABLE[(c ^ data[i]) & 0xff];
  return (c ^ 0xffffffff) >>> 0;
}

/** The partition `partitioner` gives `key` among `partitionCount`, or undefined: ask every partition. */
export function partitionOf(
  partitioner: ProducerPartitioner,
  key: string | Uint8Array,
  partitionCount: number,
): number | undefined {
  if (!Number.isInteger(partitionCount) || partitionCount < 1) return undefined;
  const bytes = typeof key === "string" ? encoder.encode(key) : key;
  switch (partitioner) {
    case "murmur2":
      return (murmur2(bytes) & 0x7fffffff) % partitionCount;
    case "crc32":
      return bytes.length === 0 ? undefined : crc32(bytes) % partitionCount;
    case "unknown":
      return undefined;
  }
}
