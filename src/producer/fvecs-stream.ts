/**
 * An asynchronous, seeking `.fvecs` reader for the producer CLI: every row is a little-endian int32
 * dimension `d` then `d` float32 values (TEXMEX layout, see `src/datasets/texmex.ts`).
 *
 * Why not `src/datasets`'s `vecsRows`: that one is synchronous and starts at row 0. The producer sends
 * over the network while it reads, so it reads with `fs/promises` (the event loop keeps serving the
 * kafkajs client and the progress bar) and jumps straight to `--start` (rows have a fixed size, so row
 * `r` begins at byte `r * (4 + 4d)`).
 *
 * Contract: yields rows `start .. start + limit - 1` (or to the end) in order, each a fresh Float32Array
 * the caller may keep; a row declaring another dimension or a file ending inside a row throws a
 * `DatasetError` rather than yielding garbage.
 */

import { open } from "node:fs/promises";
import { DatasetError } from "../datasets/errors.js";

export interface FvecsRow {
  row: number;
  vector: Float32Array;
}

export interface FvecsStreamOptions {
  /** First row to read (0-based). */
  start?: number;
  /** Rows to read at most. */
  limit?: number;
  /** Rows per read call. */
  chunkRows?: number;
}

/** Dimension and row count of an fvecs file, from its first row header and its size. */
export async function fvecsShape(path: string): Promise<{ dim: number; rows: number }> {
  const file = await openOrThrow(path);
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await file.read(head, 0, 4, 0);
    if (bytesRead === 0) return { dim: 0, rows: 0 };
    const dim = head.readInt32LE(0);
    if (bytesRead < 4 || dim <= 0) {
      throw new DatasetError("INVALID_HEADER", path, `row 0 declares dimension ${dim}`, { dim });
    }
    const { size } = await file.stat();
    const rowBytes = 4 + 4 * dim;
    if (size % rowBytes !== 0) {
      throw new DatasetError("TRUNCATED_FILE", path, `file ends inside row ${Math.floor(size / rowBytes)}`);
    }
    return { dim, rows: size / rowBytes };
  } finally {
    await file.close();
  }
}

export async function* fvecsRows(path: string, options: FvecsStreamOptions = {}): AsyncGenerator<FvecsRow> {
  const { dim, rows } = await fvecsShape(path);
  const start = options.start ?? 0;
  const end = Math.min(rows, options.limit === undefined ? rows : start + options.limit);
  if (start >= end) return;
  const rowBytes = 4 + 4 * dim;
  const chunkRows = Math.max(1, options.chunkRows ?? 1024);
  const chunk = Buffer.alloc(rowBytes * chunkRows);
  const file = await openOrThrow(path);
  try {
    for (let row = start; row < end;) {
      const n = Math.min(chunkRows, end - row);
      const { bytesRead } = await file.read(chunk, 0, n * rowBytes, row * rowBytes);
      if (bytesRead < n * rowBytes)
        throw new DatasetError("TRUNCATED_FILE", path, `file ends inside row ${row}`);
      for (let i = 0; i < n; i++, row++)
        yield { row, vector: decodeRow(chunk, i * rowBytes, dim, path, row) };
    }
  } finally {
    await file.close();
  }
}

function decodeRow(chunk: Buffer, at: number, dim: number, path: string, row: number): Float32Array {
  const declared = chunk.readInt32LE(at);
  if (declared !== dim) {
    throw new DatasetError("INCONSISTENT_DIMENSION", path, `row ${row} declares ${declared}, row 0 ${dim}`);
  }
  const vector = new Float32Array(dim);
  for (let j = 0; j < dim; j++) vector[j] = chunk.readFloatLE(at + 4 + 4 * j);
  return vector;
}

async function openOrThrow(path: string) {
  try {
    return await open(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new DatasetError("NOT_FOUND", path, "no such file");
    throw err;
  }
}
