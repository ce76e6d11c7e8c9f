/**
 * When snapshots are taken: every `intervalMs` (if the collection changed since the last one), once
 * `everyMessages` upserts have been applied since the last one, and on shutdown (`snapshotAll`).
 *
 * Consistency: a snapshot runs on the collection's writer chain (`Collection.exclusive`), i.e. between
 * two batches, and holds the writer while it streams the file. We chose pausing the writer over copying
 * the state: a copy would double the index's memory and its synchronous serialization would block the
 * event loop, while pausing keeps memory flat and lets searches run between chunk writes (each write is
 * awaited). The price is that ingest waits for the duration of a snapshot; the pipeline's
 * backpressure absorbs that, and `vecstream_freshness_seconds` shows it.
 *
 * Contract: at most one snapshot per collection at a time (a trigger during one is folded into it);
 * a failed snapshot is logged and counted (`outcome="error"`) and never stops ingest.
 */

import type { Logger } from "pino";
import type { Collection } from "../collection.js";
import type { Config } from "../config.js";
import type { Metrics } from "../metrics.js";
import type { SnapshotStore } from "./store.js";

export type SnapshotReason = "interval" | "messages" | "shutdown" | "manual";

export class SnapshotScheduler {
  readonly #store: SnapshotStore;
  readonly #metrics: Metrics;
  readonly #logger: Logger;
  readonly #config: Config["snapshots"];
  readonly #inFlight = new Map<string, Promise<boolean>>();
  /** Applied offsets at the last snapshot, to skip snapshots of an idle collection. */
  readonly #lastOffsets = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: {
    store: SnapshotStore;
    metrics: Metrics;
    logger: Logger;
    config: Config["snapshots"];
  }) {
    this.#store = options.store;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#config = options.config;
  }

  /** Remembers the offsets a loaded snapshot holds, so an unchanged collection is not saved again. */
  noteLoaded(collection: Collection): void {
    this.#lastOffsets.set(collection.name, signature(collection));
  }

  start(collections: readonly Collection[]): void {
    for (const c of collections) {
      c.onBatchApplied(() => {
        if (!this.#stopped && c.upsertsSinceSnapshot >= this.#config.everyMessages)
          void this.snapshot(c, "messages");
      });
    }
    this.#timer = setInterval(() => {
      for (const c of collections) void this.snapshot(c, "interval");
    }, this.#config.intervalMs);
    this.#timer.unref();
  }

  /** Snapshots `collection` between batches. Resolves true when a snapshot was written. */
  snapshot(collection: Collection, reason: SnapshotReason): Promise<boolean> {
    const running = this.#inFlight.get(collection.name);
    if (running) return reason === "shutdown" ? running.then(() => this.#take(collection, reason)) : running;
    return this.#take(collection, reason);
  }

  #take(collection: Collection, reason: SnapshotReason): Promise<boolean> {
    const run = collection
      .exclusive(() => this.#write(collection, reason))
      .finally(() => this.#inFlight.delete(collection.name));
    this.#inFlight.set(collection.name, run);
    return run;
  }

  async #write(collection: Collection, reason: SnapshotReason): Promise<boolean> {
    const name = collection.name;
    if (this.#lastOffsets.get(name) === signature(collection)) return false;
    const covered = collection.upsertsSinceSnapshot;
    const stop = this.#metrics.snapshotSeconds.startTimer({ collection: name });
    try {
      const { path, bytes, meta } = await this.#store.write(collection);
      const seconds = stop();
      collection.noteSnapshotTaken(covered);
      this.#lastOffsets.set(name, signature(collection));
      this.#metrics.snapshots.inc({ collection: name, outcome: "ok" });
      this.#metrics.lastSnapshotTimestamp.set({ collection: name }, meta.createdAtMs / 1000);
      this.#logger.info(
        { collection: name, reason, path, bytes, points: meta.points, seconds },
        "snapshot written",
      );
      return true;
    } catch (err) {
      this.#metrics.snapshots.inc({ collection: name, outcome: "error" });
      this.#logger.error({ err, collection: name, reason }, "snapshot failed");
      return false;
    }
  }

  /** Final snapshots (shutdown); waits for any running one first. */
  async snapshotAll(collections: readonly Collection[], reason: SnapshotReason): Promise<void> {
    await Promise.all(collections.map((c) => this.snapshot(c, reason)));
  }

  /** Stops the timers and waits for snapshots in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await Promise.all(this.#inFlight.values());
  }
}

function signature(collection: Collection): string {
  return JSON.stringify([...collection.appliedOffsets()].sort((a, b) => a[0] - b[0]));
}
