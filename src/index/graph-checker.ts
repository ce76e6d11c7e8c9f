/**
 * An invariant checker for `HnswIndex` graphs, for tests and diagnostics (Vespa's
 * `check_link_symmetry`/`count_reachable_nodes`, Qdrant's connectivity tests).
 *
 * Contract: `checkGraph` only reads `index.internals()`. Reachability is counted over layer-0 links from
 * the entry point, walking through tombstones as a search does; a live node layer 0 cannot reach is one
 * no search can return. It also counts links to free slots (or beyond the used slots), lists longer than
 * their layer allows, self links and duplicate links, on every layer, and describes the first few
 * problems in words.
 */

import { FREE, LIVE } from "./hnsw-graph.js";
import type { HnswInternals } from "./hnsw-graph.js";
import type { HnswIndex } from "./hnsw-index.js";
import { CHUNK_MASK, CHUNK_SHIFT } from "./vector-store.js";

export interface GraphReport {
  liveNodes: number;
  reachable: number;
  unreachable: number;
  linksToFreedSlots: number;
  overfullLists: number;
  selfLinks: number;
  duplicateLinks: number;
  problems: string[];
}

const MAX_PROBLEMS = 20;

/** The list of `slot` on `layer` as [array, base], read through the documented layout. */
function listOf(x: HnswInternals, M: number, slot: number, layer: number): [Uint32Array, number] {
  if (layer === 0) return [x.links0Chunks[slot >>> CHUNK_SHIFT], (slot & CHUNK_MASK) * (1 + 2 * M)];
  return [x.upperLinks[slot] as Uint32Array, (layer - 1) * (1 + M)];
}

export function checkGraph(index: HnswIndex): GraphReport {
  const x = index.internals();
  const M = index.params.M;
  const report: GraphReport = {
    liveNodes: 0,
    reachable: 0,
    unreachable: 0,
    linksToFreedSlots: 0,
    overfullLists: 0,
    selfLinks: 0,
    duplicateLinks: 0,
    problems: [],
  };
  const note = (text: string): void => {
    if (report.problems.length < MAX_PROBLEMS) report.problems.push(text);
  };
  for (let s = 0; s < x.nodeCount; s++) {
    if (x.flags[s] === FREE) continue;
    if (x.flags[s] === LIVE) report.liveNodes++;
    for (let layer = 0; layer <= x.levels[s]; layer++) checkList(x, M, s, layer, report, note);
  }
  report.reachable = countReachable(x, M);
  report.unreachable = report.liveNodes - report.reachable;
  if (report.unreachable > 0) note(`${report.unreachable} live nodes are unreachable on layer 0`);
  return report;
}

function checkList(
  x: HnswInternals,
  M: number,
  s: number,
  layer: number,
  report: GraphReport,
  note: (text: string) => void,
): void {
  const [links, base] = listOf(x, M, s, layer);
  const count = links[base];
  if (count > (layer === 0 ? 2 * M : M)) {
    report.overfullLists++;
    note(`node ${s} has ${count} links on layer ${layer}`);
  }
  const seen = new Set<number>();
  for (let j = 1; j <= Math.min(count, layer === 0 ? 2 * M : M); j++) {
    const n = links[base + j];
    if (n === s) {
      report.selfLinks++;
      note(`node ${s} links itself on layer ${layer}`);
    }
    if (seen.has(n)) {
      report.duplicateLinks++;
      note(`node ${s} links ${n} twice on layer ${layer}`);
    }
    seen.add(n);
    if (n >= x.nodeCount || x.flags[n] === FREE) {
      report.linksToFreedSlots++;
      note(`node ${s} links freed slot ${n} on layer ${layer}`);
    }
  }
}

/** Live nodes reached from the entry point over layer-0 links, walking through tombstones. */
function countReachable(x: HnswInternals, M: number): number {
  if (x.entryPoint < 0) return 0;
  const reached = new Uint8Array(x.nodeCount);
  const queue = new Uint32Array(x.nodeCount);
  reached[x.entryPoint] = 1;
  queue[0] = x.entryPoint;
  let tail = 1;
  let live = 0;
  for (let head = 0; head < tail; head++) {
    const c = queue[head];
    if (x.flags[c] === LIVE) live++;
    const [links, base] = listOf(x, M, c, 0);
    for (let j = 1; j <= Math.min(links[base], 2 * M); j++) {
      const n = links[base + j];
      if (n >= x.nodeCount || x.flags[n] === FREE || reached[n] === 1) continue;
      reached[n] = 1;
      queue[tail++] = n;
    }
  }
  return live;
}
