/** Typed errors of snapshot reading and writing; `code` doubles as the load-failure metric's reason. */

export type SnapshotErrorCode =
  | "TRUNCATED"
  | "BAD_MAGIC"
  | "UNSUPPORTED_VERSION"
  | "CHECKSUM_MISMATCH"
  | "CORRUPT_INDEX"
  | "CONFIG_MISMATCH"
  | "IO";

export class SnapshotError extends Error {
  readonly code: SnapshotErrorCode;
  readonly retriable = false;
  readonly details: Record<string, unknown>;

  constructor(code: SnapshotErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "SnapshotError";
    this.code = code;
    this.details = details;
  }
}
