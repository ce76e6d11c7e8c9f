/**
 * Test helpers: a temporary directory per test file and hand-encoded TEXMEX bytes, written without the
 * code under test so that reader tests compare against an independent encoding, and the code of the
 * DatasetError a reader throws.
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { DatasetError } from "../../src/datasets/index.js";

export const DATA_DIR = resolve("../shared/data");

export function makeTempDir(): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "vecstream-datasets-"));
  return {
    dir,
    file: (name) => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Encodes rows as `[int32 dim][values]` with an explicit little-endian DataView. */
export function encodeVecs(rows: number[][], kind: "f32" | "i32", declaredDims?: number[]): Uint8Array {
  const total = rows.reduce((sum, row) => sum + 4 + 4 * row.length, 0);
  const view = new DataView(new ArrayBuffer(total));
  let off = 0;
  rows.forEach((row, r) => {
    view.setInt32(off, declaredDims?.[r] ?? row.length, true);
    off += 4;
    for (const value of row) {
      if (kind === "f32") view.setFloat32(off, value, true);
      else view.setInt32(off, value, true);
      off += 4;
    }
  });
  return new Uint8Array(view.buffer);
}

export function writeBytes(path: string, bytes: Uint8Array): string {
  writeFileSync(path, bytes);
  return path;
}

/**
 * Runs `fn` and returns the code of the DatasetError it throws, or undefined when it returns; any other
 * error is rethrown, so a reader failing the wrong way fails the test instead of passing as "no code".
 */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof DatasetError) return error.code;
    throw error;
  }
  return undefined;
}
