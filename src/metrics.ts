/**
 * Every Prometheus metric of the service, in one injected prom-client `Registry`.
 *
 * Contract: metric names and label sets are fixed (the Grafana dashboards read them; see
 * README.md). `Metrics` implements the ingest `IngestObserver`, so the pipeline never imports
 * prom-client; size gauges (points, tombstones, memory) read the collections at scrape time through
 * `collect()`, so they cannot go stale and cost nothing between scrapes.
 */

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { SnapshotObserver } from "./snapshot/scheduler.js";
import type { IngestObserver } from "./stream/observer.js";

/** What the scrape-time gauges need from a collection. */
export interface MeasuredCollection {
  readonly name: string;
  sizes(): { points: number; tombstones: number; memoryBytes: number };
}

export type SearchOutcome = "ok" | "invalid" | "timeout" | "not_found" | "error";

/** Searches on a collection that does not exist are counted under this label, never the raw name. */
export const UNKNOWN_COLLECTION = "_unknown";

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const FRESHNESS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const BATCH_SIZE_BUCKETS = [1, 5, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

export class Metrics implements IngestObserver, SnapshotObserver {
  readonly registry: Registry;
  readonly messages: Counter<"collection" | "operation" | "outcome">;
  readonly deadLetters: Counter<"collection" | "reason">;
  readonly offsetsSkipped: Counter<"collection" | "partition">;
  readonly batchApplySeconds: Histogram<"collection">;
  readonly batchSize: Histogram<"collection">;
  readonly freshnessSeconds: Histogram<"collection">;
  readonly untrustedTimestamps: Counter<"collection">;
  readonly consumerLag: Gauge<"collection" | "partition">;
  readonly appliedOffset: Gauge<"collection" | "partition">;
  readonly searchSeconds: Histogram<"collection" | "kind">;
  readonly searches: Counter<"collection" | "outcome">;
  readonly httpRequests: Counter<"method" | "route" | "status">;
  readonly ready: Gauge;
  readonly ingestPaused: Gauge<"collection">;
  readonly snapshots: Counter<"collection" | "outcome">;
  readonly snapshotSeconds: Histogram<"collection">;
  readonly lastSnapshotTimestamp: Gauge<"collection">;
  readonly snapshotLoadFailures: Counter<"collection" | "reason">;
  readonly recallEstimate: Gauge<"collection">;
  readonly lidEstimate: Gauge<"collection">;
  #collections: () => Iterable<MeasuredCollection> = () => [];
  #isReady: () => boolean = () => false;

  constructor(registry: Registry = new Registry(), { defaultMetrics = true } = {}) {
    this.registry = registry;
    const registers = [registry];
    if (defaultMetrics) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
    this.messages = new Counter({
      name: "vecstream_messages_total",
      help: "Kafka messages consumed, by operation and outcome.",
      labelNames: ["collection", "operation", "outcome"],
      registers,
    });
    this.deadLetters = new Counter({
      name: "vecstream_dead_letters_total",
      help: "Messages sent to the dead-letter topic, by reason.",
      labelNames: ["collection", "reason"],
      registers,
    });
    this.offsetsSkipped = new Counter({
      name: "vecstream_offsets_skipped_total",
      help: "Offsets deleted from the log (retention) before they were applied: lost mutations.",
      labelNames: ["collection", "partition"],
      registers,
    });
    this.batchApplySeconds = new Histogram({
      name: "vecstream_batch_apply_seconds",
      help: "Time to apply one batch of mutations to a collection.",
      labelNames: ["collection"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.batchSize = new Histogram({
      name: "vecstream_batch_size",
      help: "Mutations per applied batch.",
      labelNames: ["collection"],
      buckets: BATCH_SIZE_BUCKETS,
      registers,
    });
    this.freshnessSeconds = new Histogram({
      name: "vecstream_freshness_seconds",
      help: "Time from a message's Kafka timestamp to the moment it is searchable.",
      labelNames: ["collection"],
      buckets: FRESHNESS_BUCKETS,
      registers,
    });
    this.untrustedTimestamps = new Counter({
      name: "vecstream_untrusted_timestamps_total",
      help: "Messages whose Kafka timestamp was too far in the past or future to count as freshness.",
      labelNames: ["collection"],
      registers,
    });
    this.consumerLag = new Gauge({
      name: "vecstream_consumer_lag",
      help: "Messages between the applied offset and the partition's high watermark.",
      labelNames: ["collection", "partition"],
      registers,
    });
    this.appliedOffset = new Gauge({
      name: "vecstream_applied_offset",
      help: "Last offset applied to the collection, per partition.",
      labelNames: ["collection", "partition"],
      registers,
    });
    this.#sizeGauges(registers);
    this.searchSeconds = new Histogram({
      name: "vecstream_search_seconds",
      help: "Search latency inside the service (after any read-your-writes wait).",
      labelNames: ["collection", "kind"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.searches = new Counter({
      name: "vecstream_searches_total",
      help: "Search requests by outcome.",
      labelNames: ["collection", "outcome"],
      registers,
    });
    this.httpRequests = new Counter({
      name: "vecstream_http_requests_total",
      help: "HTTP requests by method, route pattern and status.",
      labelNames: ["method", "route", "status"],
      registers,
    });
    const isReady = () => this.#isReady();
    this.ready = new Gauge({
      name: "vecstream_ready",
      help: "1 while every collection is caught up and its consumer a current group member.",
      registers,
      // Read at scrape time, so it falls to 0 the moment readiness is lost (evicted from the group).
      collect() {
        this.set(isReady() ? 1 : 0);
      },
    });
    this.ingestPaused = new Gauge({
      name: "vecstream_ingest_paused",
      help: "1 while ingest is paused by backpressure.",
      labelNames: ["collection"],
      registers,
    });
    this.snapshots = new Counter({
      name: "vecstream_snapshots_total",
      help: "Snapshots written, by outcome.",
      labelNames: ["collection", "outcome"],
      registers,
    });
    this.snapshotSeconds = new Histogram({
      name: "vecstream_snapshot_seconds",
      help: "Time to write one snapshot.",
      labelNames: ["collection"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.lastSnapshotTimestamp = new Gauge({
      name: "vecstream_last_snapshot_timestamp_seconds",
      help: "Unix time of the last successful snapshot.",
      labelNames: ["collection"],
      registers,
    });
    this.snapshotLoadFailures = new Counter({
      name: "vecstream_snapshot_load_failures_total",
      help: "Snapshots that could not be loaded at start, by reason.",
      labelNames: ["collection", "reason"],
      registers,
    });
    this.recallEstimate = new Gauge({
      name: "vecstream_recall_estimate",
      help: "Live recall@k estimate from probes against exact search.",
      labelNames: ["collection"],
      registers,
    });
    this.lidEstimate = new Gauge({
      name: "vecstream_lid_estimate",
      help: "Local intrinsic dimensionality estimate of the collection's data.",
      labelNames: ["collection"],
      registers,
    });
  }

  /** Where `vecstream_ready` is read from at scrape time (the same answer as /readyz). */
  watchReadiness(isReady: () => boolean): void {
    this.#isReady = isReady;
  }

  /** Names the collections the scrape-time gauges read. */
  watchCollections(source: () => Iterable<MeasuredCollection>): void {
    this.#collections = source;
  }

  #sizeGauges(registers: Registry[]): void {
    type Sizes = ReturnType<MeasuredCollection["sizes"]>;
    const collections = () => this.#collections();
    const gauge = (name: string, help: string, pick: (s: Sizes) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["collection"],
        registers,
        // Read at scrape time; reset first so a removed collection does not linger.
        collect() {
          this.reset();
          for (const c of collections()) this.set({ collection: c.name }, pick(c.sizes()));
        },
      });
    gauge("vecstream_points", "Live points per collection.", (s) => s.points);
    gauge("vecstream_tombstones", "Deleted points not yet reclaimed.", (s) => s.tombstones);
    gauge("vecstream_index_memory_bytes", "Bytes held by the collection's index.", (s) => s.memoryBytes);
  }

  // IngestObserver

  onApplied(collection: string, operation: "upsert" | "delete", count: number): void {
    this.messages.inc({ collection, operation, outcome: "applied" }, count);
  }

  onDeadLetter(collection: string, reason: string): void {
    this.messages.inc({ collection, operation: "invalid", outcome: "dead_lettered" });
    this.deadLetters.inc({ collection, reason });
  }

  onOffsetsSkipped(collection: string, partition: number, count: number): void {
    this.offsetsSkipped.inc({ collection, partition: String(partition) }, count);
  }

  onBatchApplied(collection: string, seconds: number, size: number): void {
    this.batchApplySeconds.observe({ collection }, seconds);
    this.batchSize.observe({ collection }, size);
  }

  onFreshness(collection: string, seconds: number): void {
    // Clock skew between producer and service can make this slightly negative; clamp, do not drop.
    this.freshnessSeconds.observe({ collection }, Math.max(0, seconds));
  }

  onUntrustedTimestamp(collection: string): void {
    this.untrustedTimestamps.inc({ collection });
  }

  onLag(collection: string, partition: number, lag: number): void {
    this.consumerLag.set({ collection, partition: String(partition) }, lag);
  }

  /** Backpressure: ingest reports when it pauses or resumes fetching a collection's topic. */
  onPaused(collection: string, paused: boolean): void {
    this.ingestPaused.set({ collection }, paused ? 1 : 0);
  }

  onAppliedOffset(collection: string, partition: number, offset: number): void {
    this.appliedOffset.set({ collection, partition: String(partition) }, offset);
  }

  // SnapshotObserver

  onSnapshotWritten(collection: string, seconds: number, createdAtMs: number): void {
    this.snapshotSeconds.observe({ collection }, seconds);
    this.snapshots.inc({ collection, outcome: "ok" });
    this.lastSnapshotTimestamp.set({ collection }, createdAtMs / 1000);
  }

  onSnapshotFailed(collection: string): void {
    this.snapshots.inc({ collection, outcome: "error" });
  }
}
