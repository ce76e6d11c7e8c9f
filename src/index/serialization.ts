/**
 * Snapshots of a whole index as a compact, versioned, checksummed binary stream. Pure: no I/O; the
 * caller pipes the chunks to a file or socket and hands a stream of chunks back to load.
 *
 * Contract:
 * - `serializeIndex(index)` yields chunks of at most 1 MiB that the consumer owns. It reads the index
 *   lazily, so the index must not be mutated until the generator is exhausted (or abandoned).
 * - `deserializeIndex(chunks, options)` accepts any sync or async iterable of Uint8Array (an
 *   `fs.ReadStream` works), reads it chunk by chunk without joining it, and returns an index (its
 *   vectors stored as `options.storage` says) that answers every query
 *   exactly as the saved one did and evolves identically under further writes (the HNSW level
 *   generator's state is saved). Damage is `IndexError` CORRUPT_INDEX, a version this build cannot read
 *   is UNSUPPORTED_VERSION; the message names the section and what was expected.
 *
 * After the frame header (serialization-frame.ts), the header body is: u8 kind, u8 metric, u16 number
 * of fields, u32 dim, then that many u32 fields in the kind's fixed order (`*_FIELDS` below).
 * Sections, in order, are per kind: brute force `IDS ` (u16 length + UTF-16 units per id, slot order)
 * and `VECS` (float32 vectors, slot order); HNSW is in serialization-hnsw.ts.
 */

import { BruteForceIndex } from "./brute-force-index.js";
import { IndexError } from "./errors.js";
import { HnswIndex } from "./hnsw-index.js";
import {
  FORMAT_VERSION,
  FrameWriter,
  MAGIC,
  MAX_HEADER_BYTES,
  READABLE_VERSIONS,
  assertLittleEndian,
  bytesOf,
  idsByteLength,
  writeIds,
} from "./serialization-frame.js";
import type { SnapshotHeader } from "./serialization-frame.js";
import { HNSW_FIELDS, hnswHeaderFields, readHnswSections, writeHnswSections } from "./serialization-hnsw.js";
import { FrameReader, readIdSection } from "./serialization-reader.js";
import type { Metric } from "./types.js";
import { METRICS } from "./types.js";
import type { VectorStoreOptions } from "./vector-store-wasm.js";

export type SerializableIndex = HnswIndex | BruteForceIndex;

export interface DeserializeOptions {
  /** Where a restored HNSW index keeps its vectors (default: WASM when possible). */
  storage?: VectorStoreOptions;
}

const KIND_HNSW = 1;
const KIND_BRUTE_FORCE = 2;
const BRUTE_FORCE_FIELDS = ["count"] as const;
const BRUTE_FORCE_SECTIONS = 2;

export function* serializeIndex(index: SerializableIndex): Generator<Uint8Array> {
  assertLittleEndian();
  const w = new FrameWriter();
  if (index instanceof HnswIndex) {
    const view = index.view();
    writeHeader(w, KIND_HNSW, index.metric, index.dim, hnswHeaderFields(index.params, view));
    yield* writeHnswSections(w, index.params, view);
    w.putTrailer();
  } else if (index instanceof BruteForceIndex) {
    const { ids, vectors } = index.internals();
    writeHeader(w, KIND_BRUTE_FORCE, index.metric, index.dim, [ids.length]);
    yield* w.section("IDS ", idsByteLength(ids), () => writeIds(w, ids));
    yield* w.section("VECS", vectors.byteLength, () => w.putBytes(bytesOf(vectors)));
    w.putTrailer();
  } else {
    throw new IndexError("INVALID_PARAMETER", "only HnswIndex and BruteForceIndex can be serialized", {});
  }
  yield* w.finish();
}

export async function deserializeIndex(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: DeserializeOptions = {},
): Promise<SerializableIndex> {
  assertLittleEndian();
  const r = new FrameReader(chunks);
  try {
    const header = await readHeader(r);
    let index: SerializableIndex;
    let sections: number;
    if (header.kind === KIND_HNSW) {
      [index, sections] = await readHnswSections(r, header, options.storage ?? {});
    } else {
      index = await readBruteForceSections(r, header);
      sections = BRUTE_FORCE_SECTIONS;
    }
    await readTrailer(r, sections);
    await r.expectEnd();
    return index;
  } catch (error) {
    await r.close();
    throw error;
  }
}

function writeHeader(w: FrameWriter, kind: number, metric: Metric, dim: number, fields: number[]): void {
  w.putAscii(MAGIC);
  w.putU16(FORMAT_VERSION);
  w.putU32(8 + 4 * fields.length);
  w.putU8(kind);
  w.putU8(METRICS.indexOf(metric));
  w.putU16(fields.length);
  w.putU32(dim);
  for (const field of fields) w.putU32(field >>> 0);
  w.putCheckpoint();
}

async function readHeader(r: FrameReader): Promise<SnapshotHeader> {
  const magic = await r.ascii(MAGIC.length);
  if (magic !== MAGIC) {
    throw r.corrupt(`not a vecstream index: expected magic ${MAGIC}, found ${JSON.stringify(magic)}`);
  }
  const version = await r.u16();
  if (!READABLE_VERSIONS.includes(version)) {
    throw new IndexError(
      "UNSUPPORTED_VERSION",
      `index snapshot has format version ${version}; this build reads versions ${READABLE_VERSIONS.join(", ")}`,
      { version, supported: [...READABLE_VERSIONS] },
    );
  }
  const length = await r.u32();
  if (length < 8 || length > MAX_HEADER_BYTES || length % 4 !== 0) {
    throw r.corrupt(`header length ${length} is not a multiple of 4 from 8 to ${MAX_HEADER_BYTES}`);
  }
  // A copy, parsed after the checkpoint: by then the reader may have moved on to the source's next chunk.
  const body = new DataView(Uint8Array.from(await r.read(length)).buffer);
  await r.checkpoint();
  const kind = body.getUint8(0);
  const metric = METRICS[body.getUint8(1)];
  const names = kind === KIND_HNSW ? HNSW_FIELDS : kind === KIND_BRUTE_FORCE ? BRUTE_FORCE_FIELDS : undefined;
  if (names === undefined) throw r.corrupt(`unknown index kind ${kind}`);
  if (metric === undefined) throw r.corrupt(`unknown metric code ${body.getUint8(1)}`);
  if (body.getUint16(2, true) !== names.length || length !== 8 + 4 * names.length) {
    throw r.corrupt(`expected ${names.length} header fields, found ${body.getUint16(2, true)}`);
  }
  const fields: Record<string, number> = {};
  names.forEach((name, i) => (fields[name] = body.getUint32(8 + 4 * i, true)));
  return { version, kind, metric, dim: body.getUint32(4, true), fields };
}

async function readTrailer(r: FrameReader, sections: number): Promise<void> {
  r.section = "trailer";
  const tag = await r.ascii(4);
  if (tag !== "VEND") throw r.corrupt(`expected trailer tag VEND, found ${JSON.stringify(tag)}`);
  const count = await r.u32();
  if (count !== sections) throw r.corrupt(`trailer counts ${count} sections, expected ${sections}`);
  await r.checkpoint();
}

async function readBruteForceSections(r: FrameReader, header: SnapshotHeader): Promise<BruteForceIndex> {
  const { count } = header.fields;
  const params = { dim: header.dim, metric: header.metric };
  // Constructing first validates dim before it sizes any allocation.
  r.asCorrupt(() => new BruteForceIndex({ ...params, initialCapacity: 0 }));
  const ids = await readIdSection(r, count);
  await r.openSection("VECS", count * header.dim * 4);
  const vectors = new Float32Array(count * header.dim);
  await r.readInto(bytesOf(vectors));
  await r.closeSection();
  return r.asCorrupt(() => BruteForceIndex.fromInternals(params, { ids, vectors }));
}
