/**
 * The engine's own index format as the snapshot's `IndexCodec` (src/index/serialization.ts).
 * Only `HnswIndex` and `BruteForceIndex` serialize; any other engine is refused by the engine.
 */

import { deserializeIndex, serializeIndex } from "../index/serialization.js";
import type { SerializableIndex } from "../index/serialization.js";
import type { IndexCodec } from "./codec.js";

export const engineCodec: IndexCodec = {
  serialize: (index) => serializeIndex(index as SerializableIndex),
  deserialize: (chunks) => deserializeIndex(chunks),
};
