/**
 * The public API of the engine: everything outside `src/index/` (the service, snapshots, quality
 * probes, benchmarks) imports the engine from here. Internals (graph storage, heaps, search steps)
 * stay unexported; readers that need the graph get it read-only, through `HnswIndex.view()`.
 */

// Engines and their vocabulary.
export type {
  ExactScanOptions,
  ExactScanner,
  IndexStats,
  Metric,
  ScanNeighbor,
  SearchHit,
  SearchOptions,
  SearchStats,
  SlotSource,
  VectorIndex,
} from "./types.js";
export { METRICS } from "./types.js";
export { IndexError } from "./errors.js";
export type { IndexErrorCode } from "./errors.js";
export { HnswIndex } from "./hnsw-index.js";
export type { HnswIndexView, HnswInternals, HnswParams } from "./hnsw-index.js";
export { CONSOLIDATION_RATIO } from "./hnsw-params.js";
export type { VectorStoreOptions } from "./vector-store-wasm.js";
export { BruteForceIndex } from "./brute-force-index.js";
export type { BruteForceParams } from "./brute-force-index.js";
export { MAX_EF, MAX_ID_LENGTH, MAX_K } from "./validation.js";

// Snapshots and diagnostics.
export { deserializeIndex, serializeIndex } from "./serialization.js";
export type { DeserializeOptions, SerializableIndex } from "./serialization.js";
export { checkGraph } from "./graph-checker.js";
export type { GraphReport } from "./graph-checker.js";
export type { HnswGraphView } from "./hnsw-graph-view.js";

// Building blocks shared with quality probes and benchmarks.
export { SeededRandom } from "./random.js";
export { TopK } from "./top-k.js";
export type { Ranked } from "./top-k.js";
export { cosineDistance, kernelFor, l2Squared, negativeDot } from "./distance.js";
export type { DistanceKernel } from "./distance.js";
export { createWasmMemory, instantiateDistanceKernels, isWasmSimdSupported } from "./distance-wasm.js";
export type { DistanceWasmExports, WasmMemory } from "./distance-wasm.js";
