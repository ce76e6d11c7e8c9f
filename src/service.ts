/**
 * Wiring of one vecstream instance: collections, snapshots, HTTP, ingest, quality probes, metrics.
 *
 * Contract: HTTP listens first, so `/healthz` and `/readyz` answer while snapshots load and ingest
 * catches up. Then, per collection: load the newest good snapshot (a bad one is logged, counted and
 * skipped); `startService` resolves once that is done and ingest has started from the applied
 * offsets + 1 (if loading fails, HTTP is closed again and the error rethrown). A collection is ready
 * (`/readyz` 200, `vecstream_ready` 1) while ingest has caught up with the high watermarks seen at
 * start AND its consumer is a current member of its group; it turns not ready again when the
 * membership is lost (an eviction), until the rejoin. `stop()` is the graceful shutdown: stop
 * fetching and let the batches in hand finish, snapshot every collection, then close HTTP; it rejects
 * when a final snapshot failed (the process then exits non-zero). It is idempotent. Tests run the
 * service in-process with their own Registry; `src/main.ts` runs it as a process.
 */

import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import type { Logger } from "pino";
import { Collection } from "./collection/collection.js";
import { readKafkaTls } from "./config.js";
import type { CollectionConfig, Config } from "./config.js";
import { createApp } from "./http/app.js";
import type { CollectionStatus } from "./http/view.js";
import { HnswIndex } from "./index/hnsw-index.js";
import { createLogger } from "./logger.js";
import { memberIdentity } from "./membership.js";
import { Metrics } from "./metrics.js";
import { startQualityProber } from "./quality/prober.js";
import type { QualityProber } from "./quality/prober.js";
import type { IndexCodec } from "./snapshot/codec.js";
import { engineCodec } from "./snapshot/index-codec.js";
import { SnapshotScheduler } from "./snapshot/scheduler.js";
import { lockDataDir } from "./snapshot/data-dir-lock.js";
import { SnapshotStore } from "./snapshot/store.js";
import { startIngest } from "./stream/ingest.js";
import type { Ingest, IngestOptions } from "./stream/ingest.js";
import type { IngestObserver } from "./stream/observer.js";

export interface ServiceOptions {
  registry?: Registry;
  logger?: Logger;
  codec?: IndexCodec;
  /** Kafka consumer tuning passed to ingest (tests shorten session timeouts). */
  consumer?: IngestOptions["consumer"];
}

export interface Service {
  /** `http://host:port` of the API. */
  readonly url: string;
  readonly collections: ReadonlyMap<string, Collection>;
  readonly metrics: Metrics;
  /** Resolves once every collection loaded its snapshot and caught up; rejects if ingest fails first. */
  readonly ready: Promise<void>;
  /** Settles when ingest ends: resolves after `stop()`, rejects on an ingest failure. */
  readonly ingestDone: Promise<void>;
  stop(): Promise<void>;
}

function newIndex(c: CollectionConfig): HnswIndex {
  return new HnswIndex({
    dim: c.dim,
    metric: c.metric,
    M: c.M,
    efConstruction: c.efConstruction,
    efSearch: c.ef,
    seed: c.seed,
  });
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export async function startService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const log = logger.child({ component: "service" });
  // TLS files are read before anything listens, so a missing one stops the start naming its field.
  const kafkaSsl = readKafkaTls(config.kafka.ssl);
  // One process per data directory, before anything else: snapshots and the member name depend on it.
  const lock = lockDataDir(config.dataDir);
  const identity = memberIdentity(config);
  log.info(
    { member: identity.memberName, replicaGroup: identity.replicaGroup, dataDir: config.dataDir },
    identity.replicaGroup === null
      ? "full replica: every collection in a consumer group of its own"
      : "member of a replica group: partitions are split with its other members",
  );
  const metrics = new Metrics(options.registry ?? new Registry());
  const collections = new Map<string, Collection>();
  for (const c of config.collections) {
    const collection = new Collection({
      config: c,
      index: newIndex(c),
      applySliceMs: config.pipeline.applySliceMs,
      onAppliedOffset: (partition, offset) => metrics.onAppliedOffset(c.name, partition, offset),
    });
    collections.set(c.name, collection);
  }
  metrics.watchCollections(() => collections.values());

  // Set once snapshots are loaded and ingest runs; the HTTP view reaches them through this holder.
  const running: { ingest?: Ingest; prober?: QualityProber } = {};
  const status = (name: string): CollectionStatus => {
    const ingest = running.ingest;
    if (ingest === undefined) return "loading_snapshot";
    const r = ingest.readiness(name);
    if (!r.caughtUp) return "catching_up";
    return r.member ? "ready" : "not_member";
  };
  metrics.watchReadiness(() => [...collections.keys()].every((name) => status(name) === "ready"));
  const app = createApp({
    view: {
      collections,
      status,
      onSearch: (name, vector) => running.prober?.recordQuery(name, vector),
    },
    metrics,
    logger: logger.child({ component: "http" }),
    http: config.http,
  });
  const server = createServer(app);
  const address = await listen(server, config.http.host, config.http.port).catch((err: unknown) => {
    lock.release();
    throw err;
  });
  const url = `http://${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`;
  log.info({ url }, "HTTP listening");

  const store = new SnapshotStore({
    dataDir: config.dataDir,
    keep: config.snapshots.keep,
    codec: options.codec ?? engineCodec,
  });
  const scheduler = new SnapshotScheduler({
    store,
    observer: metrics,
    logger: log,
    config: config.snapshots,
    runExclusive: (name, task) => (running.ingest ? running.ingest.exclusive(name, task) : task()),
  });
  try {
    await loadSnapshots([...collections.values()], store, scheduler, metrics, log);
  } catch (err) {
    await closeServer(server);
    lock.release();
    throw err;
  }

  const ingest: Ingest = startIngest({
    kafka: { ...config.kafka, ssl: kafkaSsl },
    collections: [...collections.values()],
    pipeline: config.pipeline,
    lagPollMs: config.pipeline.lagPollMs,
    groupIdOf: identity.groupIdOf,
    observer: withSnapshotTrigger(metrics, scheduler),
    logger,
    consumer: options.consumer ?? {
      consumerConfig: {
        sessionTimeout: config.kafka.sessionTimeoutMs,
        heartbeatInterval: config.kafka.heartbeatIntervalMs,
      },
      heartbeatIntervalMs: config.kafka.heartbeatIntervalMs,
    },
  });
  running.ingest = ingest;
  const ready = ingest.caughtUp.then(() => log.info("caught up with the log: ready"));
  ready.catch(() => undefined);
  scheduler.start([...collections.values()]);
  running.prober = startQualityProber({
    collections: [...collections.values()].map((c) => ({
      name: c.name,
      index: () => c.index,
      defaultEf: c.config.ef,
    })),
    config: config.quality,
    onRecall: (name, recall) => metrics.recallEstimate.set({ collection: name }, recall),
    onLid: (name, lid) => metrics.lidEstimate.set({ collection: name }, lid),
    onError: (name, probe, err) => log.warn({ err, collection: name, probe }, "quality probe failed"),
  });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      log.info("stopping: ingest first, then snapshots, then HTTP");
      await ingest.stop().catch((err: unknown) => log.warn({ err }, "ingest stopped with an error"));
      await running.prober?.stop();
      await scheduler.stop();
      const failed = await scheduler.snapshotAll([...collections.values()], "shutdown");
      await closeServer(server);
      lock.release();
      if (failed.length > 0) {
        // Logged by the scheduler with the cause; the restart will replay from the previous snapshot.
        throw new Error(`the shutdown snapshot of ${failed.join(", ")} failed`);
      }
      log.info("stopped");
    })());

  return { url, collections, metrics, ready, ingestDone: ingest.done, stop };
}

/** Ingest's observer: the metrics, plus the snapshot scheduler's count of applied upserts. */
function withSnapshotTrigger(metrics: Metrics, scheduler: SnapshotScheduler): IngestObserver {
  return {
    onApplied: (collection, operation, count) => {
      metrics.onApplied(collection, operation, count);
      if (operation === "upsert") scheduler.noteApplied(collection, count);
    },
    onDeadLetter: (collection, reason) => metrics.onDeadLetter(collection, reason),
    onBatchApplied: (collection, seconds, size) => metrics.onBatchApplied(collection, seconds, size),
    onFreshness: (collection, seconds) => metrics.onFreshness(collection, seconds),
    onUntrustedTimestamp: (collection) => metrics.onUntrustedTimestamp(collection),
    onLag: (collection, partition, lag) => metrics.onLag(collection, partition, lag),
    onPaused: (collection, paused) => metrics.onPaused(collection, paused),
    onOffsetsSkipped: (collection, partition, count) =>
      metrics.onOffsetsSkipped(collection, partition, count),
  };
}

async function loadSnapshots(
  collections: readonly Collection[],
  store: SnapshotStore,
  scheduler: SnapshotScheduler,
  metrics: Metrics,
  log: Logger,
): Promise<void> {
  for (const collection of collections) {
    const loaded = await store.loadNewest(collection.config, (path, err) => {
      metrics.snapshotLoadFailures.inc({ collection: collection.name, reason: err.code.toLowerCase() });
      log.error({ err, collection: collection.name, path }, "snapshot unusable; trying an older one");
    });
    if (!loaded) {
      log.info({ collection: collection.name }, "no usable snapshot: replaying the topic from its start");
      continue;
    }
    collection.restore(loaded.state);
    scheduler.noteLoaded(collection);
    log.info(
      {
        collection: collection.name,
        path: loaded.path,
        points: loaded.meta.points,
        offsets: loaded.meta.offsets,
      },
      "snapshot loaded",
    );
  }
}

/** Stops accepting connections, lets requests in flight finish, then drops idle keep-alive sockets. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
