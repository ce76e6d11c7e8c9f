/**
 * The snapshot file: one collection's index, payloads and applied offsets, in one file.
 *
 * Layout (integers u32 little-endian):
 *
 *     "VSSNAP01"
 *     metaLength  meta (JSON)  sha256(meta)                       -- offsets, dim, metric, counts
 *     [length  JSON array of [id, payload]]*  0  sha256(section)  -- payloads, in chunks
 *     [length  index bytes]*  0                                   -- the engine's own checksummed format
 *     "VSSEND01"
 *
 * Contract: the meta and payload sections carry their own SHA-256 (the index section has the engine's
 * checksum), so any flipped bit surfaces as `SnapshotError` CHECKSUM_MISMATCH or CORRUPT_INDEX, and
 * a cut file as TRUNCATED: a damaged snapshot is never half-loaded. Writing goes to `<path>.tmp`, is
 * fsynced, renamed over `path`, and the directory fsynced, so a crash leaves either the old set of
 * snapshots or the new one. Both directions stream: neither holds the whole file in memory.
 */

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, rename } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { IndexError } from "../index/errors.js";
import type { VectorIndex } from "../index/types.js";
import { ByteReader, u32 } from "./bytes.js";
import type { IndexCodec } from "./codec.js";
import { SnapshotError } from "./errors.js";

/** A point's JSON payload (src/collection/ops.ts `Payload`; the snapshot layer does not import it). */
type Payload = Record<string, unknown>;

const MAGIC = Buffer.from("VSSNAP01", "ascii");
const END = Buffer.from("VSSEND01", "ascii");
const PAYLOAD_CHUNK_ENTRIES = 2048;
const MAX_META_BYTES = 1 << 20;
const FLUSH_BYTES = 1 << 20;

export interface SnapshotMeta {
  collection: string;
  dim: number;
  metric: string;
  createdAtMs: number;
  /** Applied offset per partition when the snapshot was taken. */
  offsets: Record<string, number>;
  points: number;
  payloads: number;
}

export interface SnapshotContent {
  meta: SnapshotMeta;
  index: VectorIndex;
  payloads: ReadonlyMap<string, Payload>;
}

/** Coalesces small writes into ~1 MiB `write` calls. */
class BufferedFile {
  readonly #fh: FileHandle;
  #parts: Uint8Array[] = [];
  #size = 0;
  bytes = 0;

  constructor(fh: FileHandle) {
    this.#fh = fh;
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.#parts.push(bytes);
    this.#size += bytes.length;
    this.bytes += bytes.length;
    if (this.#size >= FLUSH_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#size === 0) return;
    const data = Buffer.concat(this.#parts, this.#size);
    this.#parts = [];
    this.#size = 0;
    await this.#fh.write(data);
  }
}

async function writeSections(out: BufferedFile, content: SnapshotContent, codec: IndexCodec): Promise<void> {
  await out.write(MAGIC);
  const meta = Buffer.from(JSON.stringify(content.meta), "utf8");
  await out.write(u32(meta.length));
  await out.write(meta);
  await out.write(createHash("sha256").update(meta).digest());

  const hash = createHash("sha256");
  const framed = async (bytes: Uint8Array) => {
    const prefix = u32(bytes.length);
    hash.update(prefix).update(bytes);
    await out.write(prefix);
    await out.write(bytes);
  };
  let batch: [string, Payload][] = [];
  for (const entry of content.payloads) {
    batch.push(entry);
    if (batch.length === PAYLOAD_CHUNK_ENTRIES) {
      await framed(Buffer.from(JSON.stringify(batch), "utf8"));
      batch = [];
    }
  }
  if (batch.length > 0) await framed(Buffer.from(JSON.stringify(batch), "utf8"));
  hash.update(u32(0));
  await out.write(u32(0));
  await out.write(hash.digest());

  for (const chunk of codec.serialize(content.index)) {
    if (chunk.length === 0) continue;
    await out.write(u32(chunk.length));
    await out.write(chunk);
  }
  await out.write(u32(0));
  await out.write(END);
}

/** Writes `content` to `path` atomically (temp file, fsync, rename, fsync directory). Returns bytes. */
export async function writeSnapshotFile(
  path: string,
  content: SnapshotContent,
  codec: IndexCodec,
): Promise<number> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, "w");
  const out = new BufferedFile(fh);
  try {
    await writeSections(out, content, codec);
    await out.flush();
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  return out.bytes;
}

async function readChecked(reader: ByteReader, bytes: Uint8Array, what: string): Promise<void> {
  const stored = await reader.read(32);
  const actual = createHash("sha256").update(bytes).digest();
  if (!actual.equals(stored)) {
    throw new SnapshotError("CHECKSUM_MISMATCH", `snapshot ${what} section fails its SHA-256 check`, {
      section: what,
      offset: reader.position,
    });
  }
}

async function readMeta(reader: ByteReader): Promise<SnapshotMeta> {
  if (!Buffer.from(await reader.read(MAGIC.length)).equals(MAGIC)) {
    throw new SnapshotError("BAD_MAGIC", "not a vecstream snapshot (bad magic)");
  }
  const length = await reader.u32();
  if (length > MAX_META_BYTES)
    throw new SnapshotError("CHECKSUM_MISMATCH", `meta length ${length} is implausible`);
  const meta = await reader.read(length);
  await readChecked(reader, meta, "meta");
  return JSON.parse(Buffer.from(meta).toString("utf8")) as SnapshotMeta;
}

/** A frame length beyond this can only be damage; refusing it keeps a flipped bit from allocating GiBs. */
const MAX_FRAME_BYTES = 1 << 28;

async function frameLength(reader: ByteReader, section: string): Promise<number> {
  const length = await reader.u32();
  if (length > MAX_FRAME_BYTES) {
    throw new SnapshotError(
      "CHECKSUM_MISMATCH",
      `snapshot ${section} frame length ${length} is implausible`,
      {
        section,
        offset: reader.position,
      },
    );
  }
  return length;
}

async function readPayloads(reader: ByteReader): Promise<Map<string, Payload>> {
  const hash = createHash("sha256");
  const frames: Uint8Array[] = [];
  for (;;) {
    const length = await frameLength(reader, "payloads");
    hash.update(u32(length));
    if (length === 0) break;
    const bytes = await reader.read(length);
    hash.update(bytes);
    frames.push(bytes);
  }
  const stored = await reader.read(32);
  if (!hash.digest().equals(stored)) {
    throw new SnapshotError("CHECKSUM_MISMATCH", "snapshot payload section fails its SHA-256 check", {
      section: "payloads",
    });
  }
  // Parsed only after the checksum passed, so damage is reported as such and not as a JSON error.
  const payloads = new Map<string, Payload>();
  for (const bytes of frames) {
    for (const [id, payload] of JSON.parse(Buffer.from(bytes).toString("utf8")) as [string, Payload][]) {
      payloads.set(id, payload);
    }
  }
  return payloads;
}

/** The index section's frames; the reader is left at a frame boundary whenever this is suspended. */
async function* indexFrames(reader: ByteReader, state: { ended: boolean }): AsyncGenerator<Uint8Array> {
  for (;;) {
    const length = await frameLength(reader, "index");
    if (length === 0) {
      state.ended = true;
      return;
    }
    yield await reader.read(length);
  }
}

/** Reads and verifies a whole snapshot; any damage throws `SnapshotError` (never a partial result). */
export async function readSnapshotFile(
  path: string,
  codec: IndexCodec,
): Promise<SnapshotContent & { payloads: Map<string, Payload> }> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  const reader = new ByteReader(stream);
  try {
    const meta = await readMeta(reader);
    const payloads = await readPayloads(reader);
    const state = { ended: false };
    let index: VectorIndex;
    try {
      index = await codec.deserialize(indexFrames(reader, state));
    } catch (err) {
      if (err instanceof SnapshotError) throw err;
      if (err instanceof IndexError)
        throw new SnapshotError("CORRUPT_INDEX", err.message, { cause: err.code });
      throw err;
    }
    // The engine may stop reading at its own trailer: skip to the section's end marker.
    if (!state.ended) for await (const _ of indexFrames(reader, state));
    if (!Buffer.from(await reader.read(END.length)).equals(END) || !(await reader.atEnd())) {
      throw new SnapshotError("TRUNCATED", "snapshot does not end with its end marker");
    }
    return { meta, index, payloads };
  } finally {
    stream.destroy();
  }
}
