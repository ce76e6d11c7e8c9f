/**
 * An invariant checker for `HnswIndex` graphs, for tests and diagnostics (Vespa's
 * `check_link_symmetry`/`count_reachable_nodes`, Qdrant's connectivity tests).
 *
 * Contract: `checkGraph` reads the graph only through `HnswGraphView` (an index's `view().graph`, or
 * any view: tests hand it doctored ones), and never trusts a list's count. Reachability is counted over layer-0 links from
 * the entry point, walking through tombstones as a search does; a live node layer 0 cannot reach is one
 * no search can return. It also counts links to free slots (or beyond the used slots), lists longer than
 * their layer allows, self links and duplicate links, on every layer, and describes the first few
 * problems in words.
 */

import type { HnswGraphView } from "./hnsw-graph-view.js";
import { FREE, LIVE } from "./hnsw-graph-view.js";
import type { HnswIndex } from "./hnsw-index.js";

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

export function checkGraph(source: HnswIndex | HnswGraphView): GraphReport {
  const x = "view" in source ? source.view().graph : source;
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
    if (x.state(s) === FREE) continue;
    if (x.state(s) === LIVE) report.liveNodes++;
    for (let layer = 0; layer <= x.level(s); layer++) checkList(x, s, layer, report, note);
  }
  report.reachable = countReachable(x);
  report.unreachable = report.liveNodes - report.reachable;
  if (report.unreachable > 0) note(`${report.unreachable} live nodes are unreachable on layer 0`);
  return report;
}

function checkList(
  x: HnswGraphView,
  s: number,
  layer: number,
  report: GraphReport,
  note: (text: string) => void,
): void {
  const count = x.linkCount(s, layer);
  if (count > x.maxLinks(layer)) {
    report.overfullLists++;
    note(`node ${s} has ${count} links on layer ${layer}`);
  }
  const seen = new Set<number>();
  for (const n of x.neighbors(s, layer).slice(0, x.maxLinks(layer))) {
    if (n === s) {
      report.selfLinks++;
      note(`node ${s} links itself on layer ${layer}`);
    }
    if (seen.has(n)) {
      report.duplicateLinks++;
      note(`node ${s} links ${n} twice on layer ${layer}`);
    }
    seen.add(n);
    if (n >= x.nodeCount || x.state(n) === FREE) {
      report.linksToFreedSlots++;
      note(`node ${s} links freed slot ${n} on layer ${layer}`);
    }
  }
}

/** Live nodes reached from the entry point over layer-0 links, walking through tombstones. */
function countReachable(x: HnswGraphView): number {
  if (x.entryPoint < 0) return 0;
  const reached = new Uint8Array(x.nodeCount);
  const queue = new Uint32Array(x.nodeCount);
  reached[x.entryPoint] = 1;
  queue[0] = x.entryPoint;
  let tail = 1;
  let live = 0;
  for (let head = 0; head < tail; head++) {
    const c = queue[head];
    if (x.state(c) === LIVE) live++;
    for (const n of x.neighbors(c, 0).slice(0, x.maxLinks(0))) {
      if (n >= x.nodeCount || x.state(n) === FREE || reached[n] === 1) continue;
      reached[n] = 1;
      queue[tail++] = n;
    }
  }
  return live;
}
