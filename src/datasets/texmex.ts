/**
 * Readers and writers for the TEXMEX vector layout (`.fvecs`, `.ivecs`): every row is a little-endian
 * int32 dimension `d` followed by `d` float32 (fvecs) or int32 (ivecs) values.
 *
 * Contract: `readFvecs`/`readIvecs` load a whole file into one packed array (row `r` at `data[r*dim]`),
 * checking that every row declares the same dimension and that the file ends on a row boundary; a file
 * that does not throws a `DatasetError` instead of yielding garbage. `vecsRows` streams rows of files too
 * large to hold, in bounded memory. Writers are atomic (temp file + rename), so a benchmark cache is never
 * left half written. Values are copied bit for bit: reading what was written gives identical arrays.
 */

import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from "node:fs";

import { DatasetError } from "./errors.js";

/** A packed matrix of float vectors: row `r` is `data.subarray(r * dim, (r + 1) * dim)`. */
export interface FloatVectors {
  dim: number;
  count: number;
  data: Float32Array;
}

/** A packed matrix of int32 rows (ground-truth neighbour ids). */
export interface IntVectors {
  dim: number;
  count: number;
  data: Int32Array;
}

export interface ReadOptions {
  /** Read at most this many rows (the first ones); the rest of the file is still validated for shape. */
  limit?: number;
}

/** The layout is little-endian on disk; typed-array views use host order, so refuse a big-endian host. */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function assertLittleEndianHost(path: string): void {
  if (!HOST_IS_LITTLE_ENDIAN) {
    throw new DatasetError("INVALID_HEADER", path, "TEXMEX files are little-endian; this host is not");
  }
}

/** Reads a file into a fresh, 4-byte aligned buffer (Node's pooled Buffers may start at any offset). */
function readAligned(path: string): Uint8Array {
  if (!existsSync(path)) throw new DatasetError("NOT_FOUND", path, "no such file");
  const source = readFileSync(path);
  const bytes = new Uint8Array(source.byteLength);
  bytes.set(source);
  return bytes;
}

/** Splits a whole vecs file into packed int32 words (floats are carried as raw bits). */
function unpackRows(
  bytes: Uint8Array,
  path: string,
  options: ReadOptions,
): { dim: number; count: number; words: Int32Array } {
  assertLittleEndianHost(path);
  if (bytes.byteLength === 0) return { dim: 0, count: 0, words: new Int32Array(0) };
  if (bytes.byteLength % 4 !== 0) {
    throw new DatasetError("TRUNCATED_FILE", path, `size ${bytes.byteLength} is not a multiple of 4 bytes`);
  }
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
  const dim = words[0];
  if (dim <= 0) throw new DatasetError("INVALID_HEADER", path, `row 0 declares dimension ${dim}`, { dim });
  const rowWords = dim + 1;
  if (words.length % rowWords !== 0) {
    throw new DatasetError("TRUNCATED_FILE", path, `size is not a whole number of ${dim}-dimensional rows`, {
      dim,
      bytes: bytes.byteLength,
    });
  }
  const total = words.length / rowWords;
  for (let r = 0; r < total; r++) {
    const declared = words[r * rowWords];
    if (declared !== dim) {
      throw new DatasetError("INCONSISTENT_DIMENSION", path, `row ${r} declares ${declared}, row 0 ${dim}`, {
        row: r,
        declared,
        dim,
      });
    }
  }
  const count = options.limit === undefined ? total : Math.max(0, Math.min(total, Math.floor(options.limit)));
  const packed = new Int32Array(count * dim);
  for (let r = 0; r < count; r++) {
    packed.set(words.subarray(r * rowWords + 1, (r + 1) * rowWords), r * dim);
  }
  return { dim, count, words: packed };
}

/** Reads a whole `.fvecs` file. */
export function readFvecs(path: string, options: ReadOptions = {}): FloatVectors {
  const { dim, count, words } = unpackRows(readAligned(path), path, options);
  return { dim, count, data: new Float32Array(words.buffer, words.byteOffset, words.length) };
}

/** Reads a whole `.ivecs` file. */
export function readIvecs(path: string, options: ReadOptions = {}): IntVectors {
  const { dim, count, words } = unpackRows(readAligned(path), path, options);
  return { dim, count, data: words };
}

/** One row of a streamed file. `vector` is a fresh copy the caller may keep. */
export interface VecsRow<T extends Float32Array | Int32Array> {
  row: number;
  vector: T;
}

/** Fills `buf` from `fd` at `position` until full or end of file; returns the bytes read. */
function readFully(fd: number, buf: Uint8Array, position: number): number {
  let filled = 0;
  while (filled < buf.byteLength) {
    const n = readSync(fd, buf, filled, buf.byteLength - filled, position + filled);
    if (n === 0) break;
    filled += n;
  }
  return filled;
}

/**
 * Streams the rows of a vecs file, reading `chunkRows` rows per system call, so a file of any size is
 * read in memory proportional to one chunk. A sync generator, so `for await` over it works as well.
 */
export function* vecsRows<K extends "fvecs" | "ivecs">(
  path: string,
  kind: K,
  chunkRows = 4096,
): Generator<VecsRow<K extends "fvecs" ? Float32Array : Int32Array>> {
  type Row = K extends "fvecs" ? Float32Array : Int32Array;
  assertLittleEndianHost(path);
  if (!existsSync(path)) throw new DatasetError("NOT_FOUND", path, "no such file");
  const fd = openSync(path, "r");
  try {
    const head = new Int32Array(1);
    if (readFully(fd, new Uint8Array(head.buffer), 0) < 4) return;
    const dim = head[0];
    if (dim <= 0) throw new DatasetError("INVALID_HEADER", path, `row 0 declares dimension ${dim}`, { dim });
    const rowWords = dim + 1;
    const chunk = new Int32Array(rowWords * Math.max(1, chunkRows));
    const chunkBytes = new Uint8Array(chunk.buffer);
    let position = 0;
    let row = 0;
    for (;;) {
      const filled = readFully(fd, chunkBytes, position);
      if (filled === 0) return;
      if (filled % (rowWords * 4) !== 0) {
        throw new DatasetError(
          "TRUNCATED_FILE",
          path,
          `file ends inside row ${row + Math.floor(filled / (rowWords * 4))}`,
        );
      }
      for (let off = 0; off < filled >> 2; off += rowWords, row++) {
        if (chunk[off] !== dim) {
          throw new DatasetError(
            "INCONSISTENT_DIMENSION",
            path,
            `row ${row} declares ${chunk[off]}, row 0 ${dim}`,
          );
        }
        const bits = chunk.slice(off + 1, off + rowWords);
        const vector = (kind === "fvecs" ? new Float32Array(bits.buffer) : bits) as Row;
        yield { row, vector };
      }
      position += filled;
    }
  } finally {
    closeSync(fd);
  }
}

/** Writes rows in the TEXMEX layout, atomically. `data.length` must be `count * dim`. */
function writeVecs(path: string, dim: number, count: number, bits: Int32Array): void {
  assertLittleEndianHost(path);
  if (bits.length !== dim * count) {
    throw new DatasetError(
      "INVALID_HEADER",
      path,
      `data holds ${bits.length} values, expected ${dim}x${count}`,
    );
  }
  const out = new Int32Array(count * (dim + 1));
  for (let r = 0; r < count; r++) {
    out[r * (dim + 1)] = dim;
    out.set(bits.subarray(r * dim, (r + 1) * dim), r * (dim + 1) + 1);
  }
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, new Uint8Array(out.buffer));
  renameSync(tmp, path);
}

export function writeFvecs(path: string, vectors: FloatVectors): void {
  const { dim, count, data } = vectors;
  writeVecs(path, dim, count, new Int32Array(data.buffer, data.byteOffset, data.length));
}

export function writeIvecs(path: string, vectors: IntVectors): void {
  writeVecs(path, vectors.dim, vectors.count, vectors.data);
}
