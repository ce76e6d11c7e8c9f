/**
 * Schedules the quality probes of every collection: live recall and LID, on their own intervals.
 *
 * Contract: `startQualityProber(options)` starts two unref'd interval timers (they never keep the
 * process alive). On each recall tick, each collection with live points in turn gets
 * `recallProbeQueries` sample queries (recent searches recorded with `recordQuery`, topped up with
 * live points) and `estimateRecall` at the collection's default ef; the result goes to
 * `onRecall(name, recall, queries)`. On each LID tick, `estimateLid` over `lidSampleSize` live points
 * with `lidK` neighbours goes to `onLid(name, lid, points)`. Empty collections report nothing (their
 * gauges stay absent rather than claim a value).
 *
 * Probes never overlap: a tick that finds the previous probe of its kind still running is skipped, and
 * both kinds share one exact scan at a time, so the prober uses at most one slice of the event loop
 * at once. `stop()` clears the timers, makes a running scan abort at its next slice boundary and
 * resolves once it has. A failed probe (an engine error, say) is reported to `onError` and the next
 * tick tries again. `runRecallProbe()` / `runLidProbe()` run a probe at once (tests, diagnostics).
 */

import { SeededRandom } from "../index/random.js";
import type { VectorIndex } from "../index/types.js";
import type { ScanBudget } from "./exact-scan.js";
import { ScanAbortedError } from "./exact-scan.js";
import { estimateLid } from "./lid-estimator.js";
import { estimateRecall } from "./recall-estimator.js";
import { QueryRing, pickProbeQueries } from "./sampling.js";

/** The `quality` section of the service configuration. */
export interface QualityConfig {
  recallProbeIntervalMs: number;
  recallProbeQueries: number;
  recallK: number;
  lidIntervalMs: number;
  lidSampleSize: number;
  lidK: number;
}

export interface QualityTarget {
  name: string;
  /** The collection's index, or a getter when the collection may swap it (a snapshot load). */
  index: VectorIndex | (() => VectorIndex);
  /** The ef searches use by default; recall is measured at this ef. */
  defaultEf: number;
}

export interface QualityProberOptions {
  collections: readonly QualityTarget[];
  config: QualityConfig;
  onRecall(collection: string, recall: number, queries: number): void;
  onLid(collection: string, lid: number, points: number): void;
  onError?(collection: string, probe: "recall" | "lid", error: unknown): void;
  /** Recent search vectors kept per collection (default 256). */
  ringCapacity?: number;
  /** Seed of the sampling (default 1), so runs are reproducible. */
  seed?: number;
  /** Event-loop budget of the exact scans (default 2 ms slices). */
  budget?: Omit<ScanBudget, "isAborted">;
}

export interface QualityProber {
  /** Feeds a served query vector to the collection's ring; unknown collections are ignored. O(dim). */
  recordQuery(collection: string, vector: ArrayLike<number>): void;
  runRecallProbe(): Promise<void>;
  runLidProbe(): Promise<void>;
  stop(): Promise<void>;
}

export function startQualityProber(options: QualityProberOptions): QualityProber {
  const { config } = options;
  const rings = new Map<string, QueryRing>();
  for (const c of options.collections) rings.set(c.name, new QueryRing(options.ringCapacity ?? 256));
  const random = new SeededRandom(options.seed ?? 1);
  let stopped = false;
  const budget: ScanBudget = { ...options.budget, isAborted: () => stopped };
  // One chain of probes: each probe starts after the previous one settled, so scans never overlap.
  let chain: Promise<void> = Promise.resolve();
  const running = { recall: false, lid: false };

  const resolveIndex = (t: QualityTarget): VectorIndex =>
    typeof t.index === "function" ? t.index() : t.index;

  const probeRecall = async (t: QualityTarget): Promise<void> => {
    const index = resolveIndex(t);
    if (index.size === 0) return;
    const queries = await pickProbeQueries(
      index,
      rings.get(t.name),
      config.recallProbeQueries,
      random,
      budget,
    );
    const estimate = await estimateRecall(index, queries, { k: config.recallK, ef: t.defaultEf, budget });
    if (estimate !== undefined && !stopped) options.onRecall(t.name, estimate.recall, estimate.queries);
  };

  const probeLid = async (t: QualityTarget): Promise<void> => {
    const index = resolveIndex(t);
    const estimate = await estimateLid(index, {
      k: config.lidK,
      sampleSize: config.lidSampleSize,
      random,
      budget,
    });
    if (estimate !== undefined && !stopped) options.onLid(t.name, estimate.lid, estimate.points);
  };

  const schedule = (kind: "recall" | "lid", probe: (t: QualityTarget) => Promise<void>): Promise<void> => {
    if (stopped || running[kind]) return chain;
    running[kind] = true;
    chain = chain.then(async () => {
      try {
        for (const target of options.collections) {
          if (stopped) return;
          try {
            await probe(target);
          } catch (error) {
            if (error instanceof ScanAbortedError) return;
            options.onError?.(target.name, kind, error);
          }
        }
      } finally {
        running[kind] = false;
      }
    });
    return chain;
  };

  const runRecallProbe = (): Promise<void> => schedule("recall", probeRecall);
  const runLidProbe = (): Promise<void> => schedule("lid", probeLid);
  const recallTimer = setInterval(() => void runRecallProbe(), config.recallProbeIntervalMs);
  const lidTimer = setInterval(() => void runLidProbe(), config.lidIntervalMs);
  recallTimer.unref();
  lidTimer.unref();

  return {
    recordQuery(collection, vector) {
      rings.get(collection)?.record(vector);
    },
    runRecallProbe,
    runLidProbe,
    async stop() {
      stopped = true;
      clearInterval(recallTimer);
      clearInterval(lidTimer);
      await chain;
    },
  };
}
