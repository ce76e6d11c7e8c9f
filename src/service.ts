/**
 * Wiring of one vecstream instance: collections, snapshots, HTTP, ingest, quality probes, metrics.
 *
 * Contract: HTTP listens first, so `/healthz` and `/readyz` answer while snapshots load and ingest
 * catches up. Then, per collection: load the newest good snapshot (a bad one is logged, counted and
 * skipped); `startService` resolves once that is done and ingest has started from the applied
 * offsets + 1 (if loading fails, HTTP is closed again and the error rethrown). It turns
 * ready (`/readyz` 200, `vecstream_ready` 1) once ingest has caught up with the high
 * watermarks seen at start. `stop()` is the graceful shutdown: stop fetching and let the batches in
 * hand finish, snapshot every collection, then close HTTP. It is idempotent. Tests run the service
 * in-process with their own Registry; `src/main.ts` runs it as a process.
 */

import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import type { Logger } from "pino";
import { Collection } from "./collection.js";
import { readKafkaTls } from "./config.js";
import type { CollectionConfig, Config } from "./config.js";
import { createApp } from "./http/app.js";
import type { CollectionStatus } from "./http/view.js";
import { HnswIndex } from "./index/hnsw-index.js";
import { createLogger } from "./logger.js";
import { Metrics } from "./metrics.js";
import { startQualityProber } from "./quality/prober.js";
import type { QualityProber } from "./quality/prober.js";
import type { IndexCodec } from "./snapshot/codec.js";
import { engineCodec } from "./snapshot/index-codec.js";
import { SnapshotScheduler } from "./snapshot/scheduler.js";
import { SnapshotStore } from "./snapshot/store.js";
import { startIngest } from "./stream/ingest.js";
import type { Ingest, IngestOptions } from "./stream/ingest.js";

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
  const metrics = new Metrics(options.registry ?? new Registry());
  const collections = new Map<string, Collection>();
  const statuses = new Map<string, CollectionStatus>();
  for (const c of config.collections) {
    const collection = new Collection({
      config: c,
      index: newIndex(c),
      applySliceMs: config.pipeline.applySliceMs,
      onAppliedOffset: (partition, offset) => metrics.onAppliedOffset(c.name, partition, offset),
    });
    collections.set(c.name, collection);
    statuses.set(c.name, "loading_snapshot");
  }
  metrics.watchCollections(() => collections.values());
  metrics.setReady(false);

  // Started after ingest; the HTTP view reaches it through this holder.
  const quality: { prober?: QualityProber } = {};
  const app = createApp({
    view: {
      collections,
      status: (name) => statuses.get(name) ?? "loading_snapshot",
      onSearch: (name, vector) => quality.prober?.recordQuery(name, vector),
    },
    metrics,
    logger: logger.child({ component: "http" }),
    http: config.http,
  });
  const server = createServer(app);
  const address = await listen(server, config.http.host, config.http.port);
  const url = `http://${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`;
  log.info({ url }, "HTTP listening");

  const store = new SnapshotStore({
    dataDir: config.dataDir,
    keep: config.snapshots.keep,
    codec: options.codec ?? engineCodec,
  });
  const scheduler = new SnapshotScheduler({ store, metrics, logger: log, config: config.snapshots });
  try {
    await loadSnapshots([...collections.values()], store, scheduler, metrics, log);
  } catch (err) {
    await closeServer(server);
    throw err;
  }
  for (const name of collections.keys()) statuses.set(name, "catching_up");

  const ingest: Ingest = startIngest({
    kafka: { ...config.kafka, ssl: kafkaSsl },
    collections: [...collections.values()],
    pipeline: config.pipeline,
    lagPollMs: config.pipeline.lagPollMs,
    observer: metrics,
    logger,
    consumer: options.consumer ?? {
      consumerConfig: {
        sessionTimeout: config.kafka.sessionTimeoutMs,
        heartbeatInterval: config.kafka.heartbeatIntervalMs,
      },
      heartbeatIntervalMs: config.kafka.heartbeatIntervalMs,
    },
  });
  for (const c of collections.values()) c.setLagSource(() => ingest.lag().get(c.name) ?? new Map());
  const ready = ingest.caughtUp.then(() => {
    for (const name of collections.keys()) statuses.set(name, "ready");
    metrics.setReady(true);
    log.info("caught up with the log: ready");
  });
  ready.catch(() => undefined);
  scheduler.start([...collections.values()]);
  quality.prober = startQualityProber({
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
      metrics.setReady(false);
      await ingest.stop().catch((err: unknown) => log.warn({ err }, "ingest stopped with an error"));
      await quality.prober?.stop();
      await scheduler.stop();
      await scheduler.snapshotAll([...collections.values()], "shutdown");
      await closeServer(server);
      log.info("stopped");
    })());

  return { url, collections, metrics, ready, ingestDone: ingest.done, stop };
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
