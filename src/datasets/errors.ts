/**
 * Typed errors of the dataset readers. Every failure is a `DatasetError` with a stable `code` and the
 * offending `path`, so a CLI can print one clear line and a benchmark can skip a dataset it cannot read.
 */

export type DatasetErrorCode =
  | "NOT_FOUND"
  | "TRUNCATED_FILE"
  | "INCONSISTENT_DIMENSION"
  | "INVALID_HEADER"
  | "UNKNOWN_DATASET_KEY"
  | "INVALID_RUNBOOK"
  | "INVALID_GT_INDEX";

export class DatasetError extends Error {
  readonly code: DatasetErrorCode;
  readonly path: string;
  readonly details: Record<string, unknown>;

  constructor(code: DatasetErrorCode, path: string, message: string, details: Record<string, unknown> = {}) {
    super(`${path}: ${message}`);
    this.name = "DatasetError";
    this.code = code;
    this.path = path;
    this.details = details;
  }
}
