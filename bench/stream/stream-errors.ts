/**
 * The one error type of the streaming benchmark. Contract: every failure the benchmark detects itself
 * is a `StreamBenchError` whose `code` says which part failed; none is retriable (a run that failed
 * halfway has nothing worth reporting).
 */

export type StreamBenchErrorCode =
  /** The service's applied offsets stopped advancing before every upsert was visible. */
  | "INGEST_STALLED"
  /** The service answered its HTTP API with an error status. */
  | "SERVICE_UNREACHABLE"
  /** The service process exited or did not become ready in time. */
  | "SERVICE_START_FAILED"
  /** The search process exited or answered out of protocol. */
  | "SEARCHER_FAILED";

export class StreamBenchError extends Error {
  readonly code: StreamBenchErrorCode;
  readonly retriable = false;

  constructor(code: StreamBenchErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StreamBenchError";
    this.code = code;
  }
}
