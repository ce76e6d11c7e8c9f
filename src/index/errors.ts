/**
 * Typed errors of the engine. Every failure the engine reports is an `IndexError` with a stable `code`
 * and structured `details`, so adapters can map it (HTTP 400, dead-letter reason) without parsing text.
 */

export type IndexErrorCode =
  | "DIMENSION_MISMATCH"
  | "NON_FINITE_VALUE"
  | "ZERO_VECTOR"
  | "INVALID_K"
  | "INVALID_EF"
  | "INVALID_ID"
  | "INVALID_PARAMETER"
  | "CORRUPT_INDEX"
  | "UNSUPPORTED_VERSION";

export class IndexError extends Error {
  readonly code: IndexErrorCode;
  readonly details: Record<string, unknown>;
  /** Engine errors are about the input, never transient: retrying the same call fails the same way. */
  readonly retriable = false;

  constructor(code: IndexErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "IndexError";
    this.code = code;
    this.details = details;
  }
}
