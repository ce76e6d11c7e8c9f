/**
 * Readers for the TEXMEX vector files (`.fvecs`, `.ivecs`): every row is an int32 little-endian
 * dimension `d`, then `d` float32 or int32 values. Used by tests and benchmarks over /work/shared/data.
 *
 * Contract: returns the rows as one flat typed array plus the row count and dimension; throws when the
 * file's rows do not all have the same dimension or the file is truncated. `encodeVecs` writes the
 * format by hand (its own DataView, no reader or writer under test), so tests can build input files
 * whose bytes do not depend on the code they check.
 */

import { readFileSync } from "node:fs";

export interface VecsFile<T extends Float32Array | Int32Array> {
  rows: number;
  dim: number;
  data: T;
}

function readVecs(path: string): { rows: number; dim: number; view: DataView } {
  const buf = readFileSync(path);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.byteLength < 4) throw new Error(`${path}: empty vector file`);
  const dim = view.getInt32(0, true);
  const rowBytes = 4 + 4 * dim;
  if (dim < 1 || buf.byteLength % rowBytes !== 0) throw new Error(`${path}: truncated or not a vecs file`);
  const rows = buf.byteLength / rowBytes;
  for (let r = 0; r < rows; r++) {
    if (view.getInt32(r * rowBytes, true) !== dim) throw new Error(`${path}: row ${r} has another dimension`);
  }
  return { rows, dim, view };
}

export function readFvecs(path: string): VecsFile<Float32Array> {
  const { rows, dim, view } = readVecs(path);
  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const off = r * (4 + 4 * dim) + 4;
    for (let i = 0; i < dim; i++) data[r * dim + i] = view.getFloat32(off + 4 * i, true);
  }
  return { rows, dim, data };
}

export function readIvecs(path: string): VecsFile<Int32Array> {
  const { rows, dim, view } = readVecs(path);
  const data = new Int32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const off = r * (4 + 4 * dim) + 4;
    for (let i = 0; i < dim; i++) data[r * dim + i] = view.getInt32(off + 4 * i, true);
  }
  return { rows, dim, data };
}

/**
 * Encodes rows as `[int32 dim][values]` with an explicit little-endian DataView; `declaredDims[r]`, when
 * given, is written as row r's dimension instead of its length (to build malformed files).
 */
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
