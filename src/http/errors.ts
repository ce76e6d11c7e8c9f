/**
 * Every HTTP error response is made here, in one express error middleware.
 *
 * Contract: errors leave as JSON `{"error": {"code", "message", "details"}}` with the status chosen by
 * the error's type, never by the route that threw it: `ApiError` carries its own status; zod failures
 * and engine `IndexError`s are 400 (bad input); a read-your-writes timeout is 408; body-parser's
 * oversize body is 413 and its unparsable JSON 400; anything else is a 500, logged with its stack and
 * answered without internals.
 */

import type { ErrorRequestHandler, RequestHandler } from "express";
import { ZodError } from "zod";
import type { Logger } from "pino";
import { ReadYourWritesTimeoutError } from "../collection/partition-ledger.js";
import { IndexError } from "../index/errors.js";

/** An error whose HTTP status is known where it is thrown (404 unknown collection, 503 not ready...). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

/** `k: expected ...` with the path written as a person would (`searches[1].vector`). */
export function formatZodError(err: ZodError): { message: string; details: Record<string, unknown> } {
  const issues = err.issues.map((i) => {
    let path = "";
    for (const p of i.path)
      path += typeof p === "number" ? `[${p}]` : path === "" ? String(p) : `.${String(p)}`;
    return { path: path || "(body)", message: i.message };
  });
  return { message: issues.map((i) => `${i.path}: ${i.message}`).join("; "), details: { issues } };
}

/** body-parser's errors carry `type` and `status`; see its README ("Errors"). */
interface BodyParserError {
  type: string;
  status: number;
  message: string;
  limit?: number;
  length?: number;
}

const isBodyParserError = (err: unknown): err is BodyParserError =>
  typeof err === "object" &&
  err !== null &&
  typeof (err as BodyParserError).type === "string" &&
  "status" in err;

/** Maps any thrown value to a status and the JSON error body. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  const body = (code: string, message: string, details: Record<string, unknown> = {}) => ({
    error: { code, message, details },
  });
  if (err instanceof ApiError) return { status: err.status, body: body(err.code, err.message, err.details) };
  if (err instanceof ZodError) {
    const { message, details } = formatZodError(err);
    return { status: 400, body: body("INVALID_REQUEST", message, details) };
  }
  if (err instanceof IndexError) return { status: 400, body: body(err.code, err.message, err.details) };
  if (err instanceof ReadYourWritesTimeoutError)
    return { status: 408, body: body(err.code, err.message, err.details) };
  if (isBodyParserError(err)) {
    if (err.type === "entity.too.large") {
      const message = `request body is ${err.length ?? "over"} bytes; the limit is ${err.limit} (http.bodyLimitBytes)`;
      return { status: 413, body: body("BODY_TOO_LARGE", message, { limit: err.limit, length: err.length }) };
    }
    if (err.type === "entity.parse.failed") {
      return { status: 400, body: body("INVALID_JSON", `request body is not valid JSON: ${err.message}`) };
    }
    if (err.status >= 400 && err.status < 500) {
      return { status: err.status, body: body(err.type.toUpperCase().replace(/\W/g, "_"), err.message) };
    }
  }
  return { status: 500, body: body("INTERNAL", "internal error; see the service log") };
}

/** The one error middleware; registered last. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, body } = toErrorResponse(err);
    // Only the unexpected is an error; a deliberate 503 (not ready) is routine.
    if (status === 500) logger.error({ err, method: req.method, url: req.originalUrl }, "request failed");
    else logger.debug({ code: body.error.code, status, url: req.originalUrl }, body.error.message);
    res.status(status).json(body);
  };
}

/** Unmatched routes become a 404 through the same middleware. */
export const routeNotFound: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, "ROUTE_NOT_FOUND", `no route for ${req.method} ${req.path}`));
};
