/**
 * The public API of the engine: what the service (collections, HTTP, stream) may import from
 * `src/index/`. Internals (graph storage, heaps, search steps) stay unexported except through
 * `HnswIndex.internals()`, which serialization and the graph checker use.
 */

export type {
  ExactScanSource,
  IndexStats,
  Metric,
  SearchHit,
  SearchOptions,
  SearchStats,
  SlotScanVisitor,
  SlotScanner,
  VectorIndex,
} from "./types.js";
export { METRICS } from "./types.js";
export { IndexError } from "./errors.js";
export type { IndexErrorCode } from "./errors.js";
export { CONSOLIDATION_RATIO, HnswIndex } from "./hnsw-index.js";
export type { HnswInternals, HnswParams } from "./hnsw-index.js";
export { BruteForceIndex } from "./brute-force-index.js";
export type { BruteForceParams } from "./brute-force-index.js";
export { deserializeIndex, serializeIndex } from "./serialization.js";
export type { SerializableIndex } from "./serialization.js";
export { checkGraph } from "./graph-checker.js";
export type { GraphReport } from "./graph-checker.js";
export { MAX_EF, MAX_ID_LENGTH, MAX_K } from "./validation.js";
