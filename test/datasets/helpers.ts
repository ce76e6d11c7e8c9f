/**
 * Test helpers: a temporary directory per test file and hand-encoded TEXMEX bytes, written without the
 * code under test so that reader tests compare against an independent encoding, and the code of the
 * DatasetError a reader throws.
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { DatasetError } from "../../src/datasets/index.js";

export { encodeVecs } from "../support/fvecs.js";

export const DATA_DIR = resolve("../shared/data");

export function makeTempDir(): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "vecstream-datasets-"));
  return {
    dir,
    file: (name) => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
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
