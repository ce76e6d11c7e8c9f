/**
 * How a snapshot turns an index into bytes and back. The engine owns the index format
 * (`serializeIndex`/`deserializeIndex` in src/index/serialization.ts, checksummed on its own); the
 * snapshot file only frames it. Injected so the snapshot code does not care which engine it holds.
 */

import type { VectorIndex } from "../index/types.js";

export interface IndexCodec {
  /** Chunks of the index's bytes; the index must not change until the generator is exhausted. */
  serialize(index: VectorIndex): Iterable<Uint8Array>;
  /** Rebuilds an index from those chunks; throws (IndexError CORRUPT_INDEX) on any damage. */
  deserialize(chunks: AsyncIterable<Uint8Array>): Promise<VectorIndex>;
}
