/**
 * The HNSW part of the snapshot format (framing in serialization-frame.ts, entry points in
 * serialization.ts).
 *
 * Contract: only the `nodeCount` slots in use are written, slot by slot, so a snapshot does not carry
 * unused capacity, and chunk boundaries are a load-time decision (a build with another CHUNK_SHIFT
 * reads the same file). Sections, in order:
 *
 *     LEVL  u8  top layer of each slot            FLAG  u8  LIVE / TOMBSTONE / FREE of each slot
 *     IDS   ids of every non-free slot, slot order FREE  u32 free-slot stack, bottom first
 *     VECS  f32 nodeCount * dim                   LNK0  u32 nodeCount * (1 + 2M) layer-0 records
 *     UPPR  u32 levels[s] * (1 + M) words for each slot s with levels[s] > 0, slot order
 *     PASS  the delete-consolidation pass in progress: empty when none runs, else u32 cursor followed
 *           by the u32 slots it will free ("doomed"), ascending (format version 3 on)
 *
 * Sizes of all but IDS follow from the verified header and LEVL, so every announced length is checked
 * before anything is allocated from it. The header also carries the `consolidationRatio` parameter,
 * which decides when deletes are repaired, as float64 bits, so further writes behave identically.
 * PASS exists for the same reason: a pass repairs a few nodes per mutation (hnsw-consolidation.ts),
 * so an index saved mid-pass must resume that very pass, not start a new one over a different set of
 * tombstones, for its graph to stay identical to one never saved. A version 2 file has no PASS and
 * loads with no pass running. Graph-level consistency (link targets, entry point, doomed slots being
 * tombstones) is then checked by `HnswIndex.fromInternals`. The writer reads the graph through
 * `HnswGraphView`'s raw records; the reader fills an image cut by the chunk rule (vector-store.ts).
 */

import type { HnswInternals } from "./hnsw-graph-view.js";
import { FREE, layer0RecordWords, upperRecordWords } from "./hnsw-graph-view.js";
import type { HnswIndexView } from "./hnsw-index.js";
import { HnswIndex } from "./hnsw-index.js";
import type { HnswParams } from "./hnsw-params.js";
import { resolveParams } from "./hnsw-params.js";
import { bytesOf, idsByteLength, writeIds } from "./serialization-frame.js";
import type { FrameWriter, SnapshotHeader } from "./serialization-frame.js";
import type { FrameReader } from "./serialization-reader.js";
import { readIdSection } from "./serialization-reader.js";
import { CHUNK_SHIFT, chunkSlotsFor, recordBlocks } from "./vector-store.js";
import type { VectorStoreOptions } from "./vector-store-wasm.js";

/** Header fields of an HNSW snapshot, in file order; signed ones are stored as their u32 bits. */
export const HNSW_FIELDS = [
  "M",
  "efConstruction",
  "efSearch",
  "seed",
  "initialCapacity",
  "nodeCount",
  "capacity",
  "liveCount",
  "tombstoneCount",
  "freeCount",
  "entryPoint",
  "maxLevel",
  "rngState",
  "consolidationRatioLow",
  "consolidationRatioHigh",
] as const;

/** Sections of a version 2 file; version 3 adds PASS. */
const V2_SECTION_COUNT = 7;
/** Slots a loaded index may hold; matches the largest `initialCapacity` the parameters accept. */
const MAX_SLOTS = 2 ** 31;

/** The two u32 words of a float64, so a tuning ratio (possibly Infinity) survives bit for bit. */
function float64Words(value: number): [number, number] {
  const words = new Uint32Array(new Float64Array([value]).buffer);
  return [words[0], words[1]];
}

function float64FromWords(low: number, high: number): number {
  return new Float64Array(Uint32Array.from([low, high]).buffer)[0];
}

export function hnswHeaderFields(params: Required<HnswParams>, v: HnswIndexView): number[] {
  const g = v.graph;
  return [
    params.M,
    params.efConstruction,
    params.efSearch,
    params.seed,
    params.initialCapacity,
    g.nodeCount,
    g.capacity,
    g.liveCount,
    g.tombstoneCount,
    g.freeSlots.length,
    g.entryPoint,
    g.maxLevel,
    v.rngState,
    ...float64Words(params.consolidationRatio),
  ];
}

export function* writeHnswSections(
  w: FrameWriter,
  params: Required<HnswParams>,
  v: HnswIndexView,
): Generator<Uint8Array> {
  const g = v.graph;
  const n = g.nodeCount;
  const ids = Array.from({ length: n }, (_, s) => (g.state(s) === FREE ? undefined : g.idAt(s)));
  yield* w.section("LEVL", n, () => w.putBytes(g.levelBytes(n)));
  yield* w.section("FLAG", n, () => w.putBytes(g.stateBytes(n)));
  yield* w.section("IDS ", idsByteLength(ids), () => writeIds(w, ids));
  yield* w.section("FREE", 4 * g.freeSlots.length, () => w.putBytes(bytesOf(Uint32Array.from(g.freeSlots))));
  yield* w.section("VECS", 4 * n * params.dim, () => writeBlocks(w, g.vectorRecords(n)));
  yield* w.section("LNK0", 4 * n * layer0RecordWords(params.M), () => writeBlocks(w, g.layer0Records(n)));
  const levels = g.levelBytes(n);
  yield* w.section("UPPR", 4 * upperWordCount(levels, params.M), function* () {
    for (let s = 0; s < n; s++) {
      const links = g.upperRecord(s);
      if (levels[s] > 0 && links !== undefined) yield* w.putBytes(bytesOf(links));
    }
  });
  const pass = v.consolidation;
  const passWords = pass === null ? [] : [pass.cursor, ...pass.doomed];
  yield* w.section("PASS", 4 * passWords.length, () => w.putBytes(bytesOf(Uint32Array.from(passWords))));
}

function* writeBlocks(w: FrameWriter, blocks: (Float32Array | Uint32Array)[]): Generator<Uint8Array> {
  for (const block of blocks) yield* w.putBytes(bytesOf(block));
}

function upperWordCount(levels: Uint8Array, M: number): number {
  let words = 0;
  for (let s = 0; s < levels.length; s++) words += upperRecordWords(M, levels[s]);
  return words;
}

/** Reads the HNSW sections after a verified header; returns the index and the number of sections. */
export async function readHnswSections(
  r: FrameReader,
  header: SnapshotHeader,
  storage: VectorStoreOptions,
): Promise<[HnswIndex, number]> {
  const params = paramsOf(r, header);
  checkCounts(r, header.fields);
  const hasPass = header.version >= 3;
  const internals = await readImage(r, header.fields, params, hasPass);
  r.section = "graph";
  const index = r.asCorrupt(() => HnswIndex.fromInternals(params, internals, storage));
  return [index, V2_SECTION_COUNT + (hasPass ? 1 : 0)];
}

/** Reads the sections after the header into an image cut by this build's chunk rule. */
async function readImage(
  r: FrameReader,
  f: Record<string, number>,
  params: Required<HnswParams>,
  hasPass: boolean,
): Promise<HnswInternals> {
  const chunkSlots = chunkSlotsFor(f.capacity);
  const capacity = chunkSlots.reduce((sum, slots) => sum + slots, 0);
  const slots = await readSlotTables(r, f, capacity);
  const n = f.nodeCount;
  const vectorChunks = chunkSlots.map((count) => new Float32Array(count * params.dim));
  await readBlocks(r, "VECS", recordBlocks(vectorChunks, n, params.dim));
  const stride0 = layer0RecordWords(params.M);
  const links0Chunks = chunkSlots.map((count) => new Uint32Array(count * stride0));
  await readBlocks(r, "LNK0", recordBlocks(links0Chunks, n, stride0));
  const upperLinks = await readUpper(r, slots.levels, n, params.M, capacity);
  const consolidation = hasPass ? await readPass(r, f.tombstoneCount) : null;
  return {
    ...slots,
    nodeCount: n,
    capacity,
    chunkShift: CHUNK_SHIFT,
    vectorChunks,
    links0Chunks,
    upperLinks,
    entryPoint: f.entryPoint | 0,
    maxLevel: f.maxLevel | 0,
    rngState: f.rngState,
    liveCount: f.liveCount,
    tombstoneCount: f.tombstoneCount,
    consolidation,
  };
}

/** The index parameters of the header, checked (dim and M before they size any allocation). */
function paramsOf(r: FrameReader, header: SnapshotHeader): Required<HnswParams> {
  const f = header.fields;
  const consolidationRatio = float64FromWords(f.consolidationRatioLow, f.consolidationRatioHigh);
  if (!(consolidationRatio >= 0)) {
    throw r.corrupt(`consolidation ratio ${consolidationRatio} is not a number >= 0`);
  }
  const { M, efConstruction, efSearch, seed, initialCapacity } = f;
  const params = { dim: header.dim, metric: header.metric, M, efConstruction, efSearch, seed };
  return r.asCorrupt(() => resolveParams({ ...params, initialCapacity, consolidationRatio }));
}

/** Reads LEVL, FLAG, IDS and FREE into per-slot arrays sized to `capacity`. */
async function readSlotTables(
  r: FrameReader,
  f: Record<string, number>,
  capacity: number,
): Promise<Pick<HnswInternals, "levels" | "flags" | "slotIds" | "freeSlots">> {
  const n = f.nodeCount;
  const levels = new Uint8Array(capacity);
  const flags = new Uint8Array(capacity).fill(FREE);
  await readSection(r, "LEVL", levels.subarray(0, n));
  await readSection(r, "FLAG", flags.subarray(0, n));
  let used = 0;
  for (let s = 0; s < n; s++) if (flags[s] !== FREE) used++;
  if (used !== n - f.freeCount) {
    throw r.corrupt(`FLAG marks ${used} slots in use, the header says ${n - f.freeCount}`);
  }
  const ids = await readIdSection(r, used);
  const slotIds = new Array<string | undefined>(capacity).fill(undefined);
  for (let s = 0, next = 0; s < n; s++) if (flags[s] !== FREE) slotIds[s] = ids[next++];
  const freeSlots = new Uint32Array(f.freeCount);
  await readSection(r, "FREE", bytesOf(freeSlots));
  return { levels, flags, slotIds, freeSlots: Array.from(freeSlots) };
}

function checkCounts(r: FrameReader, f: Record<string, number>): void {
  if (f.nodeCount > f.capacity || f.capacity > MAX_SLOTS) {
    throw r.corrupt(`nodeCount ${f.nodeCount} and capacity ${f.capacity} are out of range`);
  }
  if (f.liveCount + f.tombstoneCount + f.freeCount !== f.nodeCount) {
    throw r.corrupt(
      `live ${f.liveCount} + tombstoned ${f.tombstoneCount} + free ${f.freeCount} slots != nodeCount ${f.nodeCount}`,
    );
  }
}

async function readSection(r: FrameReader, tag: string, target: Uint8Array): Promise<void> {
  await r.openSection(tag, target.length);
  await r.readInto(target);
  await r.closeSection();
}

/** Reads a section of per-slot records straight into `blocks` (views of the image's chunks). */
async function readBlocks(
  r: FrameReader,
  tag: string,
  blocks: (Float32Array | Uint32Array)[],
): Promise<void> {
  await r.openSection(
    tag,
    blocks.reduce((bytes, block) => bytes + block.byteLength, 0),
  );
  for (const block of blocks) await r.readInto(bytesOf(block));
  await r.closeSection();
}

async function readUpper(
  r: FrameReader,
  levels: Uint8Array,
  n: number,
  M: number,
  capacity: number,
): Promise<(Uint32Array | undefined)[]> {
  await r.openSection("UPPR", 4 * upperWordCount(levels.subarray(0, n), M));
  const upper = new Array<Uint32Array | undefined>(capacity).fill(undefined);
  for (let s = 0; s < n; s++) {
    if (levels[s] === 0) continue;
    const links = new Uint32Array(upperRecordWords(M, levels[s]));
    await r.readInto(bytesOf(links));
    upper[s] = links;
  }
  await r.closeSection();
  return upper;
}

/**
 * Reads PASS: null when no pass runs. Doomed slots must ascend strictly (as written), so none can be
 * freed twice; that they are tombstones within the used slots is checked by `fromInternals`.
 */
async function readPass(r: FrameReader, tombstoneCount: number): Promise<HnswInternals["consolidation"]> {
  const length = await r.openSection("PASS", { min: 0, max: 4 + 4 * tombstoneCount });
  if (length % 4 !== 0) throw r.corrupt(`payload of ${length} bytes is not a whole number of u32 words`);
  const words = new Uint32Array(length / 4);
  await r.readInto(bytesOf(words));
  await r.closeSection();
  if (words.length === 0) return null;
  const doomed = words.slice(1);
  for (let i = 1; i < doomed.length; i++) {
    if (doomed[i] <= doomed[i - 1]) throw r.corrupt(`doomed slot ${doomed[i]} does not ascend`);
  }
  return { cursor: words[0], doomed };
}
