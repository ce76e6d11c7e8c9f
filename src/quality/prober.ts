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

import { SeededRandom } from "../index/index.js";
import type { VectorIndex } from "../index/index.js";
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

type ProbeKind = "recall" | "lid";

/** The probes' state; `startQualityProber` adds the timers. */
class Prober implements QualityProber {
  readonly #options: QualityProberOptions;
  readonly #rings = new Map<string, QueryRing>();
  readonly #random: SeededRandom;
  readonly #budget: ScanBudget;
  readonly #running: Record<ProbeKind, boolean> = { recall: false, lid: false };
  readonly #timers: NodeJS.Timeout[] = [];
  /** One chain of probes: each starts after the previous one settled, so scans never overlap. */
  #chain: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: QualityProberOptions) {
    this.#options = options;
    for (const c of options.collections) this.#rings.set(c.name, new QueryRing(options.ringCapacity ?? 256));
    this.#random = new SeededRandom(options.seed ?? 1);
    this.#budget = { ...options.budget, isAborted: () => this.#stopped };
  }

  /** Runs `probe` every `intervalMs` on an unref'd timer. */
  every(intervalMs: number, probe: () => Promise<void>): void {
    const timer = setInterval(() => void probe(), intervalMs);
    timer.unref();
    this.#timers.push(timer);
  }

  recordQuery(collection: string, vector: ArrayLike<number>): void {
    this.#rings.get(collection)?.record(vector);
  }

  runRecallProbe(): Promise<void> {
    return this.#schedule("recall", (t) => this.#probeRecall(t));
  }

  runLidProbe(): Promise<void> {
    return this.#schedule("lid", (t) => this.#probeLid(t));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    await this.#chain;
  }

  /** Appends a pass over every collection to the chain, unless one of this kind is already queued. */
  #schedule(kind: ProbeKind, probe: (t: QualityTarget) => Promise<void>): Promise<void> {
    if (this.#stopped || this.#running[kind]) return this.#chain;
    this.#running[kind] = true;
    this.#chain = this.#chain.then(async () => {
      try {
        for (const target of this.#options.collections) {
          if (this.#stopped) return;
          try {
            await probe(target);
          } catch (error) {
            if (error instanceof ScanAbortedError) return;
            this.#options.onError?.(target.name, kind, error);
          }
        }
      } finally {
        this.#running[kind] = false;
      }
    });
    return this.#chain;
  }

  async #probeRecall(target: QualityTarget): Promise<void> {
    const index = resolveIndex(target);
    if (index.size === 0) return;
    const { config } = this.#options;
    const ring = this.#rings.get(target.name);
    const queries = await pickProbeQueries(
      index,
      ring,
      config.recallProbeQueries,
      this.#random,
      this.#budget,
    );
    const options = { k: config.recallK, ef: target.defaultEf, budget: this.#budget };
    const estimate = await estimateRecall(index, queries, options);
    if (estimate !== undefined && !this.#stopped) {
      this.#options.onRecall(target.name, estimate.recall, estimate.queries);
    }
  }

  async #probeLid(target: QualityTarget): Promise<void> {
    const { config } = this.#options;
    const estimate = await estimateLid(resolveIndex(target), {
      k: config.lidK,
      sampleSize: config.lidSampleSize,
      random: this.#random,
      budget: this.#budget,
    });
    if (estimate !== undefined && !this.#stopped)
      this.#options.onLid(target.name, estimate.lid, estimate.points);
  }
}

function resolveIndex(target: QualityTarget): VectorIndex {
  return typeof target.index === "function" ? target.index() : target.index;
}

export function startQualityProber(options: QualityProberOptions): QualityProber {
  const prober = new Prober(options);
  prober.every(options.config.recallProbeIntervalMs, () => prober.runRecallProbe());
  prober.every(options.config.lidIntervalMs, () => prober.runLidProbe());
  return prober;
}
