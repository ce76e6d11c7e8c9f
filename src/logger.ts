/**
 * The service logger (pino, JSON lines on stdout).
 *
 * Contract: one root logger per process; modules take a child with `{ component }` so every line says
 * where it came from. Tests pass `silent` so output stays readable.
 */

import { pino } from "pino";
import type { Logger } from "pino";

export type { Logger };

export function createLogger(level: string = "info", name = "vecstream"): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
