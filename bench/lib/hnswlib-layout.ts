/**
 * What hnswlib-node does not expose to JavaScript, read from its own serialized index: memory per vector
 * and the live nodes a search cannot reach.
 *
 * hnswlib's `saveIndex` writes a 96-byte header, then the level-0 slab exactly as it sits in memory
 * (`cur_element_count * size_data_per_element`, each record `[uint16 count | uint8 flags | uint8 |
 * maxM0 uint32 links | dim float32 | uint64 label]`, flag 0x01 = mark-deleted), then for each element a
 * uint32 byte length and its upper-level link lists (`level * (maxM*4 + 4)` bytes).
 *
 * Contract: `hnswlibMemory` = (file bytes - header) / n, i.e. the level-0 slab, upper-level links and a
 * 4-byte level per element, plus per-element bookkeeping hnswlib allocates but does not save, taken from
 * its layout on 64-bit Linux (libstdc++): a `std::mutex` per element (40 B), the `linkLists_` pointer
 * (8 B), a `label_lookup_` hash node (32 B with malloc rounding) and bucket (8 B), and the visited-list
 * tag (2 B). `hnswlibGraphHealth` counts live nodes not reached from the entry point by a breadth-first
 * walk over layer-0 links, walking through mark-deleted nodes as hnswlib's search does: the same
 * definition as vecstream's `checkGraph` (a live node layer 0 cannot reach is one no search returns).
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { HierarchicalNSW } from "hnswlib-node";

import type { EngineParams, GraphHealth, MemoryFigure } from "./engines.js";

const HEADER_BYTES = 96;
const DELETE_MARK = 0x01;
/** Per-element bytes hnswlib holds in memory but does not serialize (see the module comment). */
const UNSAVED_BYTES_PER_ELEMENT = 40 + 8 + 32 + 8 + 2;

export interface HnswlibGraph {
  count: number;
  maxElements: number;
  sizeDataPerElement: number;
  maxLevel: number;
  entryPoint: number;
  maxM: number;
  maxM0: number;
  fileBytes: number;
  /** Layer-0 neighbours of node `i`. */
  links0: Uint32Array[];
  /** Bytes of upper-layer link lists over all nodes. */
  upperBytes: number;
  deleted: Uint8Array;
}

/** Saves the index to a temporary file and reads it back. */
function snapshot(index: HierarchicalNSW): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "vecstream-hnswlib-"));
  try {
    const path = join(dir, "index.bin");
    index.writeIndexSync(path);
    return new Uint8Array(readFileSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readLinkList(view: DataView, off: number): number[] {
  const count = view.getUint16(off, true);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(view.getUint32(off + 4 + 4 * i, true));
  return out;
}

/** Parses hnswlib's saved format (hnswalg.h `saveIndex`) into per-node adjacency. */
export function parseHnswlibIndex(bytes: Uint8Array): HnswlibGraph {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u64 = (off: number) => Number(view.getBigUint64(off, true));
  const maxElements = u64(8);
  const count = u64(16);
  const sizeDataPerElement = u64(24);
  const maxLevel = view.getInt32(48, true);
  const entryPoint = view.getUint32(52, true);
  const maxM = u64(56);
  const maxM0 = u64(64);
  const links0: Uint32Array[] = [];
  let upperBytes = 0;
  const deleted = new Uint8Array(count);
  let upperOff = HEADER_BYTES + count * sizeDataPerElement;
  for (let i = 0; i < count; i++) {
    const level0 = HEADER_BYTES + i * sizeDataPerElement;
    deleted[i] = view.getUint8(level0 + 2) & DELETE_MARK;
    links0.push(Uint32Array.from(readLinkList(view, level0)));
    const bytesOfNode = view.getUint32(upperOff, true);
    upperBytes += bytesOfNode;
    upperOff += 4 + bytesOfNode;
  }
  if (upperOff !== bytes.byteLength) {
    throw new Error(`hnswlib index parse ended at byte ${upperOff} of ${bytes.byteLength}: layout mismatch`);
  }
  return {
    count,
    maxElements,
    sizeDataPerElement,
    maxLevel,
    entryPoint,
    maxM,
    maxM0,
    fileBytes: bytes.byteLength,
    links0,
    upperBytes,
    deleted,
  };
}

/** Live nodes not reachable from the entry point (walking through deleted nodes too). */
export function countUnreachable(graph: HnswlibGraph): number {
  if (graph.count === 0) return 0;
  const seen = new Uint8Array(graph.count);
  const queue = [graph.entryPoint];
  seen[graph.entryPoint] = 1;
  for (let head = 0; head < queue.length; head++) {
    for (const next of graph.links0[queue[head]]) {
      if (!seen[next]) {
        seen[next] = 1;
        queue.push(next);
      }
    }
  }
  let unreachable = 0;
  for (let i = 0; i < graph.count; i++) if (!seen[i] && !graph.deleted[i]) unreachable++;
  return unreachable;
}

export function hnswlibMemory(index: HierarchicalNSW, params: EngineParams, liveCount: number): MemoryFigure {
  const graph = parseHnswlibIndex(snapshot(index));
  const level0Record = params.M * 2 * 4 + 4 + params.dim * 4 + 8;
  if (graph.sizeDataPerElement !== level0Record) {
    throw new Error(`hnswlib level-0 record is ${graph.sizeDataPerElement} B, expected ${level0Record} B`);
  }
  const bytes = graph.fileBytes - HEADER_BYTES + graph.count * UNSAVED_BYTES_PER_ELEMENT;
  return {
    bytesPerVector: bytes / liveCount,
    method: `layout: saved index minus header (level-0 slab ${level0Record} B/elem + upper links) + ${UNSAVED_BYTES_PER_ELEMENT} B/elem unsaved bookkeeping`,
  };
}

export function hnswlibGraphHealth(index: HierarchicalNSW): GraphHealth {
  const graph = parseHnswlibIndex(snapshot(index));
  return {
    unreachable: countUnreachable(graph),
    tombstones: graph.deleted.reduce((sum, d) => sum + d, 0),
    method:
      "BFS over layer-0 links of the saved index from its entry point, through mark-deleted nodes " +
      "(which hnswlib never unlinks, so deletes alone cannot disconnect a live node)",
  };
}
