/**
 * When snapshots are taken: every `intervalMs` (if the collection changed since the last one), once
 * `everyMessages` upserts have been applied since the last one (counted here, from `noteApplied`),
 * and on shutdown (`snapshotAll`).
 *
 * Consistency: a snapshot runs through `runExclusive`, which the service points at the collection's
 * writer queue (src/stream/pipeline.ts `exclusive`), i.e. between two chunks, and it holds the writer
 * while it streams the file. We chose pausing the writer over copying the state: a copy would double
 * the index's memory and its synchronous serialization would block the event loop, while pausing keeps
 * memory flat and lets searches run between chunk writes (each write is awaited). The price is that
 * ingest waits for the duration of a snapshot; the pipeline's backpressure absorbs that, and
 * `vecstream_freshness_seconds` shows it.
 *
 * Contract: at most one snapshot per collection at a time (a trigger during one is folded into it); a
 * failed snapshot is logged and reported to the observer (`outcome="error"`) and never stops ingest.
 * `snapshotAll` resolves with the names of the collections whose snapshot failed, so the shutdown can
 * say so and exit non-zero.
 */

import type { Logger } from "pino";
import type { SnapshotSource, SnapshotStore } from "./store.js";

export type SnapshotReason = "interval" | "messages" | "shutdown" | "manual";

export interface SnapshotSchedulerConfig {
  intervalMs: number;
  everyMessages: number;
}

/** Snapshot events, for metrics; the snapshot code does not depend on prom-client. */
export interface SnapshotObserver {
  onSnapshotWritten(collection: string, seconds: number, createdAtMs: number): void;
  onSnapshotFailed(collection: string): void;
}

export interface SnapshotSchedulerOptions {
  store: SnapshotStore;
  observer: SnapshotObserver;
  logger: Logger;
  config: SnapshotSchedulerConfig;
  /** Runs a task between two batches of the collection's writer (the service passes ingest's). */
  runExclusive<T>(collection: string, task: () => Promise<T>): Promise<T>;
}

type Outcome = "written" | "unchanged" | "failed";

export class SnapshotScheduler {
  readonly #o: SnapshotSchedulerOptions;
  readonly #inFlight = new Map<string, Promise<Outcome>>();
  /** Applied offsets at the last snapshot, to skip snapshots of an idle collection. */
  readonly #lastOffsets = new Map<string, string>();
  /** Upserts applied since the last snapshot, per collection (the `everyMessages` trigger). */
  readonly #upserts = new Map<string, number>();
  readonly #sources = new Map<string, SnapshotSource>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: SnapshotSchedulerOptions) {
    this.#o = options;
  }

  /** Remembers the offsets a loaded snapshot holds, so an unchanged collection is not saved again. */
  noteLoaded(source: SnapshotSource): void {
    this.#lastOffsets.set(source.name, signature(source));
  }

  /** Counts applied upserts (wired to ingest's `onApplied`); triggers a snapshot past `everyMessages`. */
  noteApplied(collection: string, upserts: number): void {
    const count = (this.#upserts.get(collection) ?? 0) + upserts;
    this.#upserts.set(collection, count);
    const source = this.#sources.get(collection);
    if (!this.#stopped && source && count >= this.#o.config.everyMessages) {
      void this.snapshot(source, "messages");
    }
  }

  start(sources: readonly SnapshotSource[]): void {
    for (const s of sources) this.#sources.set(s.name, s);
    this.#timer = setInterval(() => {
      for (const s of sources) void this.snapshot(s, "interval");
    }, this.#o.config.intervalMs);
    this.#timer.unref();
  }

  /** Snapshots `source` between batches. Resolves true when a snapshot was written. */
  async snapshot(source: SnapshotSource, reason: SnapshotReason): Promise<boolean> {
    return (await this.#schedule(source, reason)) === "written";
  }

  #schedule(source: SnapshotSource, reason: SnapshotReason): Promise<Outcome> {
    const running = this.#inFlight.get(source.name);
    if (running) return reason === "shutdown" ? running.then(() => this.#take(source, reason)) : running;
    return this.#take(source, reason);
  }

  #take(source: SnapshotSource, reason: SnapshotReason): Promise<Outcome> {
    const run = this.#o
      .runExclusive(source.name, () => this.#write(source, reason))
      .finally(() => this.#inFlight.delete(source.name));
    this.#inFlight.set(source.name, run);
    return run;
  }

  async #write(source: SnapshotSource, reason: SnapshotReason): Promise<Outcome> {
    const { name } = source;
    if (this.#lastOffsets.get(name) === signature(source)) return "unchanged";
    // Between two batches nothing applies, so every upsert counted so far is in this snapshot.
    const covered = this.#upserts.get(name) ?? 0;
    const started = performance.now();
    try {
      const { path, bytes, meta } = await this.#o.store.write(source);
      const seconds = (performance.now() - started) / 1000;
      this.#upserts.set(name, Math.max(0, (this.#upserts.get(name) ?? 0) - covered));
      this.#lastOffsets.set(name, signature(source));
      this.#o.observer.onSnapshotWritten(name, seconds, meta.createdAtMs);
      this.#o.logger.info(
        { collection: name, reason, path, bytes, points: meta.points, seconds },
        "snapshot written",
      );
      return "written";
    } catch (err) {
      this.#o.observer.onSnapshotFailed(name);
      this.#o.logger.error({ err, collection: name, reason }, "snapshot failed");
      return "failed";
    }
  }

  /** Final snapshots (shutdown); waits for any running one first. Resolves with the failed names. */
  async snapshotAll(sources: readonly SnapshotSource[], reason: SnapshotReason): Promise<string[]> {
    const outcomes = await Promise.all(sources.map((s) => this.#schedule(s, reason)));
    return sources.filter((_, i) => outcomes[i] === "failed").map((s) => s.name);
  }

  /** Stops the timers and waits for snapshots in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await Promise.all(this.#inFlight.values());
  }
}

function signature(source: SnapshotSource): string {
  return JSON.stringify([...source.appliedOffsets()].sort((a, b) => a[0] - b[0]));
}
