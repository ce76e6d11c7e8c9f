/**
 * Incremental consolidation of deletes: one pass repairs every live node's lists around the tombstones
 * present when the pass started, a few nodes per mutation, then frees those tombstones' slots.
 *
 * Contract: between any two steps the graph is fully consistent (each list rewrite is atomic on the
 * single writer thread), so searches interleave freely. A pass only frees the tombstones it started
 * with ("doomed"); nodes deleted while it runs stay tombstones, are scrubbed of links to doomed slots
 * when the pass ends, and wait for the next pass. Nothing new can link a doomed slot meanwhile: inserts
 * never choose tombstones, shrinking only keeps existing links, and repair only adds live nodes.
 *
 * Why incremental: a pass touches nearly every node, which at millions of nodes is tens of seconds on
 * the writer thread. Stepping it by `CONSOLIDATION_STEP_NODES` per mutation bounds the pause per
 * mutation, while with a 10% trigger ratio the pass still ends long before the next one is due. The
 * mutation that ends a pass still pays one O(N) reachability sweep (hnsw-reachability.ts), the
 * remaining pause to slice if it matters; measured: docs/decisions/incremental-consolidation.md.
 */

import { IndexError } from "./errors.js";
import type { HnswGraph } from "./hnsw-graph.js";
import { TOMBSTONE } from "./hnsw-graph-view.js";
import { repairList } from "./hnsw-list-repair.js";
import type { NeighborScratch } from "./hnsw-neighbors.js";
import { ensureReachable } from "./hnsw-reachability.js";
import type { SearchContext } from "./hnsw-search.js";

/**
 * Nodes a pass repairs per mutation. With tombstones at ratio r of the slots, a pass must cover N nodes
 * within about r * N further mutations to keep up; 32 per mutation is more than 1/r = 10 with margin.
 */
export const CONSOLIDATION_STEP_NODES = 32;

export class ConsolidationPass {
  /** Slots that were tombstones when the pass began; freed when it ends. */
  readonly doomed: Uint32Array;
  /** Next slot to repair. */
  cursor = 0;
  /** Set once the doomed slots are freed. */
  finished = false;

  /**
   * Starts a pass over the current tombstones, or resumes one saved in a snapshot. A saved pass whose
   * doomed slots are not all tombstones, or whose cursor lies beyond the used slots, is refused
   * (CORRUPT_INDEX): finishing it would free live nodes.
   */
  constructor(graph: HnswGraph, saved?: { doomed: Uint32Array; cursor: number }) {
    if (saved !== undefined) {
      const ok =
        Number.isInteger(saved.cursor) &&
        saved.cursor >= 0 &&
        saved.cursor <= graph.nodeCount &&
        saved.doomed.every((s) => s < graph.nodeCount && graph.state(s) === TOMBSTONE);
      if (!ok) throw new IndexError("CORRUPT_INDEX", "corrupt HNSW snapshot: bad consolidation pass", {});
      this.doomed = saved.doomed;
      this.cursor = saved.cursor;
      return;
    }
    const doomed: number[] = [];
    for (let s = 0; s < graph.nodeCount; s++) if (graph.state(s) === TOMBSTONE) doomed.push(s);
    this.doomed = Uint32Array.from(doomed);
  }

  /**
   * Repairs up to `budget` node slots (Infinity: all the rest), and finishes the pass when the cursor
   * reaches the end. Returns the number of slots freed (0 until the pass ends).
   */
  advance(
    graph: HnswGraph,
    ctx: SearchContext,
    scratch: NeighborScratch,
    budget: number,
    efC: number,
  ): number {
    const stop = Math.min(graph.nodeCount, this.cursor + budget);
    for (; this.cursor < stop; this.cursor++) {
      const s = this.cursor;
      if (!graph.isLive(s)) continue;
      for (let layer = graph.level(s); layer >= 0; layer--) repairList(graph, ctx, scratch, s, layer);
    }
    return this.cursor >= graph.nodeCount ? this.#finish(graph, ctx, scratch, efC) : 0;
  }

  #finish(graph: HnswGraph, ctx: SearchContext, scratch: NeighborScratch, efC: number): number {
    this.finished = true;
    let freed = 0;
    if (graph.liveCount === 0) {
      for (let s = 0; s < graph.nodeCount; s++) {
        if (graph.state(s) === TOMBSTONE) {
          graph.release(s);
          freed++;
        }
      }
      graph.setEntryPoint(-1, -1);
      return freed;
    }
    const isDoomed = new Uint8Array(graph.nodeCount);
    for (const s of this.doomed) isDoomed[s] = 1;
    for (let s = 0; s < graph.nodeCount; s++) {
      if (graph.state(s) !== TOMBSTONE || isDoomed[s] === 1) continue;
      // A surviving tombstone drops its links to the doomed slots, which are about to be freed.
      for (let layer = graph.level(s); layer >= 0; layer--) graph.removeLinksTo(s, layer, isDoomed);
    }
    for (const s of this.doomed) {
      graph.release(s);
      freed++;
    }
    ensureReachable(graph, ctx, scratch, efC);
    return freed;
  }
}

/** Runs a whole pass now (finishing `pending` first); returns the number of slots freed. */
export function consolidateDeletes(
  graph: HnswGraph,
  ctx: SearchContext,
  scratch: NeighborScratch,
  efC: number,
  pending: ConsolidationPass | null,
): number {
  let freed = pending === null || pending.finished ? 0 : pending.advance(graph, ctx, scratch, Infinity, efC);
  if (graph.tombstoneCount > 0)
    freed += new ConsolidationPass(graph).advance(graph, ctx, scratch, Infinity, efC);
  return freed;
}
