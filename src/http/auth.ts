/**
 * Optional bearer-token authentication.
 *
 * Contract: when `http.apiKey` is set, a request must carry `Authorization: Bearer <key>`, else 401.
 * Both sides are hashed with SHA-256 first so `timingSafeEqual` compares equal-length buffers and the
 * comparison time says nothing about the key's length or prefix.
 */

import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { ApiError } from "./errors.js";

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest();

export function bearerAuth(apiKey: string): RequestHandler {
  const expected = sha256(apiKey);
  return (req, res, next) => {
    const header = req.get("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (match && timingSafeEqual(sha256(match[1].trim()), expected)) return next();
    res.set("WWW-Authenticate", 'Bearer realm="vecstream"');
    next(new ApiError(401, "UNAUTHORIZED", "missing or wrong API key; send Authorization: Bearer <key>"));
  };
}
