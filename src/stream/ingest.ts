/**
 * `startIngest`: the one entry point the service calls to feed its collections from Kafka. One Kafka
 * record's way, end to end (each step names its file):
 *
 *   1. KafkaSource (kafka-source.ts): kafkajs `eachBatch` hands a fetched batch to `#onBatch` here;
 *   2. RetentionGapCheck (retention-gaps.ts): offsets lost to retention are counted (never blocks);
 *   3. CollectionWriter.push (pipeline.ts): replays dropped, the batch decoded (wire.ts) and queued;
 *   4. the writer's queue (pipeline.ts, the ONE queue in front of the collection): chunks of messages
 *      and between-chunk tasks (snapshots), one at a time, in order;
 *   5. a chunk: invalid messages dead-lettered (dead-letter.ts), the rest applied by Collection.apply
 *      (src/collection/collection.ts), refusals dead-lettered, metrics reported (observer.ts);
 *   6. the collection's PartitionLedger (src/collection/partition-ledger.ts) raises the applied
 *      offsets: read-your-writes waiters and the pending `push` wake;
 *   7. back in KafkaSource, the batch's last offset is resolved and committed (lag monitoring only:
 *      the ledger, saved in snapshots, is the source of truth, and every join seeks to applied + 1).
 *
 * Contract:
 * - Returns at once; connecting runs in the background, so the service can serve /healthz while Kafka
 *   is unreachable. Failures (cannot connect, a writer failure, a consumer crash kafkajs does not
 *   restart) call `onError` and reject `done` and, when still pending, `caughtUp`.
 * - One consumer (and group) per collection: `groupIdOf(name)`, by default `<groupId>.<name>` (the
 *   service passes src/membership.ts's, which makes each instance a full replica by default).
 * - Each assigned partition starts at the collection's applied offset + 1, or at the log start.
 * - `caughtUp` resolves once every assigned partition of every collection reached the high watermark
 *   seen at start, minus 1 (empty partitions count as caught up). `readiness(name)` is live: it also
 *   says whether the collection's consumer is still a current member of its group.
 * - `exclusive(name, task)` runs `task` in the collection's writer queue, between two chunks.
 * - `stop()` stops fetching, lets the batches in hand finish applying, commits, and disconnects;
 *   `done` then resolves.
 * - Lag per partition is reported (`observer.onLag`) after each applied batch and every `lagPollMs`
 *   from polled high watermarks (lag-poller.ts), so it stays current while nothing is fetched.
 */

import { Partitioners, type Admin, type Kafka, type Producer } from "kafkajs";
import type { Logger } from "pino";
import { KafkaDeadLetterSink } from "./dead-letter.js";
import { createKafkaClient, type IngestKafkaConfig } from "./kafka-client.js";
import { KafkaSource, type KafkaSourceOptions, type SourceBatch } from "./kafka-source.js";
import { LagPoller } from "./lag-poller.js";
import type { IngestObserver } from "./observer.js";
import { CollectionWriter, type PipelineSettings, type WriterTarget } from "./pipeline.js";
import { RetentionGapCheck } from "./retention-gaps.js";
import { checkTopicRetention, type RetentionVerdict } from "./topic-retention.js";
import { ensureTopics, fetchBounds, type PartitionBounds } from "./topics.js";

export type { IngestKafkaConfig } from "./kafka-client.js";

/** A collection as ingest needs it; `Collection` (src/collection/collection.ts) is one. */
export type IngestCollection = WriterTarget & { readonly topic: string; readonly dlqTopic: string };

export interface IngestOptions {
  kafka: IngestKafkaConfig;
  collections: readonly IngestCollection[];
  pipeline: PipelineSettings;
  observer: IngestObserver;
  logger: Logger;
  onError?(err: unknown): void;
  /** Interval of the high-watermark poll that keeps lag current without fetches (default 5000 ms). */
  lagPollMs?: number;
  /** The consumer group of a collection (default `<kafka.groupId>.<collection name>`). */
  groupIdOf?(collection: string): string;
  /** Consumer tuning; tests shorten timeouts. Defaults suit production. */
  consumer?: Pick<
    KafkaSourceOptions,
    "consumerConfig" | "partitionsConsumedConcurrently" | "heartbeatIntervalMs"
  >;
}

/** Where one collection's ingest stands, for /readyz. */
export interface IngestReadiness {
  /** Every assigned partition reached the log end seen at start (sticky). */
  caughtUp: boolean;
  /** The consumer is a current member of its group (live). */
  member: boolean;
}

export interface Ingest {
  caughtUp: Promise<void>;
  readiness(collection: string): IngestReadiness;
  /** Whether the collection's topic can rebuild a partition by replay (undefined until checked). */
  retention(collection: string): RetentionVerdict | undefined;
  /** Runs `task` in the collection's writer queue (at once when ingest has no writer for it). */
  exclusive<T>(collection: string, task: () => Promise<T> | T): Promise<T>;
  stop(): Promise<void>;
  done: Promise<void>;
}

interface Route {
  collection: IngestCollection;
  writer: CollectionWriter;
  source?: KafkaSource;
  /** Partitions from the last group join; undefined before the first. */
  assigned: readonly number[] | undefined;
  retention?: RetentionVerdict;
}

function deferred(): { promise: Promise<void>; resolve(): void; reject(err: unknown): void } {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined); // reported through onError; awaiting callers still see the rejection
  return { promise, resolve, reject };
}

/** A configuration ingest cannot run with; thrown by `startIngest` before anything connects. */
export class IngestConfigError extends Error {
  readonly code = "INVALID_INGEST_CONFIG";
  readonly retriable = false;
}

export function startIngest(options: IngestOptions): Ingest {
  const topics = options.collections.map((c) => c.topic);
  const shared = topics.find((t, i) => topics.indexOf(t) !== i);
  if (shared !== undefined) {
    // Batches are routed by topic to one collection's writer; a second collection would get nothing.
    throw new IngestConfigError(`topic ${shared} feeds more than one collection; give each its own topic`);
  }
  if (options.pipeline.lowWaterMark > options.pipeline.highWaterMark) {
    throw new IngestConfigError("pipeline.lowWaterMark must not exceed pipeline.highWaterMark");
  }
  return new IngestRun(options).handle();
}

class IngestRun {
  readonly #o: IngestOptions;
  readonly #log: Logger;
  readonly #kafka: Kafka;
  readonly #admin: Admin;
  readonly #producer: Producer;
  readonly #routes = new Map<string, Route>();
  readonly #caughtUp = deferred();
  readonly #done = deferred();
  #started: Promise<void>;
  #stopping: Promise<void> | undefined;
  readonly #lagPoller: LagPoller;
  readonly #gaps: RetentionGapCheck;

  constructor(options: IngestOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: "ingest" });
    this.#kafka = createKafkaClient(options.kafka, this.#log);
    this.#admin = this.#kafka.admin();
    this.#producer = this.#kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const deadLetters = new KafkaDeadLetterSink(this.#producer);
    for (const collection of options.collections) this.#addRoute(collection, deadLetters);
    this.#lagPoller = new LagPoller({
      admin: this.#admin,
      intervalMs: options.lagPollMs ?? DEFAULT_LAG_POLL_MS,
      logger: this.#log,
      targets: () =>
        [...this.#routes.values()].map((route) => ({
          topic: route.collection.topic,
          noteBounds: (bounds: ReadonlyMap<number, PartitionBounds>) => this.#noteBounds(route, bounds),
        })),
    });
    this.#gaps = new RetentionGapCheck(this.#admin, options.observer, this.#log);
    this.#started = this.#start().catch((err: unknown) => this.#fail(err));
  }

  handle(): Ingest {
    return {
      caughtUp: this.#caughtUp.promise,
      readiness: (name) => this.#readiness(name),
      retention: (name) => this.#routeOf(name)?.retention,
      exclusive: (name, task) => {
        const route = this.#routeOf(name);
        return route ? route.writer.exclusive(task) : Promise.resolve().then(task);
      },
      stop: () => this.#stop(),
      done: this.#done.promise,
    };
  }

  async #start(): Promise<void> {
    await this.#admin.connect();
    const { collections } = this.#o;
    await ensureTopics(
      this.#admin,
      [...collections.map((c) => c.topic), ...collections.map((c) => c.dlqTopic)],
      this.#log,
    );
    await this.#producer.connect();
    for (const route of this.#routes.values()) {
      this.#expectLog(route, await fetchBounds(this.#admin, route.collection.topic));
      route.retention = await checkTopicRetention(this.#admin, route.collection.topic, this.#log);
    }
    if (this.#stopping) return;
    this.#lagPoller.start();
    const routes = [...this.#routes.values()];
    for (const route of routes) route.source = this.#createSource(route);
    await Promise.all(routes.map((route) => route.source?.start()));
  }

  #addRoute(collection: IngestCollection, deadLetters: KafkaDeadLetterSink): void {
    const writer = new CollectionWriter({
      target: collection,
      topic: collection.topic,
      dlqTopic: collection.dlqTopic,
      deadLetters,
      observer: this.#o.observer,
      settings: this.#o.pipeline,
      logger: this.#log.child({ collection: collection.name }),
      onError: (err) => this.#fail(err),
    });
    this.#routes.set(collection.topic, { collection, writer, assigned: undefined });
  }

  /**
   * One consumer (and group) per collection: kafkajs fetches from a broker again only once every
   * batch of the previous fetch is handled, so a shared consumer would tie every collection to the
   * pace of the slowest.
   */
  #createSource(route: Route): KafkaSource {
    const partitions = route.collection.ledger.topicPartitions?.size ?? 1;
    return new KafkaSource({
      kafka: this.#kafka,
      groupId:
        this.#o.groupIdOf?.(route.collection.name) ?? `${this.#o.kafka.groupId}.${route.collection.name}`,
      topics: [route.collection.topic],
      startOffset: (_topic, partition) => this.#startOffset(route, partition),
      onAssigned: (assignment) => this.#onAssigned(route, assignment),
      onBatch: (sb) => this.#onBatch(route, sb),
      onCrash: (err) => this.#fail(err),
      logger: this.#log.child({ collection: route.collection.name }),
      // Every partition of the topic at once (capped): batches of one fetch are then handled together.
      partitionsConsumedConcurrently: Math.max(1, Math.min(MAX_PARTITIONS_IN_FLIGHT, partitions)),
      fetchMaxWaitMs: this.#o.kafka.fetchMaxWaitMs,
      ...this.#o.consumer,
    });
  }

  /** Records the log as it stands at start: partitions, log starts, and where catching up ends. */
  #expectLog(route: Route, bounds: ReadonlyMap<number, PartitionBounds>): void {
    const { collection } = route;
    collection.ledger.setTopicPartitions(bounds.keys());
    for (const [partition, b] of bounds) {
      collection.ledger.expectCatchUp(partition, b.low, b.high);
      this.#reportLag(route, partition);
      const applied = collection.ledger.applied(partition);
      if (applied !== undefined && applied >= b.high) {
        // Offsets at or past the log end: the topic was recreated or truncated under the snapshot.
        // Messages up to `applied` will be taken for replays and skipped; say so loudly.
        this.#log.warn(
          { collection: collection.name, partition, applied, highWatermark: b.high },
          "collection is ahead of its topic; was the topic recreated? rebuild from an empty data dir",
        );
      }
    }
  }

  #startOffset(route: Route, partition: number): string {
    const record = route.collection.ledger.get(partition);
    if (record?.applied !== undefined) return String(record.applied + 1);
    // Nothing applied: the log start seen at start (an out-of-range offset resets to the earliest).
    return String(record?.logStart ?? 0);
  }

  #onAssigned(route: Route, assignment: ReadonlyMap<string, readonly number[]>): void {
    route.assigned = assignment.get(route.collection.topic) ?? [];
    this.#checkCaughtUp();
  }

  async #onBatch(route: Route, sb: SourceBatch): Promise<void> {
    const { partition, highWatermark, messages } = sb.batch;
    const { ledger, name, topic } = route.collection;
    const last = ledger.lastQueued(partition);
    this.#gaps.check({
      collection: name,
      topic,
      partition,
      expected: last !== undefined ? last + 1 : ledger.get(partition)?.logStart,
      firstOffset: messages.length > 0 ? Number(messages[0].offset) : undefined,
    });
    await route.writer.push(sb);
    ledger.noteHighWatermark(partition, highWatermark);
    this.#reportLag(route, partition);
    this.#checkCaughtUp();
  }

  #noteBounds(route: Route, bounds: ReadonlyMap<number, PartitionBounds>): void {
    for (const [partition, b] of bounds) {
      route.collection.ledger.noteHighWatermark(partition, b.high);
      this.#reportLag(route, partition);
    }
  }

  #reportLag(route: Route, partition: number): void {
    // Partitions another member of a shared group holds are not ours to report.
    if (route.assigned !== undefined && !route.assigned.includes(partition)) return;
    const lag = route.collection.ledger.lag(partition);
    if (lag !== undefined) this.#o.observer.onLag(route.collection.name, partition, lag);
  }

  #routeOf(name: string): Route | undefined {
    for (const route of this.#routes.values()) if (route.collection.name === name) return route;
    return undefined;
  }

  #readiness(name: string): IngestReadiness {
    const route = this.#routeOf(name);
    if (route?.assigned === undefined) return { caughtUp: false, member: false };
    return {
      caughtUp: route.collection.ledger.caughtUp(route.assigned),
      member: route.source?.membership().current ?? false,
    };
  }

  #checkCaughtUp(): void {
    for (const route of this.#routes.values()) {
      if (route.assigned === undefined || !route.collection.ledger.caughtUp(route.assigned)) return;
    }
    if (this.#routes.size > 0) this.#caughtUp.resolve();
  }

  #fail(err: unknown): void {
    if (this.#stopping) return;
    this.#lagPoller.stop();
    this.#log.error({ err }, "ingest failed");
    this.#o.onError?.(err);
    this.#caughtUp.reject(err);
    this.#stopping = this.#shutdown().then(
      () => this.#done.reject(err),
      () => this.#done.reject(err),
    );
  }

  #stop(): Promise<void> {
    this.#lagPoller.stop();
    this.#stopping ??= this.#started
      .then(() => this.#shutdown())
      .then(
        () => this.#done.resolve(),
        (err: unknown) => this.#done.reject(err),
      );
    return this.#stopping;
  }

  /** Consumer first (it waits for the batches in hand), then the writers drain, then the clients. */
  async #shutdown(): Promise<void> {
    this.#lagPoller.stop();
    const routes = [...this.#routes.values()];
    await Promise.allSettled(routes.map((r) => r.source?.stop()));
    await Promise.allSettled(routes.map((r) => r.writer.complete()));
    await Promise.allSettled([this.#producer.disconnect(), this.#admin.disconnect()]);
    this.#log.info("ingest stopped");
  }
}

const DEFAULT_LAG_POLL_MS = 5000;

/** Cap on batches handled at once; beyond it more concurrency only adds memory in flight. */
const MAX_PARTITIONS_IN_FLIGHT = 32;
