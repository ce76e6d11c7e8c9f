/**
 * Dataset readers (TEXMEX vecs files, streaming runbooks, per-step ground truth) for the benchmarks and
 * the producer CLI. They do file I/O, which is why they live here and not in the pure `src/index/`.
 */

export { DatasetError, type DatasetErrorCode } from "./errors.js";
export {
  readFvecs,
  readIvecs,
  vecsRows,
  writeFvecs,
  writeIvecs,
  type FloatVectors,
  type IntVectors,
  type ReadOptions,
  type VecsRow,
} from "./texmex.js";
export { parseRunbook, readRunbook, type Runbook, type RunbookStep } from "./runbook.js";
export {
  readGt100,
  readStreamingGtIndex,
  type StepGroundTruth,
  type StreamingGtIndex,
  type StreamingGtStep,
} from "./streaming-gt.js";
