/**
 * Framing of the snapshot format: a checksummed header, tagged sections, a trailer, written as a stream
 * of chunks and read back from a stream of chunks (see serialization.ts for what the sections hold).
 *
 * Layout (all integers little-endian):
 *
 *     "VSHNSW"  u16 version  u32 headerBytes  header...  u32 checkpoint
 *     section*: 4-byte ASCII tag  u32 lengthLow  u32 lengthHigh  payload...  u32 checkpoint
 *     "VEND"  u32 sectionCount  u32 checkpoint
 *
 * Every checkpoint is the CRC-32C of all bytes before it, so the last one (the trailer's) covers the
 * whole file, and a reader learns which section is damaged as soon as that section ends. The header
 * is verified before any size in it is trusted, so a flipped bit cannot make the reader allocate
 * gigabytes. Bulk data (vectors, links) is the platform's typed-array bytes, which are little-endian on
 * every platform Node supports; a big-endian host is refused rather than silently misread.
 *
 * Contract: `FrameWriter` produces chunks of at most `MAX_CHUNK_BYTES`, each a fresh buffer the consumer
 * owns. `FrameReader` never joins its input: it copies bytes straight into their final typed arrays,
 * and reports any damage as `IndexError` CORRUPT_INDEX naming the section, the offset and what it
 * expected.
 */

import { Crc32c } from "./crc32.js";
import { IndexError } from "./errors.js";
import type { Metric } from "./types.js";

export const MAGIC = "VSHNSW";
/**
 * The version written. 2 added `consolidationRatio` to the HNSW header; 3 added the HNSW `PASS` section
 * (the delete-consolidation pass in progress). Version 1 (the first draft) is refused.
 */
export const FORMAT_VERSION = 3;
/** Versions this build reads: a version 2 file is an HNSW file without `PASS`, loaded with no pass running. */
export const READABLE_VERSIONS: readonly number[] = [2, 3];
export const MAX_CHUNK_BYTES = 1 << 20;
export const MAX_HEADER_BYTES = 4096;
const TRAILER_TAG = "VEND";

/** A verified header: the kind, the common parameters and the kind's named u32 fields. */
export interface SnapshotHeader {
  /** The file's format version, one of `READABLE_VERSIONS`. */
  version: number;
  kind: number;
  metric: Metric;
  dim: number;
  fields: Record<string, number>;
}

export function assertLittleEndian(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new IndexError("INVALID_PARAMETER", "snapshots need a little-endian host", {});
  }
}

/** The bytes of a typed array, without copying. */
export function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

export class FrameWriter {
  readonly #crc = new Crc32c();
  #buf = new Uint8Array(MAX_CHUNK_BYTES);
  #view = new DataView(this.#buf.buffer);
  #len = 0;
  /** How much of `#buf` the CRC has already seen. */
  #crcPos = 0;
  #written = 0;
  #ready: Uint8Array[] = [];
  #sections = 0;

  get written(): number {
    return this.#written;
  }

  /** Yields the chunks completed so far. */
  *drain(): Generator<Uint8Array> {
    const ready = this.#ready;
    this.#ready = [];
    yield* ready;
  }

  /** Ends the stream: yields every remaining byte. */
  *finish(): Generator<Uint8Array> {
    this.#seal();
    yield* this.drain();
  }

  /** Makes room for `n` contiguous bytes (n <= MAX_CHUNK_BYTES), starting a new chunk when needed. */
  reserve(n: number): void {
    if (this.#len + n > MAX_CHUNK_BYTES) this.#seal();
  }

  putU8(v: number): void {
    this.reserve(1);
    this.#view.setUint8(this.#len, v);
    this.#advance(1);
  }

  putU16(v: number): void {
    this.reserve(2);
    this.#view.setUint16(this.#len, v, true);
    this.#advance(2);
  }

  putU32(v: number): void {
    this.reserve(4);
    this.#view.setUint32(this.#len, v, true);
    this.#advance(4);
  }

  putI32(v: number): void {
    this.reserve(4);
    this.#view.setInt32(this.#len, v, true);
    this.#advance(4);
  }

  putAscii(text: string): void {
    this.reserve(text.length);
    for (let i = 0; i < text.length; i++) this.#buf[this.#len + i] = text.charCodeAt(i);
    this.#advance(text.length);
  }

  /** A string as u16 length + UTF-16 code units: lossless for any JS string, lone surrogates included. */
  putUtf16(text: string): void {
    this.reserve(2 + 2 * text.length);
    this.#view.setUint16(this.#len, text.length, true);
    for (let i = 0; i < text.length; i++)
      this.#view.setUint16(this.#len + 2 + 2 * i, text.charCodeAt(i), true);
    this.#advance(2 + 2 * text.length);
  }

  /** Copies `bytes` in, yielding each chunk as it fills, so a large array is never buffered whole. */
  *putBytes(bytes: Uint8Array): Generator<Uint8Array> {
    let pos = 0;
    while (pos < bytes.length) {
      if (this.#len === MAX_CHUNK_BYTES) this.#seal();
      const n = Math.min(bytes.length - pos, MAX_CHUNK_BYTES - this.#len);
      this.#buf.set(bytes.subarray(pos, pos + n), this.#len);
      this.#advance(n);
      pos += n;
      yield* this.drain();
    }
  }

  /** Writes the CRC of everything so far. */
  putCheckpoint(): void {
    this.#syncCrc();
    this.putU32(this.#crc.value);
  }

  /** One tagged section: `body` must write exactly `byteLength` bytes. */
  *section(tag: string, byteLength: number, body: () => Iterable<Uint8Array>): Generator<Uint8Array> {
    this.putAscii(tag);
    this.putU32(byteLength % 2 ** 32);
    this.putU32(Math.floor(byteLength / 2 ** 32));
    const start = this.#written;
    yield* body();
    if (this.#written - start !== byteLength) {
      throw new Error(`section ${tag} wrote ${this.#written - start} bytes, announced ${byteLength}`);
    }
    this.putCheckpoint();
    this.#sections++;
    yield* this.drain();
  }

  putTrailer(): void {
    this.putAscii(TRAILER_TAG);
    this.putU32(this.#sections);
    this.putCheckpoint();
  }

  #advance(n: number): void {
    this.#len += n;
    this.#written += n;
  }

  #syncCrc(): void {
    this.#crc.update(this.#buf.subarray(this.#crcPos, this.#len));
    this.#crcPos = this.#len;
  }

  /** Closes the current chunk (handing it to the consumer) and starts a fresh one. */
  #seal(): void {
    if (this.#len === 0) return;
    this.#syncCrc();
    if (this.#len <= MAX_CHUNK_BYTES / 2) {
      // A short chunk is copied out, so a small snapshot does not pin a whole 1 MiB buffer per chunk.
      this.#ready.push(this.#buf.slice(0, this.#len));
    } else {
      this.#ready.push(this.#buf.subarray(0, this.#len));
      this.#buf = new Uint8Array(MAX_CHUNK_BYTES);
      this.#view = new DataView(this.#buf.buffer);
    }
    this.#len = 0;
    this.#crcPos = 0;
  }
}

/** Bytes of an `IDS ` section holding `ids`. */
export function idsByteLength(ids: Iterable<string | undefined>): number {
  let bytes = 0;
  for (const id of ids) if (id !== undefined) bytes += 2 + 2 * id.length;
  return bytes;
}

/** Writes ids as u16 length + UTF-16 code units, yielding chunks as they fill. */
export function* writeIds(w: FrameWriter, ids: Iterable<string | undefined>): Generator<Uint8Array> {
  for (const id of ids) {
    if (id === undefined) continue;
    w.putUtf16(id);
    yield* w.drain();
  }
}
