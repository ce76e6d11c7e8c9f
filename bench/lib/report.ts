/**
 * Output helpers: Markdown tables for the terminal and pretty JSON files under `bench/results/`.
 * Contract: tables are GitHub-flavoured Markdown with right-aligned numeric columns; JSON files are
 * written atomically (temp + rename) so a reader never sees half a result file.
 */

import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export type Cell = string | number | null | undefined;

function show(cell: Cell): string {
  if (cell === null || cell === undefined) return "-";
  return String(cell);
}

/** Cells that read as numbers (optionally with a unit suffix such as `x`) are right-aligned. */
const NUMERIC = /^(-|-?[\d,]+(\.\d+)?(e[+-]?\d+)?x?)$/;

export function markdownTable(headers: string[], rows: Cell[][]): string {
  const numeric = headers.map((_, c) => rows.length > 0 && rows.every((r) => NUMERIC.test(show(r[c]))));
  const lines = [
    `| ${headers.join(" | ")} |`,
    `|${numeric.map((n) => (n ? "---:" : "---")).join("|")}|`,
    ...rows.map((r) => `| ${r.map(show).join(" | ")} |`),
  ];
  return lines.join("\n");
}

/** Rounds for display: `digits` after the point. */
export function fixed(value: number | null | undefined, digits: number): string | null {
  return value === null || value === undefined || !Number.isFinite(value) ? null : value.toFixed(digits);
}

export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}

export function ratio(ours: number | null, theirs: number | null): number | null {
  return ours === null || theirs === null || theirs === 0 ? null : ours / theirs;
}
